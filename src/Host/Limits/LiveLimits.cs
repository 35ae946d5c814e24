using CallControl.Host.Routing;
using CallControl.Limits;
using CallControl.Routing;

namespace CallControl.Host.Limits;

/// <summary>
/// The one <see cref="LiveUsageRegistry"/> of this controller, with its limits kept current: limits are part
/// of the provisioning state the routing table follows, so whenever a new routing snapshot is swapped in,
/// the next reader swaps in the matching <see cref="LimitsTable"/> (a reference compare on the hot path;
/// the table is rebuilt only after a provisioning change).
/// </summary>
public sealed class LiveLimits
{
    private readonly Func<RoutingSnapshot> _current;

    public LiveLimits(LiveRoutingTable routing) : this(() => routing.Current) { }

    /// <summary>Follows whatever <paramref name="current"/> returns (tests hand in snapshots directly).</summary>
    public LiveLimits(Func<RoutingSnapshot> current) => _current = current;

    private readonly Lock _swap = new();
    private volatile RoutingSnapshot? _seen;

    public LiveUsageRegistry Registry { get; } = new(LimitsTable.Empty);

    /// <summary>The registry, with the limits of the current provisioning.</summary>
    public LiveUsageRegistry Current()
    {
        if (!ReferenceEquals(_current(), _seen))
        {
            lock (_swap)
            {
                // Read the snapshot again under the lock, so an older snapshot can never replace a newer one.
                var snapshot = _current();
                if (!ReferenceEquals(snapshot, _seen))
                {
                    Registry.Limits = snapshot.State.ToLimitsTable();
                    _seen = snapshot;
                }
            }
        }
        return Registry;
    }

    /// <summary>What is provisioned now (for the live view's rows and limits).</summary>
    public CallControl.Provisioning.ProvisioningState Provisioned => _current().State;
}
