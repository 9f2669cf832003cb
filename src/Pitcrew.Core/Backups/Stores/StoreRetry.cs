using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace Pitcrew.Backups.Stores;

/// <summary>Retries store calls on transport errors, throttling and 5xx with doubling delays, then fails with one clear line.</summary>
internal sealed class StoreRetry(string location, int attempts, TimeSpan firstDelay, TimeProvider time)
{
    public async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var delay = firstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsTransient(e))
            {
                if (attempt >= attempts)
                {
                    throw new PitcrewException(
                        $"{location}: {what} failed after {attempts} attempts: {Describe(e)}; check --s3-endpoint, the network and the service",
                        ExitCodes.Unavailable, e);
                }

                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                delay *= 2;
            }
            catch (AmazonS3Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                throw Translate(what, e);
            }
        }
    }

    public Task RunAsync(string what, Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        RunAsync<bool>(what, async ct =>
        {
            await call(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private PitcrewException Translate(string what, AmazonS3Exception e) => e.StatusCode switch
    {
        HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized => new PitcrewException(
            $"{location}: {what}: access denied ({e.ErrorCode}); check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the AWS profile", ExitCodes.TlsOrAuth, e),
        HttpStatusCode.NotFound when e.ErrorCode == "NoSuchBucket" => new PitcrewException(
            $"{location}: the bucket does not exist; create it first", ExitCodes.FileNotFound, e),
        HttpStatusCode.NotFound => new PitcrewException($"{location}: {what}: not found", ExitCodes.FileNotFound, e),
        _ => new PitcrewException($"{location}: {what}: {(int)e.StatusCode} {e.ErrorCode}: {e.Message}", ExitCodes.Failed, e),
    };

    private static bool IsTransient(Exception e) => e switch
    {
        AmazonS3Exception s3 => (int)s3.StatusCode >= 500 || s3.StatusCode == HttpStatusCode.TooManyRequests || s3.ErrorCode is "SlowDown" or "RequestTimeout"
            || (s3.StatusCode == 0 && s3.InnerException is not null && IsTransient(s3.InnerException)),
        AmazonServiceException service => service.StatusCode == 0 || (int)service.StatusCode >= 500,
        HttpRequestException or SocketException or IOException or TimeoutException or TaskCanceledException => true,
        // The SDK's MD5 check of a body read while another writer replaced the object.
        AmazonClientException client => client.Message.Contains("hash", StringComparison.OrdinalIgnoreCase)
            || (client.InnerException is not null && IsTransient(client.InnerException)),
        _ => false,
    };

    private static string Describe(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is not SocketException)
        {
            inner = inner.InnerException;
        }

        return inner.Message;
    }
}
