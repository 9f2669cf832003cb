using Pitcrew.Errors;

namespace Pitcrew.Backups.Stores;

/// <summary>A parsed --store URL: file:///absolute/path or s3://bucket[/prefix].</summary>
internal sealed record BackupStoreUrl(string Scheme, string Path, string? Bucket, string Prefix)
{
    public const string Usage = "want file:///absolute/path or s3://bucket[/prefix]";

    public bool IsS3 => Scheme == "s3";

    public static BackupStoreUrl Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new PitcrewException($"--store is required: {Usage}", ExitCodes.Usage);
        }

        if (text.StartsWith("file://", StringComparison.Ordinal))
        {
            var path = Uri.UnescapeDataString(text["file://".Length..]);
            if (!path.StartsWith('/'))
            {
                throw new PitcrewException($"--store \"{text}\": a file store needs an absolute path ({Usage})", ExitCodes.Usage);
            }

            return new BackupStoreUrl("file", System.IO.Path.GetFullPath(path), null, string.Empty);
        }

        if (text.StartsWith("s3://", StringComparison.Ordinal))
        {
            var rest = text["s3://".Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var bucket = slash < 0 ? rest : rest[..slash];
            var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..].Trim('/');
            if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
            {
                throw new PitcrewException(
                    $"--store \"{text}\": \"{bucket}\" is not a valid bucket name (3-63 lowercase letters, digits, dots, hyphens)", ExitCodes.Usage);
            }

            return new BackupStoreUrl("s3", text, bucket, prefix.Length == 0 ? string.Empty : prefix + "/");
        }

        throw new PitcrewException($"--store \"{text}\": unknown scheme: {Usage}", ExitCodes.Usage);
    }

    public override string ToString() => IsS3 ? $"s3://{Bucket}/{Prefix}".TrimEnd('/') : "file://" + Path;
}
