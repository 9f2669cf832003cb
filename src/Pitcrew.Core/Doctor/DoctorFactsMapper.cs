using k8s.Models;

namespace Pitcrew.Doctor;

/// <summary>Reads the facts the checks need out of the official client's models, keeping nothing else (memory at 150,000 pods).</summary>
internal static class DoctorFactsMapper
{
    public static EventFacts Event(Corev1Event e) => new(
        e.InvolvedObject?.NamespaceProperty ?? e.Metadata.NamespaceProperty,
        e.InvolvedObject?.Kind ?? "Unknown",
        e.InvolvedObject?.Name ?? e.Metadata.Name,
        e.Reason ?? string.Empty,
        e.Message ?? string.Empty,
        e.Count ?? e.Series?.Count ?? 1,
        Time(e.LastTimestamp) ?? Time(e.EventTime) ?? Time(e.Metadata.CreationTimestamp));

    public static ResourceQuantity? Q(IDictionary<string, ResourceQuantity>? quantities, string name) =>
        quantities is not null && quantities.TryGetValue(name, out var quantity) ? quantity : null;

    public static DateTimeOffset? Time(DateTime? time) => time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

    public static long MilliCpu(ResourceQuantity? quantity) => quantity is null ? 0 : (long)Math.Ceiling(quantity.ToDecimal() * 1000);

    public static long Bytes(ResourceQuantity? quantity) => quantity is null ? 0 : (long)Math.Ceiling(quantity.ToDecimal());
}
