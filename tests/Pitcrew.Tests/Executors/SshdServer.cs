using Pitcrew.Testing;

namespace Pitcrew.Tests.Executors;

/// <summary>One real sshd shared by the SSH executor tests of a class.</summary>
public sealed class SshdServer : IAsyncLifetime
{
    private SshdFixture? _sshd;

    public SshdFixture Sshd => _sshd ?? throw new InvalidOperationException("sshd not started");

    public async ValueTask InitializeAsync() => _sshd = await SshdFixture.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_sshd is not null)
        {
            await _sshd.DisposeAsync();
        }
    }
}
