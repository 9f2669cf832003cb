using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Pitcrew.Backups.Stores;

/// <summary>
/// Objects under s3://bucket/prefix/ through AWSSDK.S3: path-style addressing for S3-compatible services, the AWS
/// credential chain, multipart uploads with bounded buffers, and <see cref="StoreRetry"/> around every call.
/// </summary>
internal sealed class S3BackupStore : IBackupStore
{
    private const string DefaultRegion = "us-east-1";
    private static readonly TimeSpan CreateSettleDelay = TimeSpan.FromSeconds(1);
    private readonly TimeProvider _time;

    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly StoreRetry _retry;

    public S3BackupStore(StoreOptions options, TimeProvider time)
    {
        _bucket = options.Url.Bucket!;
        _prefix = options.Url.Prefix;
        Location = options.Url.ToString();
        _retry = new StoreRetry(Location, options.Attempts, options.RetryDelay, time);
        _time = time;
        var region = options.Environment("AWS_REGION") ?? options.Environment("AWS_DEFAULT_REGION") ?? DefaultRegion;
        var config = new AmazonS3Config
        {
            ForcePathStyle = true,
            // Our own retries (with the user's clock and a final clear message) replace the SDK's.
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromSeconds(60),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.S3Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        var key = options.Environment("AWS_ACCESS_KEY_ID");
        var secret = options.Environment("AWS_SECRET_ACCESS_KEY");
        _client = key is not null && secret is not null
            ? new AmazonS3Client(
                options.Environment("AWS_SESSION_TOKEN") is { } token ? new SessionAWSCredentials(key, secret, token) : new BasicAWSCredentials(key, secret),
                config)
            : new AmazonS3Client(config);
    }

    public string Location { get; }

    public bool AtomicCreate => false;

    public Task<IObjectUpload> OpenWriteAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult<IObjectUpload>(new S3Upload(this, name));

    public async Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        var response = await _retry.RunAsync($"get {name}",
            ct => _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = _prefix + name }, ct), cancellationToken).ConfigureAwait(false);
        return new ResponseStream(response);
    }

    public async Task<byte[]?> ReadSmallAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.RunAsync($"get {name}", async ct =>
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = _prefix + name }, ct).ConfigureAwait(false);
                using var copy = new MemoryStream();
                await response.ResponseStream.CopyToAsync(copy, ct).ConfigureAwait(false);
                return copy.ToArray();
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (PitcrewException e) when (e.ExitCode == ExitCodes.FileNotFound && e.InnerException is AmazonS3Exception { ErrorCode: not "NoSuchBucket" })
        {
            return null;
        }
        catch (PitcrewException e) when (e.InnerException is Amazon.Runtime.AmazonClientException { Message: "Expected hash not equal to calculated hash" })
        {
            // Every read disagreed with the object's own checksum: it is damaged in the store (s3rver can keep the body of one
            // of two racing writes and the ETag of the other), not out of reach.
            throw new PitcrewException($"{Location}: {name} is damaged in the store: its content does not match its checksum", ExitCodes.Corrupt, e);
        }
    }

    public async Task<StoredObject?> StatAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var head = await _retry.RunAsync($"head {name}",
                ct => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = _prefix + name }, ct),
                cancellationToken).ConfigureAwait(false);
            return new StoredObject(name, head.ContentLength, new DateTimeOffset(head.LastModified ?? DateTime.UtcNow, TimeSpan.Zero), head.ETag?.Trim('"'));
        }
        catch (PitcrewException e) when (e.ExitCode == ExitCodes.FileNotFound && e.InnerException is AmazonS3Exception { ErrorCode: not "NoSuchBucket" })
        {
            return null;
        }
    }

    /// <remarks>A GET per listed backup would cost a request each; the listing's credentials read the bucket in practice.</remarks>
    public Task<bool> CanReadAsync(string name, CancellationToken cancellationToken) => Task.FromResult(true);

    public async Task<IReadOnlyList<StoredObject>> ListAsync(CancellationToken cancellationToken)
    {
        var objects = new List<StoredObject>();
        string? token = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix, ContinuationToken = token };
            var page = await _retry.RunAsync("list", ct => _client.ListObjectsV2Async(request, ct), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                var name = item.Key[_prefix.Length..];
                if (!name.Contains('/', StringComparison.Ordinal))
                {
                    objects.Add(new StoredObject(name, item.Size ?? 0, new DateTimeOffset(item.LastModified ?? DateTime.UtcNow, TimeSpan.Zero), item.ETag?.Trim('"')));
                }
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return [.. objects.OrderBy(o => o.Name, StringComparer.Ordinal)];
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        _retry.RunAsync($"delete {name}", ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = _prefix + name }, ct),
            cancellationToken);

    /// <summary>If-None-Match: * where the service honours it; otherwise check, put and read back (best effort, documented).</summary>
    public async Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (await StatAsync(name, cancellationToken).ConfigureAwait(false) is not null)
        {
            return false;
        }

        try
        {
            await PutAsync(name, content, ifNoneMatch: true, cancellationToken).ConfigureAwait(false);
        }
        catch (PitcrewException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict })
        {
            return false;
        }

        if (!await HoldsAsync(name, content, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        // A racer that checked before our put may overwrite it just after our read-back: look again once it would have landed.
        await Task.Delay(CreateSettleDelay, _time, cancellationToken).ConfigureAwait(false);
        return await HoldsAsync(name, content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the object holds what this writer put. A torn object (the body of one racing put and the checksum of the
    /// other, as s3rver keeps them) is removed: both racers lose, and the next attempt starts from nothing.
    /// </summary>
    private async Task<bool> HoldsAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        try
        {
            var stored = await ReadSmallAsync(name, cancellationToken).ConfigureAwait(false);
            return stored is not null && stored.AsSpan().SequenceEqual(content.Span);
        }
        catch (PitcrewException e) when (e.ExitCode == ExitCodes.Corrupt)
        {
            await DeleteAsync(name, cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    public Task PutSmallAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        PutAsync(name, content, ifNoneMatch: false, cancellationToken);

    public async Task<int> AbortStaleUploadsAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        ListMultipartUploadsResponse uploads;
        try
        {
            uploads = await _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _bucket, Prefix = _prefix }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (AmazonS3Exception)
        {
            // Some S3-compatible services do not list uploads; their incomplete parts expire by bucket policy instead.
            return 0;
        }

        var stale = (uploads.MultipartUploads ?? []).Where(u => u.Initiated is { } at && new DateTimeOffset(at, TimeSpan.Zero) < before).ToList();
        foreach (var upload in stale)
        {
            await AbortAsync(upload.Key, upload.UploadId, cancellationToken).ConfigureAwait(false);
        }

        return stale.Count;
    }

    public void Dispose() => _client.Dispose();

    internal Task<InitiateMultipartUploadResponse> InitiateAsync(string name, CancellationToken cancellationToken) =>
        _retry.RunAsync($"start upload of {name}",
            ct => _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = _prefix + name }, ct), cancellationToken);

    internal Task<UploadPartResponse> UploadPartAsync(string name, string uploadId, int number, ReadOnlyMemory<byte> part, CancellationToken cancellationToken) =>
        _retry.RunAsync($"upload part {number} of {name}", ct => _client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _bucket,
            Key = _prefix + name,
            UploadId = uploadId,
            PartNumber = number,
            PartSize = part.Length,
            InputStream = new ReadOnlyMemoryStream(part),
            UseChunkEncoding = false,
        }, ct), cancellationToken);

    internal Task CompleteAsync(string name, string uploadId, IEnumerable<PartETag> parts, CancellationToken cancellationToken) =>
        _retry.RunAsync($"complete upload of {name}", ct => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _bucket,
            Key = _prefix + name,
            UploadId = uploadId,
            PartETags = [.. parts],
        }, ct), cancellationToken);

    internal async Task AbortAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = uploadId }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
        {
            // Best effort: the next create removes incomplete uploads older than its lock.
        }
    }

    internal string KeyOf(string name) => _prefix + name;

    internal Task PutAsync(string name, ReadOnlyMemory<byte> content, bool ifNoneMatch, CancellationToken cancellationToken) =>
        _retry.RunAsync($"put {name}", ct =>
        {
            var request = new PutObjectRequest
            {
                BucketName = _bucket,
                Key = _prefix + name,
                InputStream = new ReadOnlyMemoryStream(content),
                UseChunkEncoding = false,
            };
            if (ifNoneMatch)
            {
                request.IfNoneMatch = "*";
            }

            return _client.PutObjectAsync(request, ct);
        }, cancellationToken);

    /// <summary>Disposes the GetObject response along with its body.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : DelegatingReadStream(response.ResponseStream)
    {
        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                response.Dispose();
            }
        }
    }
}
