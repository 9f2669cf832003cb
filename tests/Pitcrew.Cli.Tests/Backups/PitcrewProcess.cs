using System.Diagnostics;
using System.Text;

namespace Pitcrew.Cli.Tests.Backups;

/// <summary>The built pitcrew executable as a child process, so a test can kill it mid-run (SIGKILL) or stop it (SIGTERM).</summary>
internal sealed class PitcrewProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();
    private readonly SemaphoreSlim _changed = new(0);

    private PitcrewProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static PitcrewProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pitcrew"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var child = new PitcrewProcess(Process.Start(start) ?? throw new InvalidOperationException("cannot start pitcrew"));
        child._process.ErrorDataReceived += (_, e) => child.Append(child._stderr, e.Data);
        child._process.OutputDataReceived += (_, e) => child.Append(child._stdout, e.Data);
        child._process.BeginErrorReadLine();
        child._process.BeginOutputReadLine();
        return child;
    }

    /// <summary>Waits for a stderr line containing <paramref name="text"/>; fails with what was printed.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(timeout);
        while (true)
        {
            var line = Stderr.Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"pitcrew exited {_process.ExitCode} before printing \"{text}\": {Stderr}");
            }

            try
            {
                await _changed.WaitAsync(TimeSpan.FromMilliseconds(200), limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no \"{text}\" from pitcrew within {timeout.TotalSeconds:0} s: {Stderr}");
            }
        }
    }

    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    /// <summary>Sends SIGTERM and returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout, TestContext.Current.CancellationToken);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
        _changed.Dispose();
    }

    private void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }

        _changed.Release();
    }
}
