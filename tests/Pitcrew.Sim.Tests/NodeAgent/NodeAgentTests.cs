using System.Text.Json.Nodes;
using Pitcrew.Cluster;
using Pitcrew.Executors;

namespace Pitcrew.Sim.Tests.NodeAgent;

/// <summary>The node agent through the sim executor: a kubeadm upgrade's commands change the simulated cluster as they would a real one.</summary>
public sealed class NodeAgentTests(UpgradeSimulatorFixture sim) : IClassFixture<UpgradeSimulatorFixture>
{
    private const string Target = "v1.31.14";
    private const string Repo = "echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.31/deb/ /' | sudo tee /etc/apt/sources.list.d/kubernetes.list";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KubeadmUpgrade_FirstControlPlaneThenTheOthers_ChangesVersionsAsKubeadmDoes()
    {
        await using var executor = Executor();
        await RunOkAsync(executor, "cp-1", Repo);
        await RunOkAsync(executor, "cp-1", "sudo apt-get update");
        await RunOkAsync(executor, "cp-1", "sudo apt-mark unhold kubeadm && sudo apt-get install -y kubeadm=1.31.14-1.1 && sudo apt-mark hold kubeadm");
        Assert.Equal(Target, (await RunOkAsync(executor, "cp-1", "kubeadm version -o short")).Output[0].Text);

        var apply = await RunOkAsync(executor, "cp-1", $"sudo kubeadm upgrade apply {Target} -y");
        Assert.Contains(apply.Output, l => l.Text.Contains("SUCCESS! Your cluster was upgraded to \"v1.31.14\"", StringComparison.Ordinal));
        Assert.Contains(apply.Output, l => l.Text.Contains("Skipping upgrade of addons because control plane instances [cp-2]", StringComparison.Ordinal));
        using var http = sim.AdminClient();
        Assert.Equal(Target, (string?)(await GetAsync(http, "/version"))["gitVersion"]);
        Assert.Contains($"kubernetesVersion: {Target}", (string?)(await GetAsync(http, "/api/v1/namespaces/kube-system/configmaps/kubeadm-config"))["data"]?["ClusterConfiguration"], StringComparison.Ordinal);
        Assert.Equal($"registry.k8s.io/kube-apiserver:{Target}", await ImageAsync(http, "/api/v1/namespaces/kube-system/pods/kube-apiserver-cp-1"));
        Assert.Equal("registry.k8s.io/kube-apiserver:v1.30.4", await ImageAsync(http, "/api/v1/namespaces/kube-system/pods/kube-apiserver-cp-2"));
        Assert.Equal("registry.k8s.io/kube-proxy:v1.30.4", await TemplateImageAsync(http, "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy"));

        await RunOkAsync(executor, "cp-2", Repo + " && apt-get update && apt-mark unhold kubeadm && apt-get install -y kubeadm=1.31.14-1.1 && apt-mark hold kubeadm");
        var node = await RunOkAsync(executor, "cp-2", "kubeadm upgrade node");
        Assert.Contains(node.Output, l => l.Text.Contains("[addons] Applied essential addon: kube-proxy", StringComparison.Ordinal));
        Assert.Equal($"registry.k8s.io/kube-apiserver:{Target}", await ImageAsync(http, "/api/v1/namespaces/kube-system/pods/kube-apiserver-cp-2"));
        Assert.Equal($"registry.k8s.io/kube-proxy:{Target}", await TemplateImageAsync(http, "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy"));
        Assert.Equal("registry.k8s.io/coredns/coredns:v1.11.3", await TemplateImageAsync(http, "/apis/apps/v1/namespaces/kube-system/deployments/coredns"));

        var worker = await RunOkAsync(executor, "worker-1", Repo + " && apt-get update && apt-mark unhold kubeadm && apt-get install -y kubeadm=1.31.14-1.1 && kubeadm upgrade node");
        Assert.Contains(worker.Output, l => l.Text == "[upgrade] Skipping phase. Not a control plane node.");
    }

    [Fact]
    public async Task KubeletRestart_IsAShortNotReady_ThenReportsTheInstalledKubelet()
    {
        await using var executor = Executor();
        using var http = sim.AdminClient();
        // The apt runbook test restarts this node's kubelet too: let that restart finish first, or it would report the version installed below.
        await UntilAsync(async () => await ReadyAsync(http, "worker-2") == "True");
        await RunOkAsync(executor, "worker-2", Repo + " && apt-get update");
        // v1.31.13: a version no other test installs, so the node reports it only after this restart.
        await RunOkAsync(executor, "worker-2", "apt-mark unhold kubelet kubectl && apt-get install -y kubelet=1.31.13-1.1 kubectl=1.31.13-1.1 && apt-mark hold kubelet kubectl");
        Assert.NotEqual("v1.31.13", await KubeletAsync(http, "worker-2"));

        await RunOkAsync(executor, "worker-2", "sudo systemctl daemon-reload && sudo systemctl restart kubelet");
        Assert.Equal("False", await ReadyAsync(http, "worker-2"));
        await UntilAsync(async () => await ReadyAsync(http, "worker-2") == "True");
        Assert.Equal("v1.31.13", await KubeletAsync(http, "worker-2"));
    }

    [Theory]
    [InlineData("legacy package version", "apt-mark unhold kubeadm && apt-get install -y kubeadm=1.31.0-00", 100, "E: Version '1.31.0-00' for 'kubeadm' was not found")]
    [InlineData("held package", "echo 'deb https://pkgs.k8s.io/core:/stable:/v1.30/deb/ /' > /etc/apt/sources.list.d/kubernetes.list && apt-get update && apt-get install -y kubelet=1.30.14-1.1", 100, "without --allow-change-held-packages")]
    [InlineData("a version from another minor's repository", "apt-mark unhold kubeadm && apt-get install -y kubeadm=1.32.0-1.1", 100, "was not found")]
    [InlineData("apply on a worker", "kubeadm upgrade apply v1.30.14 -y", 1, "kube-apiserver.yaml does not exist")]
    [InlineData("apply past the installed kubeadm's minor", "kubeadm upgrade apply v1.33.0 -y", 1, "at least one minor release higher than the kubeadm minor release")]
    [InlineData("unknown command", "reboot-the-world now", 127, "sh: 1: reboot-the-world: not found")]
    [InlineData("legacy repository", "echo 'deb https://apt.kubernetes.io/ kubernetes-xenial main' > /etc/apt/sources.list.d/kubernetes.list && apt-get update", 100, "does not have a Release file")]
    public async Task Commands_ThatWouldFailOnARealNode_FailTheSameWay(string description, string line, int exitCode, string message)
    {
        await using var executor = Executor();
        var node = description is "apply on a worker" or "legacy repository" or "held package" ? "worker-1" : "cp-1";
        var result = await executor.RunAsync(node, NodeCommand.Shell(line), null, Token).WaitAsync(Bound, Token);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(message, result.Tail(), StringComparison.Ordinal);
        if (description == "legacy repository")
        {
            await RunOkAsync(executor, node, Repo.Replace("v1.31", "v1.30", StringComparison.Ordinal) + " && apt-get update");
        }
    }

    [Fact]
    public async Task ExecFailFault_FailsTheChosenStepOnlyOnThatNode()
    {
        using var client = SimClient.Open(sim.Directory);
        await client.SetFaultAsync("worker-1", "exec-fail=systemctl restart kubelet", Token);
        await using var executor = Executor();
        try
        {
            var failed = await executor.RunAsync("worker-1", NodeCommand.Shell("systemctl daemon-reload && systemctl restart kubelet"), null, Token).WaitAsync(Bound, Token);
            Assert.Equal(1, failed.ExitCode);
            Assert.Contains("simulated failure on node/worker-1", failed.Tail(), StringComparison.Ordinal);
            Assert.Equal(0, (await executor.RunAsync("worker-1", NodeCommand.Shell("systemctl daemon-reload"), null, Token).WaitAsync(Bound, Token)).ExitCode);
        }
        finally
        {
            await client.SetFaultAsync("worker-1", "clear", Token);
        }
    }

    [Fact]
    public async Task EtcdManifest_MovedOutStopsItsMember_AndMovedBackStartsIt()
    {
        await using var executor = Executor();
        using var http = sim.AdminClient();
        var member = sim.Sim.Etcd.On("cp-2")!;
        await RunOkAsync(executor, "cp-2", "mv /etc/kubernetes/manifests/etcd.yaml /root/etcd.yaml");
        Assert.False(member.Running);
        Assert.DoesNotContain((await RunOkAsync(executor, "cp-2", "crictl ps --name '^etcd$' --state running -q")).Output, l => l.Text == "etcd-cp-2");

        // Two members: one stopped leaves no quorum, and the API server says so at once.
        var lost = await http.GetAsync("/api/v1/namespaces/kube-system/pods/etcd-cp-2", Token);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, lost.StatusCode);
        Assert.Contains("no quorum: 1 of 2 members running", await lost.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);

        await RunOkAsync(executor, "cp-2", "sudo mv /root/etcd.yaml /etc/kubernetes/manifests/");
        Assert.True(member.Running);
        Assert.StartsWith("registry.k8s.io/etcd:", await ImageAsync(http, "/api/v1/namespaces/kube-system/pods/etcd-cp-2"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("apt", "worker-2")]
    [InlineData("dnf", "worker-1")]
    public async Task BuiltinRunbook_WorkerCommands_AllSucceedOnTheSimulatedNode(string packageManager, string node)
    {
        await using var executor = Executor();
        var steps = Upgrade.Runbooks.RunbookRenderer.Render(Upgrade.Runbooks.RunbookLoader.Builtin(packageManager), Upgrade.Runbooks.NodeRole.Worker,
            Upgrade.KubeVersion.Parse(Target), node);
        foreach (var step in steps.Where(s => s.Command is not null))
        {
            var result = await executor.RunAsync(node, step.Command!, null, Token).WaitAsync(Bound, Token);
            Assert.True(result.ExitCode == 0, $"{step.Name}: {step.Display} exited {result.ExitCode}: {result.Tail()}");
        }

        Assert.Equal(Target, (await RunOkAsync(executor, node, "kubelet --version")).Output[0].Text.Split(' ')[1]);
    }

    [Fact]
    public async Task UnknownNode_IsAClearError()
    {
        await using var executor = Executor();
        var error = await Assert.ThrowsAsync<Errors.PitcrewException>(() => executor.RunAsync("no-such-node", NodeCommand.Shell("true"), null, Token).WaitAsync(Bound, Token));
        Assert.Contains("node/no-such-node: not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileCommands_SeeTheNodesKubeadmFiles_AsCoreutilsWould()
    {
        await using var executor = Executor();
        Assert.Contains("-----BEGIN CERTIFICATE-----", (await RunOkAsync(executor, "cp-2", "cat /etc/kubernetes/pki/etcd/ca.crt")).Output[0].Text, StringComparison.Ordinal);
        var listed = (await RunOkAsync(executor, "cp-2", "ls /etc/kubernetes")).Output.Select(l => l.Text).ToList();
        Assert.Equal(["admin.conf", "controller-manager.conf", "pki", "scheduler.conf", "super-admin.conf"], listed.Where(n => !n.Contains(".pitcrew-", StringComparison.Ordinal)));
        Assert.Equal(["kubelet-client-current.pem", "kubelet.crt", "kubelet.key"], (await RunOkAsync(executor, "worker-1", "ls /var/lib/kubelet/pki")).Output.Select(l => l.Text));

        await RunOkAsync(executor, "cp-2", "cp -a /etc/kubernetes/pki /etc/kubernetes/pki.copy-test && test -f /etc/kubernetes/pki.copy-test/etcd/server.key && test -d /etc/kubernetes/pki.copy-test");
        var missing = await executor.RunAsync("cp-2", NodeCommand.Shell("cat /etc/kubernetes/nope.conf"), null, Token).WaitAsync(Bound, Token);
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("cat: /etc/kubernetes/nope.conf: No such file or directory", missing.Tail(1));
        Assert.Equal(1, (await executor.RunAsync("worker-1", NodeCommand.Shell("test -f /etc/kubernetes/pki/ca.crt"), null, Token).WaitAsync(Bound, Token)).ExitCode);
        var directory = await executor.RunAsync("cp-2", NodeCommand.Shell("cp /etc/kubernetes/pki /tmp/x"), null, Token).WaitAsync(Bound, Token);
        Assert.Equal("cp: -r not specified; omitting directory '/etc/kubernetes/pki'", directory.Tail(1));
    }

    private SimNodeExecutor Executor() =>
        SimNodeExecutor.Create(KubeAccess.Configuration(new KubeAccessOptions(sim.Sim.KubeconfigPath, null), _ => null), TimeProvider.System);

    private static async Task<CommandResult> RunOkAsync(SimNodeExecutor executor, string node, string line)
    {
        var result = await executor.RunAsync(node, NodeCommand.Shell(line) with { Sudo = true }, null, Token).WaitAsync(Bound, Token);
        Assert.True(result.ExitCode == 0, $"{node}: {line} exited {result.ExitCode}: {result.Tail()}");
        return result;
    }

    private static async Task<JsonObject> GetAsync(HttpClient http, string path) =>
        (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonObject>(http, path, Token))!;

    private static async Task<string?> ImageAsync(HttpClient http, string path) => (string?)(await GetAsync(http, path))["spec"]?["containers"]?[0]?["image"];

    private static async Task<string?> TemplateImageAsync(HttpClient http, string path) =>
        (string?)(await GetAsync(http, path))["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"];

    private static async Task<string?> KubeletAsync(HttpClient http, string node) =>
        (string?)(await GetAsync(http, $"/api/v1/nodes/{node}"))["status"]?["nodeInfo"]?["kubeletVersion"];

    private static async Task<string?> ReadyAsync(HttpClient http, string node) =>
        (string?)((await GetAsync(http, $"/api/v1/nodes/{node}"))["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().First(c => (string?)c["type"] == "Ready")["status"];

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(Bound);
        while (!await condition())
        {
            await Task.Delay(100, deadline.Token);
        }
    }
}
