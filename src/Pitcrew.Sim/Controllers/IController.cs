namespace Pitcrew.Sim.Controllers;

/// <summary>One control loop: looks at the cache and moves the cluster one step toward what it wants.</summary>
internal interface IController
{
    Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken);
}
