using Microsoft.AspNetCore.Http;

namespace Pitcrew.Sim.Api;

/// <summary>The dryRun parameter of writes: "All" means validate and compute everything, store nothing.</summary>
internal static class DryRunQuery
{
    public static bool IsDryRun(HttpRequest request) => IsAll(request.Query["dryRun"]);

    /// <summary>True for "All"; any other non-empty value is rejected as kube-apiserver does.</summary>
    public static bool IsAll(IEnumerable<string?>? values)
    {
        var given = values?.Where(v => !string.IsNullOrEmpty(v)).ToList() ?? [];
        if (given.Count == 0)
        {
            return false;
        }

        return given.All(v => v == "All")
            ? true
            : throw ApiStatus.BadRequest($"Invalid dry run value: {string.Join(", ", given.Where(v => v != "All"))}; supported values: All");
    }
}
