using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.House;

/// <summary>
/// The house stays easy to see: no source file of the library, the sim or the command line is over 400 lines, and
/// every folder of theirs is on docs/architecture.md.
/// </summary>
public sealed class FileSizeTests
{
    private const int MaxLines = 400;

    [Fact]
    public void NoSourceFileIsOverFourHundredLines()
    {
        var src = Path.Combine(RepositoryRoot.Find(), "src");
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        var large = files
            .Select(path => (Path: Path.GetRelativePath(src, path), Lines: File.ReadLines(path).Count()))
            .Where(file => file.Lines > MaxLines)
            .Select(file => $"{file.Path}: {file.Lines} lines")
            .ToList();

        Assert.True(files.Count > 300, $"only {files.Count} source files found under {src}");
        Assert.True(large.Count == 0, $"files over {MaxLines} lines:\n" + string.Join('\n', large));
    }

    [Fact]
    public void EveryFolderIsOnTheArchitecturePage()
    {
        var root = RepositoryRoot.Find();
        var page = File.ReadAllText(Path.Combine(root, "docs", "architecture.md"));
        var folders = new[] { "Pitcrew.Core", "Pitcrew.Sim", "Pitcrew.Cli" }
            .SelectMany(project => Directory.EnumerateDirectories(Path.Combine(root, "src", project)))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name is not ("bin" or "obj" or "Properties"))
            .ToList();
        var missing = folders.Where(name => !page.Contains($"{name}/", StringComparison.Ordinal) && !page.Contains($"`{name}`", StringComparison.Ordinal)).ToList();

        Assert.True(folders.Count > 20, $"only {folders.Count} folders found under src");
        Assert.True(missing.Count == 0, "folders docs/architecture.md does not mention: " + string.Join(", ", missing));
    }
}
