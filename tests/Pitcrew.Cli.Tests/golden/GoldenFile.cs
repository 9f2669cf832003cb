using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Golden;

/// <summary>
/// Compares rendered text with a file in tests/Pitcrew.Cli.Tests/golden/ exactly (line endings aside). With
/// PITCREW_UPDATE_GOLDEN=1 the file in the source tree is written instead; see docs/golden.md.
/// </summary>
internal static class GoldenFile
{
    public const string UpdateVariable = "PITCREW_UPDATE_GOLDEN";
    private const string UpdateCommand = "PITCREW_UPDATE_GOLDEN=1 dotnet test tests/Pitcrew.Cli.Tests --filter \"FullyQualifiedName~Golden\"";

    public static string Folder => Path.Combine(RepositoryRoot.Find(), "tests", "Pitcrew.Cli.Tests", "golden");

    public static void Check(string name, string actual)
    {
        var path = Path.Combine(Folder, name);
        var text = Normalise(actual);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, text);
            return;
        }

        Assert.True(File.Exists(path), $"golden file {path} does not exist: write it with {UpdateCommand}, then review it with git diff");
        var expected = Normalise(File.ReadAllText(path));
        if (expected == text)
        {
            return;
        }

        Assert.Fail(Difference(name, expected, text));
    }

    /// <summary>The first line that differs, both versions, and how to accept the new one.</summary>
    public static string Difference(string name, string expected, string actual)
    {
        var want = expected.Split('\n');
        var got = actual.Split('\n');
        var line = 0;
        while (line < want.Length && line < got.Length && want[line] == got[line])
        {
            line++;
        }

        string At(string[] lines) => line < lines.Length ? $"\"{lines[line]}\"" : "(end of text)";
        return $"""
            {name} differs from its golden file at line {line + 1}:
              golden:   {At(want)}
              rendered: {At(got)}
            Rendered text in full:
            {actual}
            If the change is intended: {UpdateCommand}, then review the golden files with git diff.
            """;
    }

    private static string Normalise(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
