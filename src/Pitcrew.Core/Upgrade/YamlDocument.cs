using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pitcrew.Upgrade;

/// <summary>
/// Reads YAML data files field by field so that every error names the file, the line and the field's path
/// (runbooks.yaml: line 12: steps[3].run: required).
/// </summary>
internal sealed class YamlDocument
{
    private YamlDocument(string source, YamlMappingNode root)
    {
        Source = source;
        Root = root;
    }

    public string Source { get; }

    public YamlMappingNode Root { get; }

    public static YamlDocument Parse(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new PitcrewException($"{source}: line {e.Start.Line}: {(e.InnerException ?? e).Message}", ExitCodes.Usage, e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new PitcrewException($"{source}: line 1: expected a mapping at the top", ExitCodes.Usage);
        }

        return new YamlDocument(source, root);
    }

    public PitcrewException Error(YamlNode node, string path, string message) =>
        new($"{Source}: line {node.Start.Line}: {path}: {message}", ExitCodes.Usage);

    /// <summary>A scalar field; null when absent and not required.</summary>
    public string? Scalar(YamlMappingNode map, string key, string path, bool required)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return required ? throw Error(map, Join(path, key), "required") : null;
        }

        return node is YamlScalarNode { Value: { } value } ? value : throw Error(node, Join(path, key), "expected a single value");
    }

    public YamlMappingNode? Mapping(YamlMappingNode map, string key, string path, bool required)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return required ? throw Error(map, Join(path, key), "required") : null;
        }

        return node as YamlMappingNode ?? throw Error(node, Join(path, key), "expected a mapping");
    }

    /// <summary>The items of a sequence field (empty when absent and not required).</summary>
    public IReadOnlyList<YamlNode> Sequence(YamlMappingNode map, string key, string path, bool required)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return required ? throw Error(map, Join(path, key), "required") : [];
        }

        return node is YamlSequenceNode sequence ? sequence.Children.ToList() : throw Error(node, Join(path, key), "expected a list");
    }

    /// <summary>Fails on a key the format does not know, which is usually a typo.</summary>
    public void OnlyKeys(YamlMappingNode map, string path, params string[] known)
    {
        foreach (var (key, _) in map.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                throw Error(key, Join(path, name), $"unknown field (known: {string.Join(", ", known)})");
            }
        }
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    /// <summary>An embedded resource of the core assembly as text.</summary>
    public static string Embedded(string name)
    {
        using var stream = typeof(YamlDocument).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
