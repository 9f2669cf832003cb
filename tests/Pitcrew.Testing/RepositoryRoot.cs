namespace Pitcrew.Testing;

/// <summary>The checkout the tests were built from: the nearest folder above the test binaries that holds Pitcrew.slnx.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pitcrew.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Pitcrew.slnx above {AppContext.BaseDirectory}");
    }
}
