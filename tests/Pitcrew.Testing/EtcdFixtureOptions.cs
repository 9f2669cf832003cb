namespace Pitcrew.Testing;

/// <summary>How an <see cref="EtcdFixture"/> is started.</summary>
/// <param name="Tls">Serve clients over https with client-certificate authentication.</param>
/// <param name="Members">1 for a single member, 3 for a cluster.</param>
/// <param name="QuotaBackendBytes">etcd's --quota-backend-bytes, when set.</param>
public sealed record EtcdFixtureOptions(bool Tls = false, int Members = 1, long? QuotaBackendBytes = null);
