namespace Pitcrew.Upgrade.Apply;

/// <summary>Where the upgrade tells what it does: step changes, node output, other lines. Called from several tasks at once.</summary>
internal interface IUpgradeProgress
{
    void Step(string node, string step, StepState state, string detail);

    void Output(string node, string line);

    void Line(string text);
}
