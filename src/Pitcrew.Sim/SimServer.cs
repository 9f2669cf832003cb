using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Sim.Cluster;
using Pitcrew.Sim.Controllers;
using Pitcrew.Sim.Pki;
using Pitcrew.Sim.Storage;
using Pitcrew.Tls;

namespace Pitcrew.Sim;

/// <summary>
/// The simulated cluster: etcd (one real member per control-plane node, <see cref="SimEtcd"/>, unless endpoints are
/// given) and a Kubernetes API server on https://127.0.0.1:&lt;free port&gt; with client-certificate auth that talks to
/// every member, plus the kubeconfig to reach it.
/// </summary>
public sealed class SimServer : IAsyncDisposable
{

    private readonly WebApplication _app;
    private readonly RegistryStore _store;
    private readonly SimEtcd _etcd;
    private readonly CancellationTokenSource _stop;
    private readonly Task _loops;
    private readonly string _directory;
    private Kubelets.KubeletListeners? _listeners;

    private SimServer(WebApplication app, RegistryStore store, SimEtcd etcd, CancellationTokenSource stop, Task loops, string url, string kubeconfig, string etcdEndpoint)
    {
        _app = app;
        _directory = Path.GetDirectoryName(kubeconfig)!;
        _store = store;
        _etcd = etcd;
        _stop = stop;
        _loops = loops;
        Url = url;
        KubeconfigPath = kubeconfig;
        EtcdEndpoint = etcdEndpoint;
    }

    public string Url { get; }

    public string KubeconfigPath { get; }

    public string EtcdEndpoint { get; }

    /// <summary>Every etcd client URL the API server uses.</summary>
    public IReadOnlyList<string> EtcdEndpoints => _etcd.ClientUrls;

    /// <summary>The first member's process id (0 while it is stopped), when the sim started its own etcd.</summary>
    public int? EtcdPid => _etcd.Members.Count > 0 ? _etcd.Members[0].Process.Pid : null;

    /// <summary>The etcd members the sim started, for procedures that stop and restart them (restore, faults, drills).</summary>
    public SimEtcd Etcd => _etcd;

    public static async Task<SimServer> StartAsync(SimOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var version = options.Version;
        var dir = Path.GetFullPath(options.Directory);
        Directory.CreateDirectory(dir);
        SimEtcd? etcd = null;
        RegistryStore? store = null;
        CancellationTokenSource? stop = null;
        try
        {
            etcd = options.EtcdEndpoints is null
                ? await SimEtcd.StartAsync(dir, EtcdNodes(options.EffectiveScenario), time, cancellationToken).ConfigureAwait(false)
                : SimEtcd.External(options.EtcdEndpoints);
            var etcdEndpoint = etcd.ClientUrls[0];
            store = new RegistryStore(
                new EtcdConnectionOptions(etcd.ClientUrls, CommandTimeout: TimeSpan.FromSeconds(10)),
                [new KeyTtl(ResourceCatalog.Find(string.Empty, "v1", "events")!.KeyPrefix, options.EffectiveTimings.EffectiveEventTtl)], time)
            {
                Members = etcd.PodUrls(),
            };
            var block = Kubelets.AddressBlock.Choose();
            await ClusterBootstrap.SeedAsync(store, options, block, time, cancellationToken).ConfigureAwait(false);

            var pki = SimPki.LoadOrCreate(Path.Combine(dir, "pki"));
            var kubeadm = new KubeadmPki(dir, pki);
            var now = time.GetUtcNow();
            var controlPlanes = ControlPlanes(options.EffectiveScenario, block, now);
            foreach (var (name, address, notAfter) in controlPlanes)
            {
                kubeadm.EnsureControlPlane(name, address, notAfter, now);
            }

            var serving = controlPlanes.Count > 0
                ? new ServingCertificate(controlPlanes[0].Name, kubeadm.Map(controlPlanes[0].Name, KubeadmPki.PkiDirectory + "/apiserver.crt"),
                    kubeadm.Map(controlPlanes[0].Name, KubeadmPki.PkiDirectory + "/apiserver.key"))
                : new ServingCertificate(string.Empty, pki.ServerCertPath, pki.ServerKeyPath);
            var listeners = new Kubelets.KubeletListeners(new Kubelets.KubeletCertificates(pki.LoadCaWithKey()));
            var served = await ServedVersionSource.LoadAsync(store, version, cancellationToken).ConfigureAwait(false);
            stop = new CancellationTokenSource();
            var lists = new ListCache(store);
            var listing = Task.Run(() => lists.RunAsync(stop.Token), stop.Token);
            var budgets = new BudgetMetrics();
            var app = Build(pki, serving, new ApiHandler(store, served, time, options.EffectiveTimings, etcd, dir, lists, budgets, new NodePki(kubeadm, serving, listeners.CertificateOf)));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var url = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var kubeconfig = Path.Combine(dir, "kubeconfig");
            Kubeconfig.Write(kubeconfig, url, pki);
            foreach (var (name, address, notAfter) in controlPlanes)
            {
                kubeadm.EnsureKubeconfigs(name, address, url, notAfter, now);
            }

            new SimState(url, etcdEndpoint, Environment.ProcessId, etcd.ClientUrls).Write(dir);
            foreach (var fault in options.EffectiveScenario.Faults.Where(f => f.Fault is NodeFaults.EtcdStop or NodeFaults.EtcdCorrupt && etcd.On(f.Node) is not null))
            {
                await (fault.Fault == NodeFaults.EtcdCorrupt ? etcd.CorruptAsync(fault.Node) : etcd.StopAsync(fault.Node)).ConfigureAwait(false);
            }

            var loops = options.RunControllers ? await StartControllersAsync(store, etcd, options.EffectiveTimings, listeners, budgets, time, stop.Token).ConfigureAwait(false) : Task.CompletedTask;
            return new SimServer(app, store, etcd, stop, Task.WhenAll(loops, listing), url, kubeconfig, etcdEndpoint) { _listeners = listeners };
        }
        catch (Exception e) when (e is not PitcrewException and not OperationCanceledException)
        {
            if (stop is not null)
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }

            store?.Dispose();
            if (etcd is not null)
            {
                await etcd.DisposeAsync().ConfigureAwait(false);
            }

            throw new PitcrewException($"cannot start the simulated cluster: {e.Message}", ExitCodes.Failed, e);
        }
    }

    /// <summary>Stops the controllers and the API server, then the etcd it started.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loops.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stop.Dispose();
            if (_listeners is not null)
            {
                await _listeners.DisposeAsync().ConfigureAwait(false);
            }

            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            File.Delete(SimState.PathIn(_directory));
            _store.Dispose();
        }
        finally
        {
            // Whatever failed above, the etcd members this sim started do not outlive it.
            await _etcd.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Loads the cluster cache, then runs the kubelets and the controllers on it.</summary>
    private static async Task<Task> StartControllersAsync(
        RegistryStore store, SimEtcd etcd, SimTimings timings, Kubelets.KubeletListeners listeners, BudgetMetrics budgets, TimeProvider time, CancellationToken stop)
    {
        var cache = new ClusterCache(store);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var informer = Task.Run(() => cache.RunAsync(ready, stop), stop);
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), stop).ConfigureAwait(false);
        var writer = new ObjectWriter(store, new Deleter(store, time));
        var events = new EventRecorder(writer);
        IController[] controllers =
        [
            new DeploymentController(events), new ReplicaSetController(), new DaemonSetController(),
            new StatefulSetController(events), new JobController(events), new GarbageCollector(),
            new Scheduler(events), new SimKubelet(timings, events), new NodeLifecycleController(timings.NodeMonitorGracePeriod, events),
            new TaintEvictionController(events), new DisruptionController(budgets), listeners, new EtcdMemberPods(etcd, events),
        ];
        var host = Task.Run(() => new ControllerHost(cache, writer, controllers, time).RunAsync(stop), stop);
        var compactor = Task.Run(() => new Compactor(store, timings.EffectiveCompactionInterval, time).RunAsync(stop), stop);
        var probe = Task.Run(() => etcd.ProbeAsync(SimTimings.EtcdProbeInterval, time, stop), stop);
        return Task.WhenAll(informer, host, compactor, probe);
    }

    /// <summary>The nodes that run a stacked member: the control planes (a scenario without one still gets one member).</summary>
    private static List<string> EtcdNodes(Scenarios.Scenario scenario)
    {
        var nodes = scenario.NodeNames().Where(n => n.Group.ControlPlane).Select(n => n.Name).ToList();
        return nodes.Count > 0 ? nodes : ["sim-etcd"];
    }

    /// <summary>
    /// The control planes with their addresses (as <see cref="ClusterBootstrap"/> numbers the nodes) and when their
    /// kubeadm leaves expire (the group's certificatesExpireIn, else kubeadm's year).
    /// </summary>
    private static List<(string Name, string Address, DateTimeOffset NotAfter)> ControlPlanes(Scenarios.Scenario scenario, int block, DateTimeOffset now) =>
        [.. scenario.NodeNames().Select((n, i) => (n.Name, n.Group, Index: i + 1)).Where(n => n.Group.ControlPlane)
            .Select(n => (n.Name, Kubelets.AddressBlock.Address(block, n.Index), now + (n.Group.CertificatesExpireIn ?? KubeadmPki.LeafLifetime)))];

    private static WebApplication Build(SimPki pki, ServingCertificate serving, ApiHandler handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var ca = pki.LoadCa();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            // Read at every handshake, so a restarted kube-apiserver serves the certificate it was restarted with.
            https.ServerCertificateSelector = (_, _) => serving.Current;
            // Anonymous clients get through the handshake and then a 401 Status, as from kube-apiserver.
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.ClientCertificateValidation = (certificate, _, _) => TlsMaterial.IssuedBy(certificate, [ca]);
        })));
        var app = builder.Build();
        app.Run(handler.HandleAsync);
        return app;
    }
}
