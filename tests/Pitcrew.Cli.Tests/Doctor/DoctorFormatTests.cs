using System.Text.Json;
using System.Xml.Linq;
using Pitcrew.Cli.DoctorCommands;
using Pitcrew.Cli.Output;
using Pitcrew.Doctor;

namespace Pitcrew.Cli.Tests.Doctor;

/// <summary>The report's formats are well-formed: JSON in the documented schema, SARIF 2.1.0, Markdown, and HTML with everything escaped.</summary>
public sealed class DoctorFormatTests
{
    private const string Hostile = "<script>alert('x')</script> & \"quotes\" | pipes";

    private static DoctorReport Report() => new(
        DoctorReport.CurrentSchemaVersion,
        "cluster",
        new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero),
        "v1.31.2",
        DoctorReport.Order([
            new Finding("pod.crash-loop", Severity.Warning, new ObjectRef("Pod", "shop", "api"), "container api is in CrashLoopBackOff " + Hostile, "exits " + Hostile,
                ["restarts: 7", Hostile], "kubectl logs --previous " + Hostile),
            new Finding("node.not-ready", Severity.Critical, new ObjectRef("Node", null, "w-1"), "node is NotReady", "kubelet stopped", ["Ready=Unknown"], "systemctl restart kubelet"),
            new Finding("event.warning", Severity.Info, new ObjectRef("Pod", "shop", "api"), "3x Warning BackOff", "reported", [], "kubectl get events"),
        ]),
        ["etcd not checked: " + Hostile]);

    [Fact]
    public void Json_FollowsTheDocumentedSchema()
    {
        using var document = JsonDocument.Parse(StructuredOutput.Json(Report()));
        var root = document.RootElement;
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("cluster", root.GetProperty("scope").GetString());
        Assert.Equal("critical", root.GetProperty("worst").GetString());
        var first = root.GetProperty("findings")[0];
        Assert.Equal(["id", "severity", "object", "symptom", "cause", "evidence", "remedy"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal("critical", first.GetProperty("severity").GetString());
        Assert.Equal(["kind", "namespace", "name", "ref"], first.GetProperty("object").EnumerateObject().Select(p => p.Name));
        Assert.Equal("node/w-1", first.GetProperty("object").GetProperty("ref").GetString());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("notes").ValueKind);
    }

    [Fact]
    public void Sarif_IsVersion210WithARulePerCheckAndLevels()
    {
        using var document = JsonDocument.Parse(SarifReport.Render(Report()));
        var root = document.RootElement;
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        Assert.Equal(SarifReport.SchemaUri, root.GetProperty("$schema").GetString());
        var run = Assert.Single(root.GetProperty("runs").EnumerateArray());
        Assert.Equal(["event.warning", "node.not-ready", "pod.crash-loop"],
            run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(["error", "warning", "note"], run.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("level").GetString()));
        Assert.Equal("node/w-1", run.GetProperty("results")[0].GetProperty("locations")[0].GetProperty("logicalLocations")[0].GetProperty("fullyQualifiedName").GetString());
    }

    [Fact]
    public void Html_EscapesEveryValue_AndIsOneWellFormedDocument()
    {
        var html = HtmlReport.Render(Report());
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;", html, StringComparison.Ordinal);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", html, StringComparison.Ordinal);
        var document = XDocument.Parse(html[html.IndexOf("<html", StringComparison.Ordinal)..]);
        Assert.Equal(3, document.Descendants("tr").Count() - 1);
    }

    [Fact]
    public void Markdown_HasATableRowPerFinding_AndEscapesPipes()
    {
        var markdown = MarkdownReport.Render(Report());
        var rows = markdown.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, rows.Count);
        Assert.All(rows.Skip(1), r => Assert.Equal(4, r.Split(" | ").Length));
        Assert.Contains("\\| pipes", markdown, StringComparison.Ordinal);
        Assert.Contains("## CRITICAL node/w-1: node is NotReady", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Baseline_ThatIsNotAReport_IsAUsageError()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, """{"hello": 1}""", TestContext.Current.CancellationToken);
            var run = await CliRun.InvokeAsync("doctor", "etcd", "--baseline", file);
            Assert.Equal(Pitcrew.Errors.ExitCodes.Usage, run.ExitCode);
            Assert.Contains("not a pitcrew doctor JSON report", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Help_ListsScopesFormatsAndExitCodes()
    {
        var run = await CliRun.InvokeAsync("doctor", "--help");
        Assert.Equal(0, run.ExitCode);
        foreach (var word in new[] { "cluster", "nodes", "node", "pods", "certs", "etcd", "--fail-on", "--baseline", "21 critical" })
        {
            Assert.Contains(word, run.Stdout, StringComparison.Ordinal);
        }
    }
}
