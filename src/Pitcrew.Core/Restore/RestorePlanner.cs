namespace Pitcrew.Restore;

/// <summary>Validates restore flags and derives etcd's member and cluster IDs; pure, no I/O.</summary>
public static class RestorePlanner
{
    /// <summary>The bump etcd's docs suggest for Kubernetes: far past any revision a client may have seen.</summary>
    public const long KubernetesBump = 1_000_000_000;

    /// <summary>The bump to apply: the requested one, else the Kubernetes-safe default for a Kubernetes store.</summary>
    public static long EffectiveBump(long? requested, bool hasRegistryKeys) =>
        Math.Max(0, requested ?? (hasRegistryKeys ? KubernetesBump : 0));

    /// <summary>Parses --initial-cluster (name=url pairs, a name may repeat for several URLs) and derives every ID.</summary>
    public static ClusterPlan PlanCluster(string initialCluster, string token)
    {
        var problems = new List<RestoreProblem>();
        if (string.IsNullOrEmpty(token))
        {
            problems.Add(new("initial-cluster-token", "--initial-cluster-token is empty",
                "pass the same non-empty token on every member (etcd's default is etcd-cluster)"));
        }

        var urlsByName = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in initialCluster.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = eq >= 0 ? pair[..eq] : pair;
            var url = eq >= 0 ? pair[(eq + 1)..] : string.Empty;
            if (!urlsByName.TryGetValue(name, out var list))
            {
                urlsByName[name] = list = [];
            }

            list.Add(url);
        }

        if (urlsByName.Count == 0)
        {
            problems.Add(new("initial-cluster", "--initial-cluster is empty", "list every member as name=http://host:2380, comma-separated"));
        }

        var members = new List<PlannedMember>();
        foreach (var (name, raw) in urlsByName)
        {
            var (urls, problem) = PeerUrls.ParseList(string.Join(',', raw));
            if (problem is not null)
            {
                problems.Add(new("initial-cluster", $"member {name}: {problem}", "write each member as name=scheme://host:port"));
                continue;
            }

            members.Add(new PlannedMember(name, urls, MemberIds.Member(urls, token)));
        }

        var duplicateUrl = members.SelectMany(m => m.PeerUrls).GroupBy(u => u, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicateUrl is not null)
        {
            problems.Add(new("duplicate-url", $"--initial-cluster has duplicate url {duplicateUrl.Key}",
                "give every member its own peer URL"));
        }

        foreach (var clash in members.GroupBy(m => m.Id).Where(g => g.Count() > 1))
        {
            problems.Add(new("duplicate-id", $"members {string.Join(", ", clash.Select(m => m.Name))} derive the same ID {MemberIds.Hex(clash.Key)}",
                "give every member distinct peer URLs"));
        }

        if (members.Any(m => m.Id == 0))
        {
            problems.Add(new("member-id", "a member derives ID 0, which etcd rejects", "change that member's peer URL or the token"));
        }

        members.Sort((a, b) => a.Id.CompareTo(b.Id));
        var clusterId = members.Count > 0 ? MemberIds.Cluster(members.Select(m => m.Id)) : 0;
        return new ClusterPlan(token, members, clusterId, problems);
    }

    /// <summary>Plans one member's restore; hasRegistryKeys says whether the snapshot holds Kubernetes objects.</summary>
    public static MemberPlan PlanMember(RestoreOptions options, bool hasRegistryKeys)
    {
        var cluster = PlanCluster(options.InitialCluster, options.InitialClusterToken);
        var problems = new List<RestoreProblem>(cluster.Problems);
        var self = cluster.Member(options.Name);
        if (self is null && cluster.Ok)
        {
            problems.Add(new("name", $"couldn't find local name \"{options.Name}\" in the initial cluster configuration",
                $"add {options.Name}=<peer URL> to --initial-cluster, or pass --name with one of: {string.Join(", ", cluster.Members.Select(m => m.Name))}"));
        }

        var (advertised, urlProblem) = PeerUrls.ParseList(options.InitialAdvertisePeerUrls);
        if (urlProblem is not null)
        {
            problems.Add(new("initial-advertise-peer-urls", $"--initial-advertise-peer-urls: {urlProblem}", "write it as scheme://host:port"));
        }
        else if (self is not null && !advertised.SequenceEqual(self.PeerUrls, StringComparer.Ordinal))
        {
            problems.Add(new("peer-urls",
                $"--initial-cluster has {self.Name}={string.Join(",", self.PeerUrls)} but --initial-advertise-peer-urls is {string.Join(",", advertised)}",
                "make --initial-advertise-peer-urls equal this member's entry in --initial-cluster (compared as text; no DNS lookups)"));
        }

        if (options.BumpRevision is < 0)
        {
            problems.Add(new("bump-revision", $"--bump-revision {options.BumpRevision} is negative", "pass 0 to turn the bump off, or a positive count"));
        }

        var bump = EffectiveBump(options.BumpRevision, hasRegistryKeys);
        if (options.MarkCompacted && bump == 0)
        {
            problems.Add(new("mark-compacted", "--mark-compacted needs a revision bump", "pass --bump-revision N with N > 0"));
        }

        return new MemberPlan(cluster, self, Math.Max(0, bump), bump > 0, problems);
    }
}
