using System.Text;
using Pitcrew.Snapshots;

namespace Pitcrew.Tests.Snapshots;

public sealed class RegistryResourcesTests
{
    [Theory]
    [InlineData("pods/default/web-1", "pods")]
    [InlineData("minions/worker-1", "nodes")]
    [InlineData("services/specs/default/kubernetes", "services")]
    [InlineData("services/endpoints/default/kubernetes", "endpoints")]
    [InlineData("controllers/default/rc", "replicationcontrollers")]
    [InlineData("ingress/default/site", "ingresses")]
    [InlineData("cert-manager.io/certificates/default/site", "certificates.cert-manager.io")]
    [InlineData("namespaces/default", "namespaces")]
    public void Resource_MapsStoragePathToResource(string path, string resource) =>
        Assert.Equal(resource, RegistryResources.Resource(path));

    [Fact]
    public void Count_IgnoresKeysOutsideRegistry()
    {
        var counts = RegistryResources.Count(
            [.. new[] { "/registry/pods/a/b", "/registry/pods/a/c", "/other/x", "/registry/" }.Select(Encoding.UTF8.GetBytes)]);
        Assert.Equal(2, counts["pods"]);
        Assert.Single(counts);
    }
}
