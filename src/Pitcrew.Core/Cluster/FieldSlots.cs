using System.Text.Json;

namespace Pitcrew.Cluster;

/// <summary>
/// The fields of one small array item (a taint, a condition, an owner, a toleration, a requirement): up to four strings in
/// the order its table names them, a flag, a list of strings and two times.
/// </summary>
internal struct FieldSlots
{
    public StringPool Pool;
    public string? First;
    public string? Second;
    public string? Third;
    public string? Fourth;
    public bool Flag;
    public IReadOnlyList<string>? Values;
    public DateTimeOffset? FirstTime;
    public DateTimeOffset? SecondTime;

    /// <summary>A table whose named string fields (pooled) go to First, Second, ... in order.</summary>
    public static JsonTable<FieldSlots> Strings(params string[] names)
    {
        if (names.Length > 4)
        {
            throw new ArgumentException("an item has four string slots", nameof(names));
        }

        var table = new JsonTable<FieldSlots>();
        for (var i = 0; i < names.Length; i++)
        {
            var slot = i;
            table.Add(names[i], (ref Utf8JsonReader r, ref FieldSlots s) => s.Set(slot, JsonFields.String(ref r, s.Pool)));
        }

        return table;
    }

    private void Set(int slot, string? value)
    {
        switch (slot)
        {
            case 0: First = value; break;
            case 1: Second = value; break;
            case 2: Third = value; break;
            default: Fourth = value; break;
        }
    }
}
