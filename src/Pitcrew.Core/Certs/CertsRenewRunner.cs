using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;
using Pitcrew.Executors;
using Pitcrew.Files;

namespace Pitcrew.Certs;

/// <summary>How the renewal reaches the cluster: the client that watches mirror pods, and the API endpoint whose certificate is checked.</summary>
internal sealed record RenewCluster(IKubernetes Client, string Host, int Port);

/// <summary>What the run did: the steps run, those skipped (done before a resume), and what the checks found.</summary>
public sealed record CertsRenewReport(string Stamp, IReadOnlyList<string> Ran, IReadOnlyList<string> Skipped, IReadOnlyList<string> Verified);

/// <summary>
/// Runs a <see cref="CertsRenewPlan"/> through the node executor, journaling every step as it completes (steps the
/// journal has done are skipped); the first failure stops the run with the way back (the copies kept aside).
/// </summary>
internal sealed class CertsRenewRunner(INodeExecutor executor, RenewCluster cluster, RenewInputs inputs, string stateDir, TimeProvider time, Action<string> log)
{
    public static readonly TimeSpan GoneTimeout = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ServingTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a command on a node may take (a copy of the pki dir, kubeadm certs renew, a manifest move).</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    public async Task<CertsRenewReport> RunAsync(CertsRenewPlan plan, CertsRenewJournal journal, CancellationToken cancellationToken)
    {
        var ran = new List<string>();
        var skipped = new List<string>();
        var verified = new List<string>();
        await journal.SaveAsync(stateDir, cancellationToken).ConfigureAwait(false);
        foreach (var step in plan.Steps)
        {
            if (journal.IsDone(step.Id))
            {
                skipped.Add(step.Id);
                log($"skip  {step.Id} (done before)");
                continue;
            }

            log($"run   {step.Id}: {step.Description}{(step.Command is null ? string.Empty : " :: " + step.Command)}");
            try
            {
                switch (step.Kind)
                {
                    case RenewStepKind.Run:
                        await RunOnNodeAsync(step, cancellationToken).ConfigureAwait(false);
                        break;
                    case RenewStepKind.WaitGone:
                        await WaitGoneAsync(step, cancellationToken).ConfigureAwait(false);
                        break;
                    case RenewStepKind.WaitReady:
                        await WaitReadyAsync(step, cancellationToken).ConfigureAwait(false);
                        break;
                    case RenewStepKind.VerifyServing:
                        verified.Add(await VerifyServingAsync(step, cancellationToken).ConfigureAwait(false));
                        break;
                    case RenewStepKind.UpdateAdminConf:
                        verified.Add(await UpdateAdminConfAsync(step, plan.Stamp, cancellationToken).ConfigureAwait(false));
                        break;
                }
            }
            catch (PitcrewException e) when (e.ExitCode != ExitCodes.Cancelled)
            {
                throw new PitcrewException($"{e.Message}\n{WayBack(step, plan.Stamp)}", ExitCodes.Partial, e);
            }

            ran.Add(step.Id);
            journal = journal.With(step.Id);
            await journal.SaveAsync(stateDir, cancellationToken).ConfigureAwait(false);
        }

        await (journal with { Finished = true }).SaveAsync(stateDir, cancellationToken).ConfigureAwait(false);
        return new CertsRenewReport(plan.Stamp, ran, skipped, verified);
    }

    /// <summary>How to go on or go back after a failed step: --resume, or the copies kept aside on the node.</summary>
    private string WayBack(RenewStep step, string stamp)
    {
        var pki = inputs.PkiDirectory.TrimEnd('/');
        var kubernetesDir = Path.GetDirectoryName(pki)!;
        return $"fix the cause and run the same command with --resume to go on from step {step.Id}; " +
            $"to go back on node/{step.Node}, the files before this run are kept: {CertsRenewPlan.Aside(pki, stamp)} and {kubernetesDir}/*.conf.pitcrew-{stamp} " +
            $"(cp -a {CertsRenewPlan.Aside(pki, stamp)}/. {pki}/, copy each kubeconfig back, then restart the static pods)";
    }

    private async Task<CommandResult> RunOnNodeAsync(RenewStep step, CancellationToken cancellationToken)
    {
        var result = await executor.RunAsync(step.Node, NodeCommand.Shell(step.Command!) with { Sudo = true, Timeout = CommandTimeout }, l => log($"      [{step.Node}] {l.Text}"), cancellationToken)
            .ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new PitcrewException(
                $"step {step.Id} failed on node/{step.Node} (exit {result.ExitCode}{(result.TimedOut ? ", timed out" : string.Empty)}): {step.Command}\n{result.Tail()}" +
                (result.SudoHint() is { } hint ? "\n" + hint : string.Empty), ExitCodes.Partial);
        }

        return result;
    }

    /// <summary>
    /// The mirror pod gone; for kube-apiserver and etcd an API that stops answering counts too (a lone control plane's
    /// API goes with them, so its mirror pod cannot be seen to go).
    /// </summary>
    private async Task WaitGoneAsync(RenewStep step, CancellationToken cancellationToken)
    {
        var pod = $"{step.Component}-{step.Node}";
        var started = time.GetTimestamp();
        var last = "still there";
        while (time.GetElapsedTime(started) < GoneTimeout)
        {
            try
            {
                await cluster.Client.CoreV1.ReadNamespacedPodAsync(pod, "kube-system", cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }
            catch (Exception e) when (Unanswered(e, cancellationToken))
            {
                if (step.Component is "kube-apiserver" or "etcd")
                {
                    log($"      the API does not answer ({e.Message}): {step.Component} stopped");
                    return;
                }

                last = e.Message;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }

        throw new PitcrewException($"step {step.Id}: kube-system/{pod} still there after {GoneTimeout.TotalMinutes:0} min ({last}); is the kubelet on node/{step.Node} running?", ExitCodes.Partial);
    }

    private async Task WaitReadyAsync(RenewStep step, CancellationToken cancellationToken)
    {
        var pod = $"{step.Component}-{step.Node}";
        var started = time.GetTimestamp();
        var last = "no answer yet";
        while (time.GetElapsedTime(started) < ReadyTimeout)
        {
            try
            {
                var found = await cluster.Client.CoreV1.ReadNamespacedPodAsync(pod, "kube-system", cancellationToken: cancellationToken).ConfigureAwait(false);
                if (found.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
                {
                    log($"      kube-system/{pod} Ready after {time.GetElapsedTime(started).TotalSeconds:0.0} s");
                    return;
                }

                last = $"phase {found.Status?.Phase ?? "unknown"}, not Ready";
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                last = "no mirror pod yet";
            }
            catch (Exception e) when (Unanswered(e, cancellationToken))
            {
                last = e.Message;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }

        throw new PitcrewException($"step {step.Id}: kube-system/{pod} not Ready after {ReadyTimeout.TotalMinutes:0} min ({last}); see crictl ps -a and crictl logs on node/{step.Node}", ExitCodes.Partial);
    }

    /// <summary>
    /// The endpoint's certificate against the renewed file (serial and NotAfter); an endpoint that shows another control
    /// plane's certificate (a load balancer in front) is reported, not failed.
    /// </summary>
    private async Task<string> VerifyServingAsync(RenewStep step, CancellationToken cancellationToken)
    {
        var reader = new NodeCertificateReader(executor, time);
        var file = $"{inputs.PkiDirectory.TrimEnd('/')}/apiserver.crt";
        using var renewed = Doctor.KubeadmCertificates.Parse(file, await reader.ReadTextAsync(step.Node, file, cancellationToken).ConfigureAwait(false))
            ?? throw new PitcrewException($"step {step.Id}: node/{step.Node} has no {file} after the renewal", ExitCodes.Partial);
        var started = time.GetTimestamp();
        var last = "no handshake yet";
        while (time.GetElapsedTime(started) < ServingTimeout)
        {
            try
            {
                using var served = await ServedCertificate.ReadAsync(cluster.Host, cluster.Port, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                if (served.SerialNumber == renewed.SerialNumber)
                {
                    var line = $"{cluster.Host}:{cluster.Port} serves node/{step.Node}'s renewed apiserver certificate: serial {served.SerialNumber}, not after {Stamp(served)}";
                    log("      " + line);
                    return line;
                }

                if (!Names(served).Contains(step.Node, StringComparer.OrdinalIgnoreCase))
                {
                    var line = $"{cluster.Host}:{cluster.Port} serves another control plane's certificate ({served.Subject}, not naming {step.Node}); node/{step.Node}'s not checked there";
                    log("      " + line);
                    return line;
                }

                last = $"still serves serial {served.SerialNumber} (not after {Stamp(served)}), renewed is {renewed.SerialNumber} (not after {Stamp(renewed)})";
            }
            catch (Exception e) when (Unanswered(e, cancellationToken) || e is IOException or System.Security.Authentication.AuthenticationException)
            {
                last = e.Message;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }

        throw new PitcrewException($"step {step.Id}: {cluster.Host}:{cluster.Port} does not serve the renewed certificate after {ServingTimeout.TotalSeconds:0} s: {last}; " +
            $"was kube-apiserver on node/{step.Node} restarted?", ExitCodes.Partial);
    }

    /// <summary>The renewed admin.conf written over the user's kubeconfig (owner-only, atomically), the old one kept beside it.</summary>
    private async Task<string> UpdateAdminConfAsync(RenewStep step, string stamp, CancellationToken cancellationToken)
    {
        var target = inputs.UpdateAdminConf!;
        var source = $"{Path.GetDirectoryName(inputs.PkiDirectory.TrimEnd('/'))}/admin.conf";
        var text = await new NodeCertificateReader(executor, time).ReadTextAsync(step.Node, source, cancellationToken).ConfigureAwait(false)
            ?? throw new PitcrewException($"step {step.Id}: node/{step.Node} has no {source}", ExitCodes.Partial);
        var aside = CertsRenewPlan.Aside(target, stamp);
        if (File.Exists(target) && !File.Exists(aside))
        {
            File.Copy(target, aside);
        }

        await using (var file = AtomicFile.Create(target))
        {
            await file.Stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
            await file.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        var line = $"wrote node/{step.Node}'s renewed {source} to {target} (the old one is {aside})";
        log("      " + line);
        return line;
    }

    private static bool Unanswered(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is HttpRequestException or HttpOperationException or OperationCanceledException or System.Net.Sockets.SocketException;

    private static IEnumerable<string> Names(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames());

    private static string Stamp(X509Certificate2 certificate) => Doctor.Ages.Stamp(new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero));
}
