using System.Diagnostics;
using Pitcrew.Snapshots;

namespace Pitcrew.Tests.Snapshots;

public sealed class SnapshotFuzzTests : IClassFixture<SampleSnapshot>, IDisposable
{
    private const int Iterations = 3000;
    private static readonly TimeSpan PerFileBound = TimeSpan.FromSeconds(2);
    private readonly SampleSnapshot _sample;
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-fuzz-").FullName;

    public SnapshotFuzzTests(SampleSnapshot sample)
    {
        _sample = sample;
    }

    [Fact]
    public async Task Reader_OnRandomlyMutatedSnapshots_ReturnsAResultOrItsOwnFormatError()
    {
        var random = new Random(20261124);
        var outcomes = new Dictionary<string, int>();
        var path = Path.Combine(_dir, "mutant.db");
        for (var i = 0; i < Iterations; i++)
        {
            var mutant = Mutate(_sample.Bytes, random);
            await File.WriteAllBytesAsync(path, mutant, TestContext.Current.CancellationToken);
            var watch = Stopwatch.StartNew();
            string outcome;
            try
            {
                // Skip the trailer so mutations reach the structure walk instead of stopping at the hash.
                await SnapshotReader.ReadAsync(path, checkTrailer: i % 2 == 0, TestContext.Current.CancellationToken)
                    .WaitAsync(PerFileBound, TestContext.Current.CancellationToken);
                outcome = "read";
            }
            catch (SnapshotFormatException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                outcome = "exit " + e.ExitCode;
            }

            Assert.True(watch.Elapsed < PerFileBound, $"iteration {i} took {watch.Elapsed}");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        // The mutations must actually exercise the error paths, not only produce readable files.
        Assert.True(outcomes.Keys.Count(k => k.StartsWith("exit", StringComparison.Ordinal)) >= 2, string.Join(", ", outcomes));
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = original.ToArray();
        switch (random.Next(4))
        {
            case 0:
                return bytes[..random.Next(bytes.Length)];
            case 1:
                for (var n = random.Next(1, 9); n > 0; n--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                return bytes;
            case 2:
                // Aim at page headers and element arrays, where structure lives.
                var page = random.Next(bytes.Length / 4096);
                var offset = (page * 4096) + random.Next(64);
                bytes[Math.Min(offset, bytes.Length - 1)] ^= (byte)(1 << random.Next(8));
                return bytes;
            default:
                var start = random.Next(bytes.Length);
                Array.Clear(bytes, start, Math.Min(random.Next(1, 4096), bytes.Length - start));
                return bytes;
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
