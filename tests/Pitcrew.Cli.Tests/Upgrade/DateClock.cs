namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>The system clock moved to another date: time runs (timeouts and delays work) from a fixed moment.</summary>
internal sealed class DateClock(DateTimeOffset start) : TimeProvider
{
    private readonly long _began = System.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => start + System.GetElapsedTime(_began);
}
