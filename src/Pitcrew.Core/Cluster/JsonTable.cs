using System.Collections;
using System.Text;
using System.Text.Json;

namespace Pitcrew.Cluster;

/// <summary>Reads one field's value (the reader on its first token) into a state the caller owns, leaving the reader on the value's last token.</summary>
internal delegate void FieldReader<TState>(ref Utf8JsonReader reader, ref TState state);

/// <summary>Called once an array item has been read into its own state, to fold it into the outer state.</summary>
internal delegate void ItemDone<TOuter, TItem>(ref TOuter outer, ref TItem item);

/// <summary>
/// A streaming reader of one kind of JSON object, driven by a table of paths ("metadata.name", "status.nodeInfo.kubeletVersion")
/// and the handler each path's value goes to. It walks the object once: a property on a path's way is entered, a handler
/// gets its value, and everything else (unknown fields, whole subtrees) is skipped without being decoded. A null where an
/// object is expected is skipped too. Tables are built once and shared; reading allocates nothing of its own.
/// </summary>
/// <remarks>Path segments are separated by '.', so a table cannot name a key that holds one (read such maps in a handler).</remarks>
internal sealed class JsonTable<TState> : IEnumerable<string>
{
    private readonly List<byte[]> _names = [];
    private readonly List<FieldReader<TState>?> _handlers = [];
    private readonly List<JsonTable<TState>?> _children = [];

    /// <summary>Adds a path; its last segment's value goes to <paramref name="read"/> (called on JSON null too).</summary>
    public void Add(string path, FieldReader<TState> read)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        var name = dot < 0 ? path : path[..dot];
        var index = IndexOf(name);
        if (dot < 0)
        {
            if (index >= 0)
            {
                throw new ArgumentException($"the table already reads {path}", nameof(path));
            }

            Append(name, read, null);
            return;
        }

        if (index < 0)
        {
            index = Append(name, null, new JsonTable<TState>());
        }

        var child = _children[index] ?? throw new ArgumentException($"the table reads {name} whole and cannot also read inside it", nameof(path));
        child.Add(path[(dot + 1)..], read);
    }

    /// <summary>Adds a path, as <see cref="Add"/> does, and gives the table back.</summary>
    public JsonTable<TState> With(string path, FieldReader<TState> read)
    {
        Add(path, read);
        return this;
    }

    /// <summary>Reads an object (the reader on its StartObject, or on null or another value, which is skipped), leaving the reader on its last token.</summary>
    /// <exception cref="JsonException">The object ends before its closing brace.</exception>
    public void Read(ref Utf8JsonReader reader, ref TState state)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = Find(ref reader);
            reader.Read();
            if (index < 0)
            {
                reader.Skip();
            }
            else if (_handlers[index] is { } handler)
            {
                handler(ref reader, ref state);
            }
            else
            {
                _children[index]!.Read(ref reader, ref state);
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.CurrentDepth != depth)
        {
            throw new JsonException($"the JSON ends inside an object (after byte {reader.BytesConsumed})");
        }
    }

    /// <summary>
    /// Reads each object of an array (the reader on its StartArray) into a fresh copy of <paramref name="seed"/> and hands it to
    /// <paramref name="done"/>; null, and items that are not objects, are skipped.
    /// </summary>
    public void Each<TOuter>(ref Utf8JsonReader reader, ref TOuter outer, TState seed, ItemDone<TOuter, TState> done)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            var item = seed;
            Read(ref reader, ref item);
            done(ref outer, ref item);
        }

        if (reader.TokenType != JsonTokenType.EndArray || reader.CurrentDepth != depth)
        {
            throw new JsonException($"the JSON ends inside an array (after byte {reader.BytesConsumed})");
        }
    }

    /// <summary>The paths the table reads, for messages and tests.</summary>
    public IEnumerator<string> GetEnumerator()
    {
        for (var i = 0; i < _names.Count; i++)
        {
            var name = Encoding.UTF8.GetString(_names[i]);
            if (_children[i] is { } child)
            {
                foreach (var path in child)
                {
                    yield return $"{name}.{path}";
                }
            }
            else
            {
                yield return name;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int Find(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < _names.Count; i++)
        {
            if (reader.ValueTextEquals(_names[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private int IndexOf(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        return _names.FindIndex(n => n.AsSpan().SequenceEqual(bytes));
    }

    private int Append(string name, FieldReader<TState>? read, JsonTable<TState>? child)
    {
        _names.Add(Encoding.UTF8.GetBytes(name));
        _handlers.Add(read);
        _children.Add(child);
        return _names.Count - 1;
    }
}
