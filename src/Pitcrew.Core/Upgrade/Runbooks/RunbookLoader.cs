using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Pitcrew.Upgrade.Runbooks;

/// <summary>
/// Reads runbooks (built in: apt, dnf; or a file) and checks them: every role present, unique step names, run or
/// action, known placeholders, no legacy Google-hosted repositories. Errors name the file, line and field.
/// </summary>
internal static partial class RunbookLoader
{
    public static readonly IReadOnlyList<string> Builtins = ["apt", "dnf"];

    /// <summary>The placeholders a run line may use; the renderer fills each.</summary>
    public static readonly IReadOnlyList<string> Placeholders = ["version", "minor", "debVersion", "rpmVersion", "node"];

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    private static readonly string[] LegacyHosts = ["apt.kubernetes.io", "yum.kubernetes.io", "packages.cloud.google.com"];

    /// <summary>A built-in runbook by package manager (apt, dnf; yum is dnf).</summary>
    public static Runbook Builtin(string packageManager)
    {
        var name = packageManager == "yum" ? "dnf" : packageManager;
        if (!Builtins.Contains(name))
        {
            throw new Errors.PitcrewException($"no built-in runbook for \"{packageManager}\": use apt, dnf or yum, or --runbook FILE", Errors.ExitCodes.Usage);
        }

        return Parse(YamlDocument.Embedded($"Pitcrew.Upgrade.Runbooks.kubeadm-{name}.yaml"), $"kubeadm-{name}.yaml (built in)");
    }

    /// <summary>A runbook by what the user typed: apt, dnf or yum for a built-in one, else a file.</summary>
    public static Runbook Resolve(string nameOrPath) =>
        Builtins.Contains(nameOrPath) || nameOrPath == "yum" ? Builtin(nameOrPath) : Load(nameOrPath);

    public static Runbook Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), path) : throw new Errors.PitcrewException($"runbook {path}: no such file", Errors.ExitCodes.FileNotFound);

    public static Runbook Parse(string text, string source)
    {
        var yaml = YamlDocument.Parse(text, source);
        yaml.OnlyKeys(yaml.Root, string.Empty, "name", "packageManager", "roles");
        var name = yaml.Scalar(yaml.Root, "name", string.Empty, required: true)!;
        var packageManager = yaml.Scalar(yaml.Root, "packageManager", string.Empty, required: true)!;
        var rolesNode = yaml.Mapping(yaml.Root, "roles", string.Empty, required: true)!;
        yaml.OnlyKeys(rolesNode, "roles", [.. Runbook.RoleNames.Keys]);
        var roles = new Dictionary<NodeRole, IReadOnlyList<RunbookStep>>();
        foreach (var (roleName, role) in Runbook.RoleNames)
        {
            var path = "roles." + roleName;
            var items = yaml.Sequence(rolesNode, roleName, "roles", required: true);
            if (items.Count == 0)
            {
                throw yaml.Error(rolesNode, path, "lists no step");
            }

            var steps = new List<RunbookStep>();
            foreach (var (item, index) in items.Select((n, i) => (n, i)))
            {
                var step = Step(yaml, item, $"{path}[{index}]");
                if (steps.Any(s => s.Name == step.Name))
                {
                    throw yaml.Error(item, $"{path}[{index}].name", $"\"{step.Name}\" is used twice in {roleName}");
                }

                steps.Add(step);
            }

            roles[role] = steps;
        }

        return new Runbook(name, packageManager, roles, source);
    }

    private static RunbookStep Step(YamlDocument yaml, YamlNode node, string path)
    {
        var map = node as YamlMappingNode ?? throw yaml.Error(node, path, "expected a mapping with name and run or action");
        yaml.OnlyKeys(map, path, "name", "run", "action", "sudo", "timeout", "repeatable");
        var name = yaml.Scalar(map, "name", path, required: true)!;
        var run = yaml.Scalar(map, "run", path, required: false);
        var actionText = yaml.Scalar(map, "action", path, required: false);
        if ((run is null) == (actionText is null))
        {
            throw yaml.Error(map, path, "give exactly one of run (a command for the node) or action (drain, uncordon, wait-ready)");
        }

        var action = actionText switch
        {
            null => StepAction.None,
            "drain" => StepAction.Drain,
            "uncordon" => StepAction.Uncordon,
            "wait-ready" => StepAction.WaitReady,
            _ => throw yaml.Error(map, path + ".action", $"\"{actionText}\" is not one of drain, uncordon, wait-ready"),
        };
        if (run is not null)
        {
            foreach (Match placeholder in Placeholder().Matches(run))
            {
                if (!Placeholders.Contains(placeholder.Groups[1].Value))
                {
                    throw yaml.Error(map, path + ".run", $"unknown placeholder {placeholder.Value} (known: {string.Join(", ", Placeholders.Select(p => "{{" + p + "}}"))})");
                }
            }

            if (LegacyHosts.FirstOrDefault(h => run.Contains(h, StringComparison.Ordinal)) is { } legacy)
            {
                throw yaml.Error(map, path + ".run", $"{legacy} is the legacy Google-hosted package repository, frozen in 2023 and gone since 2024; use the per-minor pkgs.k8s.io repositories");
            }
        }

        var sudoText = yaml.Scalar(map, "sudo", path, required: false);
        var sudo = sudoText is null || (bool.TryParse(sudoText, out var parsed) ? parsed : throw yaml.Error(map, path + ".sudo", $"\"{sudoText}\" is not true or false"));
        var timeoutText = yaml.Scalar(map, "timeout", path, required: false);
        var timeout = timeoutText is null ? DefaultTimeout : Duration(timeoutText) ?? throw yaml.Error(map, path + ".timeout", $"\"{timeoutText}\" is not a duration such as 90s, 15m or 1h");
        var repeatText = yaml.Scalar(map, "repeatable", path, required: false);
        var repeatable = run is null || (repeatText is not null && (bool.TryParse(repeatText, out var repeat) ? repeat : throw yaml.Error(map, path + ".repeatable", $"\"{repeatText}\" is not true or false")));
        return new RunbookStep(name, run, action, sudo, timeout, (int)map.Start.Line, repeatable);
    }

    private static TimeSpan? Duration(string text)
    {
        var match = DurationText().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "s" => TimeSpan.FromSeconds(value), "m" => TimeSpan.FromMinutes(value), _ => TimeSpan.FromHours(value) };
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z]+)\s*\}\}")]
    internal static partial Regex Placeholder();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(s|m|h)$")]
    private static partial Regex DurationText();
}
