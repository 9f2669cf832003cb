namespace Pitcrew.Testing;

/// <summary>The unprivileged accounts scripts/setup.sh adds for tests that must not run as root.</summary>
public static class TestAccounts
{
    /// <summary>May run anything as root through sudo without a password.</summary>
    public const string Sudo = "pitcrew-sudo";

    /// <summary>May not use sudo at all.</summary>
    public const string NoSudo = "pitcrew-nosudo";

    /// <summary>Whether the account exists; tests fail with the fix when it does not.</summary>
    public static bool Exists(string user) => File.ReadLines("/etc/passwd").Any(line => line.StartsWith(user + ":", StringComparison.Ordinal));

    public static string Missing(string user) => $"user {user} missing: run scripts/setup.sh";
}
