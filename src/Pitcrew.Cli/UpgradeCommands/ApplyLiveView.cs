using System.Globalization;
using Pitcrew.Upgrade.Apply;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>
/// upgrade apply's live view on a terminal: one row per node (its current step, state and time in it) and the last
/// lines of the run below; what the plain lines say, redrawn in place.
/// </summary>
internal sealed class ApplyLiveView(IReadOnlyList<string> nodes, TimeProvider time) : IUpgradeProgress
{
    private const int RecentLines = 6;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string Step, StepState State, string Detail, DateTimeOffset Since)> _rows = new(StringComparer.Ordinal);
    private readonly Queue<string> _recent = new();
    private LiveDisplayContext? _live;

    public void Attach(LiveDisplayContext live)
    {
        lock (_gate)
        {
            _live = live;
        }

        Refresh();
    }

    public void Step(string node, string step, StepState state, string detail)
    {
        lock (_gate)
        {
            if (node.Length > 0)
            {
                _rows[node] = (step, state, detail.Split('\n')[0], time.GetUtcNow());
            }
            else
            {
                Remember($"{step}: {state}{(detail.Length > 0 ? " " + detail.Split('\n')[0] : string.Empty)}");
            }
        }

        Refresh();
    }

    public void Output(string node, string line)
    {
    }

    public void Line(string text)
    {
        lock (_gate)
        {
            Remember(text);
        }

        Refresh();
    }

    /// <summary>The table as it stands: every node with its step, state and seconds in it, then the recent lines.</summary>
    public IRenderable Render()
    {
        lock (_gate)
        {
            var table = new Table().Border(TableBorder.Simple).AddColumns("NODE", "STEP", "STATE", "SECONDS", "DETAIL");
            var now = time.GetUtcNow();
            foreach (var node in nodes)
            {
                if (_rows.TryGetValue(node, out var row))
                {
                    var state = row.State switch
                    {
                        StepState.Done => row.Step == "upgraded" ? "[green]upgraded[/]" : "done",
                        StepState.Failed => "[red]FAILED[/]",
                        _ => "[yellow]running[/]",
                    };
                    var seconds = row.State == StepState.Started ? (now - row.Since).TotalSeconds.ToString("0", CultureInfo.InvariantCulture) : string.Empty;
                    table.AddRow(Markup.Escape(node), Markup.Escape(row.Step), state, seconds, Markup.Escape(Clip(row.Detail)));
                }
                else
                {
                    table.AddRow(Markup.Escape(node), "-", "waiting", string.Empty, string.Empty);
                }
            }

            return new Rows(table, new Text(string.Join('\n', _recent)));
        }
    }

    private void Remember(string text)
    {
        _recent.Enqueue($"{time.GetUtcNow():HH:mm:ss} {text}");
        while (_recent.Count > RecentLines)
        {
            _recent.Dequeue();
        }
    }

    private void Refresh()
    {
        LiveDisplayContext? live;
        lock (_gate)
        {
            live = _live;
        }

        if (live is not null)
        {
            live.UpdateTarget(Render());
            live.Refresh();
        }
    }

    private static string Clip(string text) => text.Length > 70 ? text[..67] + "..." : text;
}
