using System.Text.RegularExpressions;
using Pitcrew.Sim.Cluster;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>
/// Package management on a simulated node: the pkgs.k8s.io repository file (written with tee or a redirection), apt-get
/// update and install, apt-mark hold and unhold, dnf/yum install; versions must come from the repository's minor.
/// </summary>
internal static partial class PackageCommands
{
    public const string AptListFile = "/etc/apt/sources.list.d/kubernetes.list";
    public const string RpmRepoFile = "/etc/yum.repos.d/kubernetes.repo";
    private const string Legacy = "legacy";
    private const int AptFailed = 100;

    /// <summary>Writes a file on the node: the Kubernetes repository files change which minor packages come from; others are accepted and forgotten.</summary>
    public static async Task WriteFileAsync(AgentCall call, string path, IReadOnlyList<string> lines, bool append, CancellationToken cancellationToken)
    {
        if (path is not (AptListFile or RpmRepoFile))
        {
            return;
        }

        var text = string.Join('\n', lines);
        var minor = RepositoryMinor().Match(text) is { Success: true } match ? match.Groups[1].Value
            : text.Contains("apt.kubernetes.io", StringComparison.Ordinal) || text.Contains("packages.cloud.google.com", StringComparison.Ordinal) ? Legacy
            : null;
        if (minor is not null || !append)
        {
            await call.MutateNodeAsync(node => { ControlPlaneLayout.SetRepository(node, minor ?? "none"); return true; }, cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<int> TeeAsync(AgentCall call, CancellationToken cancellationToken)
    {
        var lines = call.Stdin ?? [];
        foreach (var file in call.Operands(1))
        {
            await WriteFileAsync(call, file, lines, call.Has("-a"), cancellationToken).ConfigureAwait(false);
        }

        call.Stdout.AddRange(lines);
        return 0;
    }

    /// <summary>curl of a pkgs.k8s.io key prints the key; the retired Google-hosted repositories are gone.</summary>
    public static int Curl(AgentCall call)
    {
        var url = call.Operands(1).FirstOrDefault(w => w.StartsWith("http", StringComparison.Ordinal));
        if (url is null)
        {
            return call.Fail(2, "curl: no URL specified!");
        }

        if (!url.StartsWith("https://pkgs.k8s.io/", StringComparison.Ordinal))
        {
            return call.Fail(22, $"curl: (22) The requested URL returned error: 404 ({url})");
        }

        call.Out("-----BEGIN PGP PUBLIC KEY BLOCK-----");
        call.Out("-----END PGP PUBLIC KEY BLOCK-----");
        return 0;
    }

    public static async Task<int> AptMarkAsync(AgentCall call, CancellationToken cancellationToken)
    {
        var verb = call.Words.Count > 1 ? call.Words[1] : string.Empty;
        var packages = call.Operands(1).Skip(1).ToList();
        if (verb is not ("hold" or "unhold" or "showhold"))
        {
            return call.Fail(AptFailed, $"E: Invalid operation {verb}");
        }

        var node = await call.GetNodeAsync(cancellationToken).ConfigureAwait(false);
        var held = new SortedSet<string>(ControlPlaneLayout.Held(node!), StringComparer.Ordinal);
        if (verb == "showhold")
        {
            call.Stdout.AddRange(held);
            return 0;
        }

        foreach (var package in packages)
        {
            if (!ControlPlaneLayout.Packages.Contains(package))
            {
                return call.Fail(AptFailed, $"E: Unable to locate package {package}");
            }

            var changed = verb == "hold" ? held.Add(package) : held.Remove(package);
            call.Out(changed ? $"{package} {(verb == "hold" ? "set on hold" : "unheld")}." : $"{package} was already {(verb == "hold" ? "set on hold" : "not on hold")}.");
        }

        await call.MutateNodeAsync(n => { ControlPlaneLayout.SetHeld(n, held); return true; }, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    public static async Task<int> AptGetAsync(AgentCall call, CancellationToken cancellationToken)
    {
        var node = (await call.GetNodeAsync(cancellationToken).ConfigureAwait(false))!;
        var repository = ControlPlaneLayout.Repository(node);
        switch (First(call.Operands(1)))
        {
            case "update":
                if (repository == Legacy)
                {
                    return call.Fail(AptFailed, "E: The repository 'https://apt.kubernetes.io kubernetes-xenial Release' does not have a Release file.");
                }

                call.Out($"Hit:1 https://pkgs.k8s.io/core:/stable:/{repository}/deb  InRelease");
                call.Out("Reading package lists... Done");
                await call.MutateNodeAsync(n => { ControlPlaneLayout.SetIndex(n, repository); return true; }, cancellationToken).ConfigureAwait(false);
                return 0;
            case "install":
                return await InstallAsync(call, node, ControlPlaneLayout.Index(node), [.. call.Operands(1).Skip(1)], rpm: false, cancellationToken).ConfigureAwait(false);
            case var other:
                return call.Fail(AptFailed, $"E: Invalid operation {other}");
        }
    }

    public static async Task<int> DnfAsync(AgentCall call, CancellationToken cancellationToken)
    {
        var node = (await call.GetNodeAsync(cancellationToken).ConfigureAwait(false))!;
        var operands = call.Operands(1);
        if (First(operands) is not ("install" or "upgrade"))
        {
            return call.Fail(1, $"No such command: {First(operands)}.");
        }

        if (!call.Has("--disableexcludes=kubernetes"))
        {
            // The pkgs.k8s.io .repo file excludes the packages so that a routine dnf upgrade leaves them alone.
            return call.Fail(1, $"Error: Unable to find a match: {string.Join(' ', operands.Skip(1))}");
        }

        return await InstallAsync(call, node, ControlPlaneLayout.Repository(node), operands.Skip(1).ToList(), rpm: true, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> InstallAsync(AgentCall call, System.Text.Json.Nodes.JsonObject node, string minor, IReadOnlyList<string> requests, bool rpm, CancellationToken cancellationToken)
    {
        if (!rpm && !call.Has("-y") && !call.Has("--yes") && !call.Has("-qy"))
        {
            call.Out("Do you want to continue? [Y/n] Abort.");
            return 1;
        }

        var chosen = new List<(string Package, SimVersion Version, string Text)>();
        foreach (var request in requests)
        {
            var (package, wanted) = rpm ? SplitRpm(request) : SplitDeb(request);
            if (package is null || !ControlPlaneLayout.Packages.Contains(package))
            {
                return call.Fail(rpm ? 1 : AptFailed, rpm ? $"Error: Unable to find a match: {request}" : $"E: Unable to locate package {request}");
            }

            var version = wanted is null ? Latest(minor) : ControlPlaneLayout.FromPackageVersion(wanted.Replace("*", "1.1", StringComparison.Ordinal));
            if (version is null || ControlPlaneLayout.Minor(version) != minor)
            {
                return call.Fail(rpm ? 1 : AptFailed, rpm ? $"Error: Unable to find a match: {request}" : $"E: Version '{wanted}' for '{package}' was not found");
            }

            chosen.Add((package, version, rpm ? $"{version.Major}.{version.Minor}.{version.Patch}-150500.1.1" : $"{version.Major}.{version.Minor}.{version.Patch}-1.1"));
        }

        var held = ControlPlaneLayout.Held(node);
        if (!rpm && !call.Has("--allow-change-held-packages") && chosen.Any(c => held.Contains(c.Package) && ControlPlaneLayout.Installed(node, c.Package) != c.Version))
        {
            call.Out("The following held packages will be changed:");
            call.Out("  " + string.Join(' ', chosen.Where(c => held.Contains(c.Package)).Select(c => c.Package)));
            return call.Fail(AptFailed, "E: Held packages were changed and -y was used without --allow-change-held-packages.");
        }

        await call.MutateNodeAsync(n =>
        {
            foreach (var (package, version, _) in chosen)
            {
                ControlPlaneLayout.SetInstalled(n, package, version);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var (package, _, text) in chosen)
        {
            call.Out($"Setting up {package} ({text}) ...");
        }

        return 0;
    }

    /// <summary>The newest patch of a minor the repository offers: its latest release in Pitcrew's release table.</summary>
    private static SimVersion? Latest(string minor) =>
        Pitcrew.Upgrade.KubeVersion.ParseMinor(minor) is { } m && Pitcrew.Upgrade.Releases.ReleaseTable.Default.Find(m.Major, m.Minor) is { } release
            ? new SimVersion(release.Latest.Major, release.Latest.Minor, release.Latest.Patch)
            : null;

    private static string? First(IReadOnlyList<string> words) => words.Count > 0 ? words[0] : null;

    private static (string? Package, string? Version) SplitDeb(string request) =>
        request.Split('=', 2) is [var name, var version] ? (name, version) : (request, null);

    private static (string? Package, string? Version) SplitRpm(string request)
    {
        var package = ControlPlaneLayout.Packages.FirstOrDefault(p => request == p || request.StartsWith(p + "-", StringComparison.Ordinal));
        if (package is null || request == package)
        {
            return (package, null);
        }

        var version = request[(package.Length + 1)..];
        return (package, version.Split('-').Length == 1 ? version.TrimEnd('*') + "-150500.1.1" : version);
    }

    [GeneratedRegex(@"https://pkgs\.k8s\.io/core:/stable:/(v\d+\.\d+)/(?:deb|rpm)/")]
    private static partial Regex RepositoryMinor();
}
