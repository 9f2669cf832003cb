namespace Pitcrew.Backups.Stores;

/// <summary>A parsed --store: a directory (a plain path, file:///absolute or file://relative) or s3://bucket[/prefix].</summary>
internal sealed record BackupStoreUrl(string Scheme, string Path, string? Bucket, string Prefix)
{
    public const string Usage = "want a directory (/var/backups/etcd, ./backups, file:///var/backups/etcd) or s3://bucket[/prefix]";

    public bool IsS3 => Scheme == "s3";

    /// <summary>Parses the flag; a relative directory is taken from <paramref name="baseDirectory"/> (the working directory when null).</summary>
    public static BackupStoreUrl Parse(string? text, string? baseDirectory = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new PitcrewException($"--store is required: {Usage}", ExitCodes.Usage);
        }

        if (text.StartsWith("file://", StringComparison.Ordinal) || !text.Contains("://", StringComparison.Ordinal))
        {
            // file://store names ./store, as a user means it, rather than a host "store" as RFC 8089 would.
            var path = text.StartsWith("file://", StringComparison.Ordinal) ? Uri.UnescapeDataString(text["file://".Length..]) : text;
            if (path.Length == 0)
            {
                throw new PitcrewException($"--store \"{text}\": no directory given ({Usage})", ExitCodes.Usage);
            }

            var full = System.IO.Path.GetFullPath(path, baseDirectory ?? Environment.CurrentDirectory);
            return new BackupStoreUrl("file", System.IO.Path.TrimEndingDirectorySeparator(full), null, string.Empty);
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
