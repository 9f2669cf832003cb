using System.Text.RegularExpressions;

namespace Pitcrew.Testing;

/// <summary>
/// A real S3-compatible server: tools/s3rver on 127.0.0.1 port 0 with a temp directory and one bucket. The port is
/// read from its "S3rver listening on 127.0.0.1:PORT" line; the process is killed by PID and the dir deleted on dispose.
/// </summary>
public sealed partial class S3Fixture : IAsyncDisposable
{
    public const string Bucket = "pitcrew-tests";
    public const string AccessKey = "S3RVER";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly ServerProcess _process;

    private S3Fixture(ServerProcess process, string directory, string endpoint)
    {
        _process = process;
        Directory = directory;
        Endpoint = endpoint;
    }

    /// <summary>http://127.0.0.1:PORT, for --s3-endpoint.</summary>
    public string Endpoint { get; }

    public string Directory { get; }

    public int Pid => _process.Pid;

    /// <summary>The AWS variables s3rver accepts (its fixed development credentials).</summary>
    public static IReadOnlyDictionary<string, string> Credentials { get; } = new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = AccessKey,
    };

    /// <summary>A store URL under a fresh prefix, so tests sharing one server never see each other's objects.</summary>
    public static string NewStore() => $"s3://{Bucket}/t{Guid.NewGuid():N}";

    public static string Binary()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tools", "s3rver", "node_modules", ".bin", "s3rver");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("s3rver not found under tools/s3rver/node_modules: run scripts/setup.sh");
    }

    public static async Task<S3Fixture> StartAsync(CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(Path.GetTempPath(), "pitcrew-tests", "s3-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ServerProcess.Start(Binary(), ["-d", directory, "-a", "127.0.0.1", "-p", "0", "--silent", "--configure-bucket", Bucket], directory, line =>
        {
            if (Listening().Match(line) is { Success: true } match)
            {
                ready.TrySetResult(match.Groups[1].Value);
            }
        });
        var fixture = new S3Fixture(process, directory, string.Empty);
        try
        {
            var port = await ready.Task.WaitAsync(ReadyTimeout, cancellationToken).ConfigureAwait(false);
            return new S3Fixture(process, directory, $"http://127.0.0.1:{port}");
        }
        catch (TimeoutException)
        {
            await fixture.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"s3rver did not report its port within {ReadyTimeout.TotalSeconds:0} s: {process.Output}");
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex(@"S3rver listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
