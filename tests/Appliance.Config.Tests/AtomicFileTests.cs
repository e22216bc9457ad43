using Appliance.Config;

namespace Appliance.Config.Tests;

[TestClass]
public sealed class AtomicFileTests
{
    private string _directory = "";

    [TestInitialize]
    public void MakeDirectory() => _directory = Directory.CreateTempSubdirectory("atomic-").FullName;

    [TestCleanup]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [TestMethod]
    public void ReplacesTheFileWithTheModeAskedAndLeavesNothingElse()
    {
        var path = Path.Combine(_directory, "state.json");
        File.WriteAllText(path, "old");

        AtomicFile.Write(path, "new"u8, AtomicFile.Private);

        Assert.AreEqual("new", File.ReadAllText(path));
        Assert.AreEqual(AtomicFile.Private, File.GetUnixFileMode(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(_directory));
    }

    [TestMethod]
    public void AReaderNeverSeesAHalfWrittenFile()
    {
        var path = Path.Combine(_directory, "state.json");
        byte[] a = [.. Enumerable.Repeat((byte)'a', 256 * 1024)], b = [.. Enumerable.Repeat((byte)'b', 256 * 1024)];
        AtomicFile.Write(path, a);
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var seen = File.ReadAllBytes(path);
                Assert.HasCount(a.Length, seen, "a partial file");
                Assert.IsTrue(seen.All(c => c == seen[0]), "a mix of two writes");
                Interlocked.Increment(ref reads);
            }
        });
        // On a loaded machine the reader may start late: write until it has read among the writes, a while at most.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        for (var i = 0; i < 100 || (Volatile.Read(ref reads) < 20 && DateTime.UtcNow < deadline && !reader.IsCompleted); i++) AtomicFile.Write(path, i % 2 == 0 ? b : a);
        stop.Cancel();
        reader.GetAwaiter().GetResult();
        Assert.IsGreaterThan(0, reads);
    }

    [TestMethod]
    public void AMissingDirectoryFailsAndLeavesNoTemporaryFile()
    {
        var path = Path.Combine(_directory, "absent", "state.json");
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => AtomicFile.Write(path, "x"u8));
        Assert.IsEmpty(Directory.GetFileSystemEntries(_directory));
    }

    [TestMethod]
    public void TheStateDirectoryIsSystemdsFirstElseVarLibAppliance()
    {
        var saved = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        try
        {
            Environment.SetEnvironmentVariable("STATE_DIRECTORY", "/var/lib/appliance:/var/lib/other");
            Assert.AreEqual("/var/lib/appliance", StateDirectory.Path);
            Environment.SetEnvironmentVariable("STATE_DIRECTORY", _directory);
            Assert.AreEqual(_directory, StateDirectory.Path);
            Environment.SetEnvironmentVariable("STATE_DIRECTORY", null);
            Assert.AreEqual(StateDirectory.Default, StateDirectory.Path);
        }
        finally
        {
            Environment.SetEnvironmentVariable("STATE_DIRECTORY", saved);
        }
    }
}
