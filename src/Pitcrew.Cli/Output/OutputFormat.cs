namespace Pitcrew.Cli.Output;

/// <summary>How a result record is rendered on stdout.</summary>
internal enum OutputFormat
{
    Table,
    Json,
    Yaml,

    /// <summary>etcd endpoint commands only: etcdctl's default, one comma-separated line per endpoint.</summary>
    Simple,

    /// <summary>pitcrew doctor only: a Markdown report.</summary>
    Markdown,

    /// <summary>pitcrew doctor only: a single-file HTML report.</summary>
    Html,

    /// <summary>pitcrew doctor only: SARIF 2.1.0.</summary>
    Sarif,
}
