using System.Globalization;

namespace Pitcrew.Doctor;

/// <summary>Durations and quantities as kubectl prints them: 45s, 12m, 3h20m, 5d; 512Mi; 250m.</summary>
internal static class Ages
{
    public static string Format(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            return "-" + Format(-age);
        }

        return age.TotalSeconds < 120 ? $"{(int)age.TotalSeconds}s"
            : age.TotalMinutes < 60 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? (age.Minutes == 0 ? $"{(int)age.TotalHours}h" : $"{(int)age.TotalHours}h{age.Minutes}m")
            : $"{(int)age.TotalDays}d";
    }

    public static string Since(DateTimeOffset? time, DateTimeOffset now) => time is { } t ? Format(now - t) + " ago" : "never";

    public static string Stamp(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "unknown";

    public static string Bytes(long bytes) =>
        bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.#}Gi" : bytes >= 1L << 20 ? $"{bytes / (double)(1L << 20):0.#}Mi" : $"{bytes / 1024.0:0.#}Ki";

    public static string Cpu(long milli) => milli % 1000 == 0 ? (milli / 1000).ToString(CultureInfo.InvariantCulture) : $"{milli}m";

    public static int Percent(long part, long whole) => whole <= 0 ? 0 : (int)(part * 100 / whole);
}
