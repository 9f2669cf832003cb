namespace Pitcrew.Doctor;

/// <summary>
/// What one run of the doctor found, in the versioned shape `-o json` writes (docs/doctor.md): findings worst first,
/// and notes about what could not be checked.
/// </summary>
internal sealed record DoctorReport(
    int SchemaVersion,
    string Scope,
    DateTimeOffset GeneratedAt,
    string? Server,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<string> Notes)
{
    /// <summary>Bumped only when a field changes meaning or goes away; new fields keep the version.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>kubeadm's certificate table from a pki directory; empty when none was read (or outside the certs scope).</summary>
    public IReadOnlyList<CertificateRow> Certificates { get; init; } = [];

    /// <summary>The live serving certificates the certs scope read in TLS handshakes, soonest to expire first; empty otherwise.</summary>
    public IReadOnlyList<ServingCertificateRow> ServingCertificates { get; init; } = [];

    /// <summary>The comparison with --baseline, when one was given.</summary>
    public BaselineDiff? Baseline { get; init; }

    /// <summary>The worst severity among the findings, or null when there are none.</summary>
    public Severity? Worst => Findings.Count == 0 ? null : Findings.Max(f => f.Severity);

    /// <summary>Findings ordered worst first, then by check and object, so output is stable.</summary>
    public static IReadOnlyList<Finding> Order(IEnumerable<Finding> findings) =>
    [
        .. findings.OrderByDescending(f => f.Severity).ThenBy(f => f.Id, StringComparer.Ordinal)
            .ThenBy(f => f.Object.ToString(), StringComparer.Ordinal),
    ];
}
