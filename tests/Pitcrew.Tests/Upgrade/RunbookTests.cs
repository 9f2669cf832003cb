using Pitcrew.Errors;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Tests.Upgrade;

public sealed class RunbookTests
{
    private static readonly KubeVersion Target = KubeVersion.Parse("v1.30.4");

    [Fact]
    public void AptRunbook_FirstControlPlane_UsesThePerMinorRepositoryAndPackageVersions()
    {
        var steps = RunbookRenderer.Render(RunbookLoader.Builtin("apt"), NodeRole.FirstControlPlane, Target, "cp-1");
        var lines = steps.Select(s => s.Display).ToList();

        Assert.Contains(lines, l => l.Contains("deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.30/deb/ /", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("apt-get install -y kubeadm=1.30.4-1.1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("kubelet=1.30.4-1.1 kubectl=1.30.4-1.1", StringComparison.Ordinal));
        Assert.Contains("kubeadm upgrade apply v1.30.4 -y", lines);
        Assert.Equal(["drain", "wait-ready", "uncordon"], steps.Where(s => s.Action != StepAction.None).Select(s => s.Name));
        Assert.True(steps.Where(s => s.Command is not null).All(s => s.Command!.Sudo));
        Assert.Equal(TimeSpan.FromMinutes(15), steps.Single(s => s.Name == "kubeadm-apply").Command!.Timeout);
    }

    [Fact]
    public void DnfRunbook_Worker_InstallsTheRpmVersionsPastTheRepositoryExcludes()
    {
        var steps = RunbookRenderer.Render(RunbookLoader.Builtin("yum"), NodeRole.Worker, Target, "worker-1");
        var lines = steps.Select(s => s.Display).ToList();

        Assert.Contains(lines, l => l.Contains("baseurl=https://pkgs.k8s.io/core:/stable:/v1.30/rpm/", StringComparison.Ordinal));
        Assert.Contains("dnf install -y kubeadm-1.30.4-150500.1.1 --disableexcludes=kubernetes", lines);
        Assert.Contains("kubeadm upgrade node", lines);
        Assert.DoesNotContain(lines, l => l.Contains("upgrade apply", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("apt", "first-control-plane")]
    [InlineData("apt", "control-plane")]
    [InlineData("apt", "worker")]
    [InlineData("dnf", "first-control-plane")]
    [InlineData("dnf", "control-plane")]
    [InlineData("dnf", "worker")]
    public void BuiltinRunbooks_NeverGenerateTheLegacyRepositoryNaming(string packageManager, string role)
    {
        var steps = RunbookRenderer.Render(RunbookLoader.Builtin(packageManager), Runbook.RoleNames[role], KubeVersion.Parse("v1.28.0"), "n1");
        foreach (var line in steps.Select(s => s.Display))
        {
            Assert.DoesNotContain("1.28.0-00", line, StringComparison.Ordinal);
            Assert.DoesNotContain("apt.kubernetes.io", line, StringComparison.Ordinal);
            Assert.DoesNotContain("packages.cloud.google.com", line, StringComparison.Ordinal);
            Assert.DoesNotContain("{{", line, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("unknown placeholder", "    - name: a\n      run: kubeadm upgrade apply {{versoin}}\n", "line 5: roles.worker[0].run: unknown placeholder {{versoin}}")]
    [InlineData("run and action", "    - name: a\n      run: 'true'\n      action: drain\n", "line 5: roles.worker[0]: give exactly one of run")]
    [InlineData("unknown action", "    - name: a\n      action: reboot\n", "line 5: roles.worker[0].action: \"reboot\" is not one of")]
    [InlineData("legacy repository", "    - name: a\n      run: echo 'deb https://apt.kubernetes.io/ kubernetes-xenial main' | tee /etc/apt/sources.list.d/k.list\n", "apt.kubernetes.io is the legacy Google-hosted package repository")]
    [InlineData("bad timeout", "    - name: a\n      run: 'true'\n      timeout: soon\n", "line 5: roles.worker[0].timeout: \"soon\" is not a duration")]
    [InlineData("duplicate step", "    - name: a\n      run: 'true'\n    - name: a\n      run: 'true'\n", "line 7: roles.worker[1].name: \"a\" is used twice in worker")]
    [InlineData("misspelt field", "    - name: a\n      runn: 'true'\n", "line 6: roles.worker[0].runn: unknown field")]
    public void Loader_RejectsMistakesWithLineAndField(string description, string workerSteps, string expected)
    {
        var text = "name: custom\npackageManager: apt\nroles:\n  worker:\n" + workerSteps + "  control-plane:\n    - { name: n, run: kubeadm upgrade node }\n  first-control-plane:\n    - { name: n, run: 'kubeadm upgrade apply {{version}} -y' }\n";
        var error = Assert.Throws<PitcrewException>(() => RunbookLoader.Parse(text, "custom.yaml"));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.StartsWith("custom.yaml: ", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{description}: {error.Message}");
    }

    [Fact]
    public void Loader_MissingRoleAndBrokenYaml_NameTheLine()
    {
        var missing = Assert.Throws<PitcrewException>(() => RunbookLoader.Parse("name: x\npackageManager: apt\nroles:\n  worker:\n    - { name: a, run: 'true' }\n", "x.yaml"));
        Assert.Contains("roles.first-control-plane: required", missing.Message, StringComparison.Ordinal);

        var broken = Assert.Throws<PitcrewException>(() => RunbookLoader.Parse("name: x\nroles: [\n", "x.yaml"));
        Assert.StartsWith("x.yaml: line ", broken.Message, StringComparison.Ordinal);
    }
}
