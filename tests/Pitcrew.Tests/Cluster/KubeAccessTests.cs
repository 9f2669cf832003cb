using Pitcrew.Cluster;
using Pitcrew.Errors;

namespace Pitcrew.Tests.Cluster;

public sealed class KubeAccessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-kubeaccess-").FullName;

    [Theory]
    [InlineData("a flow mapping never closed", "clusters: {name: a\n", "line ")]
    [InlineData("tab-indented YAML", "apiVersion: v1\nclusters:\n\t- name: a\n", "found invalid tab as indentation")]
    [InlineData("plain text", "this is not a kubeconfig\n", "line 1, column 25: the content does not have a kubeconfig's shape")]
    [InlineData("an empty file", "", "the file is empty")]
    public void Configuration_OfAFileThatIsNotAKubeconfig_NamesTheFileAndWhatIsWrong(string because, string content, string where)
    {
        var path = Path.Combine(_dir, "config-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(path, content);

        var viaFlag = Assert.Throws<PitcrewException>(() => KubeAccess.Configuration(new KubeAccessOptions(path, null), _ => null));
        var viaEnvironment = Assert.Throws<PitcrewException>(() => KubeAccess.Configuration(new KubeAccessOptions(null, null), name => name == "KUBECONFIG" ? path : null));

        foreach (var error in new[] { viaFlag, viaEnvironment })
        {
            Assert.True(error.Message.StartsWith($"{path}: not a kubeconfig: ", StringComparison.Ordinal), $"{because}: {error.Message}");
            Assert.True(error.Message.Contains(where, StringComparison.Ordinal), $"{because}: {error.Message}");
            Assert.DoesNotContain("(Line:", error.Message, StringComparison.Ordinal);
            Assert.Equal(ExitCodes.Usage, error.ExitCode);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
