namespace Pitcrew.Sim.Controllers;

/// <summary>One control loop: looks at the cache and moves the cluster one step toward what it wants.</summary>
internal interface IController
{
    /// <summary>Whether the controller has work that comes due with time alone (delays, grace periods, leases); the others run only after a change.</summary>
    bool TimeDriven => false;

    Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken);
}
