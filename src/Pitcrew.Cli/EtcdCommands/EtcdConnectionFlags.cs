using Pitcrew.Etcd;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>etcdctl's connection flags and ETCDCTL_* variables; a flag wins over its variable.</summary>
internal static class EtcdConnectionFlags
{
    public static readonly Option<string?> Endpoints = Text("--endpoints", "gRPC endpoints, comma-separated (default 127.0.0.1:2379) [ETCDCTL_ENDPOINTS]");
    public static readonly Option<string?> CaCert = Text("--cacert", "Verify the server with this CA bundle [ETCDCTL_CACERT]");
    public static readonly Option<string?> Cert = Text("--cert", "Client certificate for TLS [ETCDCTL_CERT]");
    public static readonly Option<string?> Key = Text("--key", "Client key for TLS [ETCDCTL_KEY]");
    public static readonly Option<string?> User = Text("--user", "username[:password] for authentication [ETCDCTL_USER]");
    public static readonly Option<string?> Password = Text("--password", "Password for --user [ETCDCTL_PASSWORD]");
    public static readonly Option<string?> DialTimeout = Text("--dial-timeout", "Timeout to connect and get a first answer, e.g. 2s (default 2s) [ETCDCTL_DIAL_TIMEOUT]");
    public static readonly Option<string?> CommandTimeout = Text("--command-timeout", "Timeout per request, e.g. 5s (default 5s; none for snapshot save) [ETCDCTL_COMMAND_TIMEOUT]");
    public static readonly Option<bool?> InsecureSkipTlsVerify = CliFlag.Of<bool?>("--insecure-skip-tls-verify",
        "Accept any server certificate (testing only) [ETCDCTL_INSECURE_SKIP_TLS_VERIFY]").Inherited().Takes(ArgumentArity.ZeroOrOne);

    public static readonly Option<bool> InsecureTransport = CliFlag.Of<bool>("--insecure-transport",
        "Accepted for etcdctl compatibility: bare endpoints use http unless TLS flags are given").Inherited().Takes(ArgumentArity.ZeroOrOne);

    /// <summary>Adds the flags to a command that talks to etcd (and, recursively, to its subcommands).</summary>
    public static void AddTo(Command command) => command.AddAll(All);

    public static IEnumerable<Option> All =>
        [Endpoints, CaCert, Cert, Key, User, Password, DialTimeout, CommandTimeout, InsecureSkipTlsVerify, InsecureTransport];

    /// <summary>Binds the flags, falling back to ETCDCTL_* variables, into one options record.</summary>
    public static EtcdConnectionOptions Bind(ParseResult parse, Func<string, string?> environment)
    {
        string? Value(Option<string?> option, string variable) => parse.GetValue(option) ?? environment(variable);

        var endpoints = (Value(Endpoints, "ETCDCTL_ENDPOINTS") ?? EtcdConnectionOptions.DefaultEndpoint)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (endpoints.Length == 0)
        {
            throw new PitcrewException("--endpoints is empty", ExitCodes.Usage);
        }

        var skipVerify = parse.GetValue(InsecureSkipTlsVerify)
            ?? environment("ETCDCTL_INSECURE_SKIP_TLS_VERIFY") is { } v && bool.TryParse(v, out var b) && b;
        return new EtcdConnectionOptions(
            endpoints,
            Value(CaCert, "ETCDCTL_CACERT"),
            Value(Cert, "ETCDCTL_CERT"),
            Value(Key, "ETCDCTL_KEY"),
            Value(User, "ETCDCTL_USER"),
            Value(Password, "ETCDCTL_PASSWORD"),
            Duration(Value(DialTimeout, "ETCDCTL_DIAL_TIMEOUT"), "--dial-timeout"),
            Duration(Value(CommandTimeout, "ETCDCTL_COMMAND_TIMEOUT"), "--command-timeout"),
            skipVerify);
    }

    private static TimeSpan? Duration(string? text, string flag)
    {
        if (text is null)
        {
            return null;
        }

        return GoDuration.TryParse(text, out var duration) && duration > TimeSpan.Zero
            ? duration
            : throw new PitcrewException($"{flag} \"{text}\": want a duration such as 5s, 500ms or 1m", ExitCodes.Usage);
    }

    private static Option<string?> Text(string name, string description) => CliFlag.Of<string?>(name, description).Inherited();
}
