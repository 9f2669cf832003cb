namespace Pitcrew.Cli.Tests;

/// <summary>Runs the command line in-process with captured stdout and stderr, as a script would see them.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public static Task<CliRun> InvokeAsync(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        InvokeAsync(environment, TimeSpan.FromSeconds(120), args);

    public static Task<CliRun> InvokeAsync(IReadOnlyDictionary<string, string>? environment, TimeSpan bound, params string[] args) =>
        InvokeAsync(environment, bound, TimeProvider.System, args);

    /// <summary>The command line with its own clock, e.g. one on a fixed date.</summary>
    public static async Task<CliRun> InvokeAsync(IReadOnlyDictionary<string, string>? environment, TimeSpan bound, TimeProvider time, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext(
            CliContext.Create(stdout, redirected: true, noColor: true),
            CliContext.Create(stderr, redirected: true, noColor: true),
            stdout,
            name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
            time,
            ErrIsTerminal: false);
        var code = await CliApp.RunAsync(args, context).WaitAsync(bound, TestContext.Current.CancellationToken);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    public static Task<CliRun> InvokeAsync(params string[] args) => InvokeAsync(null, args);
}
