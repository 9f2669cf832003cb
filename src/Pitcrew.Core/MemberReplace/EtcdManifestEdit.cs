using System.Text.RegularExpressions;

namespace Pitcrew.MemberReplace;

/// <summary>
/// The flags of kubeadm's etcd static-pod manifest (etcd.yaml: one "- --flag=value" line per flag in the container's
/// command), read and rewritten as text so that everything else in the file stays as it was (pure).
/// </summary>
public static partial class EtcdManifestEdit
{
    /// <summary>The value of a command flag (--name=value), or null when the manifest does not set it.</summary>
    public static string? Flag(string manifest, string flag) =>
        FlagLine().Matches(manifest).Where(m => m.Groups["flag"].Value == flag).Select(m => Unquote(m.Groups["value"].Value)).LastOrDefault();

    /// <summary>
    /// The manifest for a member re-added to a running cluster: --initial-cluster set to what member add returned and
    /// --initial-cluster-state=existing (replaced, or added after --initial-cluster, as kubeadm's join writes it).
    /// </summary>
    public static string ForJoin(string manifest, string initialCluster)
    {
        var lines = manifest.Split('\n').ToList();
        var cluster = lines.FindIndex(l => IsFlag(l, "--initial-cluster"));
        if (cluster < 0)
        {
            throw new PitcrewException("the etcd manifest has no \"- --initial-cluster=...\" line in its command; is it kubeadm's etcd.yaml?", ExitCodes.Failed);
        }

        var indent = lines[cluster][..(lines[cluster].Length - lines[cluster].TrimStart().Length)];
        lines[cluster] = $"{indent}- --initial-cluster={initialCluster}";
        var state = lines.FindIndex(l => IsFlag(l, "--initial-cluster-state"));
        if (state >= 0)
        {
            lines[state] = $"{lines[state][..(lines[state].Length - lines[state].TrimStart().Length)]}- --initial-cluster-state=existing";
        }
        else
        {
            lines.Insert(cluster + 1, $"{indent}- --initial-cluster-state=existing");
        }

        return string.Join('\n', lines);
    }

    private static bool IsFlag(string line, string flag) =>
        FlagLine().Match(line) is { Success: true } m && m.Groups["flag"].Value == flag;

    private static string Unquote(string value) => value.Trim().Trim('"', '\'');

    [GeneratedRegex(@"^\s*-\s+[""']?(?<flag>--[a-z0-9-]+)=(?<value>[^\r\n]*?)[""']?\s*$", RegexOptions.Multiline)]
    private static partial Regex FlagLine();
}
