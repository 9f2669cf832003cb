using Pitcrew.Errors;
using Pitcrew.Nodes;

namespace Pitcrew.Tests.Nodes;

public sealed class LabelSelectorTextTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front" };

    [Theory]
    [InlineData("", true)]
    [InlineData("app=web", true)]
    [InlineData("app==web,tier=front", true)]
    [InlineData("app!=web", false)]
    [InlineData("app in (db, web)", true)]
    [InlineData("app notin (db,web)", false)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("app=db", false)]
    public void Parse_KubectlSyntax_MatchesAsKubectl(string selector, bool matches) =>
        Assert.Equal(matches, LabelSelectorText.Parse(selector)(Labels));

    [Fact]
    public void Parse_Malformed_IsAUsageError()
    {
        var error = Assert.Throws<PitcrewException>(() => LabelSelectorText.Parse("app in web"));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("must be a valid label selector", error.Message, StringComparison.Ordinal);
    }
}
