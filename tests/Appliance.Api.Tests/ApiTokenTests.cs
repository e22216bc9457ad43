using Appliance.Api;

[assembly: Parallelize(Scope = ExecutionScope.MethodLevel)]

namespace Appliance.Api.Tests;

/// <summary>The API token (issue 12, item 8): made private from its first byte, long enough, and checked as RFC 7235 says.</summary>
[TestClass]
public sealed class ApiTokenTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly string Root = Path.Combine(Path.GetTempPath(), "appliance-api-tests-" + Guid.NewGuid().ToString("N"));

    private static string TempDir()
    {
        string dir = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [ClassCleanup]
    public static void RemoveTempDirs()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    private static (ApiToken Token, string Text) Made()
    {
        string path = Path.Combine(TempDir(), "api.token");
        ApiToken token = ApiToken.LoadOrCreate(path, out bool created);
        Assert.IsTrue(created);
        return (token, File.ReadAllText(path).Trim());
    }

    private static ApiToken From(string content)
    {
        string path = Path.Combine(TempDir(), "api.token");
        File.WriteAllText(path, content);
        ApiToken token = ApiToken.LoadOrCreate(path, out bool created);
        Assert.IsFalse(created);
        return token;
    }

    [TestMethod]
    public void AMissingTokenIsMadePrivateWith48HexCharacters()
    {
        string path = Path.Combine(TempDir(), "sub", "api.token");
        ApiToken token = ApiToken.LoadOrCreate(path, out bool created);
        Assert.IsTrue(created);
        Assert.AreEqual(Private, File.GetUnixFileMode(path));
        string text = File.ReadAllText(path);
        Assert.MatchesRegex("^[0-9a-f]{48}\n$", text);
        Assert.IsTrue(token.Accepts("Bearer " + text.Trim()));
        Assert.AreEqual(path, Directory.GetFileSystemEntries(Path.GetDirectoryName(path)!).Single(), "no temporary file is left");
    }

    [TestMethod]
    [Timeout(120_000)]
    public void TheTokenFileIsNeverReadableByOthersEvenForAMoment()
    {
        // Another process watching the path: it must never see the file with more than owner read/write.
        // (Made with the default mode and tightened afterwards, the file was readable by anyone in between.)
        string dir = TempDir();
        string path = Path.Combine(dir, "api.token");
        using var stop = new CancellationTokenSource();
        int seen = 0;
        var watcher = Task.Run(() =>
        {
            var modes = new HashSet<UnixFileMode>();
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    modes.Add(File.GetUnixFileMode(path));
                    Interlocked.Increment(ref seen);
                }
                catch (IOException)
                {
                    // Not there (yet, or any more).
                }
            }
            return modes;
        });
        for (int i = 0; i < 2000 && (i < 200 || Volatile.Read(ref seen) < 200); i++)
        {
            ApiToken.LoadOrCreate(path, out bool created);
            Assert.IsTrue(created);
            // Long enough for the watcher to see the finished file too, so that "seen" proves it was watching.
            Thread.Sleep(1);
            File.Delete(path);
        }
        stop.Cancel();
        HashSet<UnixFileMode> observed = watcher.GetAwaiter().GetResult();
        Assert.IsGreaterThanOrEqualTo(200, seen, "the watcher saw the file too rarely to tell");
        CollectionAssert.AreEquivalent(new[] { Private }, observed.ToArray(), $"modes seen: {string.Join(", ", observed)}");
    }

    [TestMethod]
    public void ASymlinkAtTheTokenPathIsReplacedNotFollowed()
    {
        // A link planted where the token belongs must not make the firmware write (or chmod) its target.
        string dir = TempDir();
        string path = Path.Combine(dir, "api.token");
        string victim = Path.Combine(dir, "victim");
        File.CreateSymbolicLink(path, victim);
        ApiToken.LoadOrCreate(path, out bool created);
        Assert.IsTrue(created);
        Assert.IsFalse(File.Exists(victim), "the link was followed");
        Assert.IsNull(new FileInfo(path).LinkTarget, "the token is a file of its own");
        Assert.AreEqual(Private, File.GetUnixFileMode(path));
    }

    [TestMethod]
    [DataRow("short")]
    [DataRow("0123456789abcde")]
    public void ATokenOfFewerThan16CharactersRefusesEveryPost(string text)
    {
        ApiToken token = From(text + "\n");
        Assert.IsFalse(token.Accepts("Bearer " + text), "a short token can be guessed");
    }

    [TestMethod]
    public void AnUnusableTokenSaysWhy()
    {
        string dir = TempDir();
        string path = Path.Combine(dir, "api.token");
        File.WriteAllText(path, "short\n");
        ApiToken token = ApiToken.LoadOrCreate(path, out bool created);
        Assert.IsFalse(created, "the operator's file is kept");
        Assert.AreEqual($"the API token in {path} cannot be used: it has 5 characters; at least 16 are needed, as a shorter token can be guessed", token.Refusal);
        Assert.AreEqual("short\n", File.ReadAllText(path));

        File.WriteAllText(path, "0123456789 abcdef0123\n");
        Assert.AreEqual($"the API token in {path} cannot be used: it holds spaces or characters other than printable ASCII", ApiToken.LoadOrCreate(path, out _).Refusal);
        File.WriteAllText(path, new string('a', ApiToken.MaxFileBytes + 1));
        Assert.AreEqual($"the API token in {path} cannot be used: the file is larger than 4096 bytes, so it holds no token", ApiToken.LoadOrCreate(path, out _).Refusal);

        string blocked = Path.Combine(path, "api.token");
        ApiToken unmade = ApiToken.LoadOrCreate(blocked, out created);
        Assert.IsFalse(created);
        Assert.StartsWith($"the API token file {blocked} can be neither read (no such file) nor made (", unmade.Refusal);
        Assert.IsFalse(unmade.Accepts("Bearer " + new string('a', 48)));
    }

    [TestMethod]
    public void AClientReadsTheTokenOrLearnsWhyNot()
    {
        string path = Path.Combine(TempDir(), "api.token");
        Assert.IsNull(ApiToken.Read(path, out string? problem));
        Assert.AreEqual("no such file", problem);
        File.WriteAllText(path, "  0123456789abcdef \n");
        Assert.AreEqual("0123456789abcdef", ApiToken.Read(path, out problem));
        Assert.IsNull(problem);
        File.WriteAllText(path, "\n");
        Assert.IsNull(ApiToken.Read(path, out problem));
        Assert.AreEqual("the file is empty", problem);
        Assert.IsNull(ApiToken.Read(Path.GetDirectoryName(path)!, out problem));
        Assert.AreEqual("it is a directory", problem);
    }

    [TestMethod]
    public void ATokenOf16CharactersIsAccepted()
    {
        ApiToken token = From("0123456789abcdef\n");
        Assert.IsTrue(token.Accepts("Bearer 0123456789abcdef"));
    }

    [TestMethod]
    [DataRow("Bearer {0}")]
    [DataRow("bearer {0}")]
    [DataRow("BEARER {0}")]
    [DataRow("bEaReR {0}")]
    [DataRow("Bearer   {0}")]
    [DataRow("Bearer\t{0}")]
    [DataRow("  Bearer {0}  ")]
    public void TheSchemeIsCaseInsensitiveAndSpacesAreTolerated(string header)
    {
        (ApiToken token, string text) = Made();
        Assert.IsTrue(token.Accepts(string.Format(System.Globalization.CultureInfo.InvariantCulture, header, text)), header);
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("")]
    [DataRow("Bearer")]
    [DataRow("Bearer ")]
    [DataRow("Bearer{0}")]
    [DataRow("Basic {0}")]
    [DataRow("Bearer {0}x")]
    [DataRow("Bearer x{0}")]
    [DataRow("Bearer {0} {0}")]
    [DataRow("{0}")]
    public void AnythingElseIsRefused(string? header)
    {
        (ApiToken token, string text) = Made();
        string? value = header is null ? null : string.Format(System.Globalization.CultureInfo.InvariantCulture, header, text);
        Assert.IsFalse(token.Accepts(value), value);
    }
}
