using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Appliance.Policy;
using Appliance.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Api.Tests;

/// <summary>
/// <c>/api/update</c> on a loopback port with the real update component, its rauc a script that fails as RAUC does:
/// the refusals (401, 415, 400, 413, 409) and the upload streamed to the spool. RAUC itself: tests/Appliance.Integration.Tests/UpdateTests.cs.
/// </summary>
[TestClass]
public sealed class UpdateApiTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task RefusalsAndAnUploadHeldHalfWay()
    {
        var folder = Directory.CreateTempSubdirectory("update-api-");
        try
        {
            var rauc = Path.Combine(folder.FullName, "rauc");
            // As RAUC refuses a bundle: its reason last on standard error, after its log messages.
            File.WriteAllText(rauc, "#!/bin/sh\necho 'rauc-Message: 12:00:00.000: Reading bundle' >&2\necho 'signature verification failed: Verify error: self-signed certificate' >&2\nexit 1\n");
            File.SetUnixFileMode(rauc, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var paths = new UpdatePaths(Path.Combine(folder.FullName, "spool"), Path.Combine(folder.FullName, "run", "reboot"), Path.Combine(folder.FullName, "os-release"), rauc);
            var events = new EventLog();
            await using var update = new UpdateService(paths, events, TimeProvider.System, NullLogger.Instance);
            var token = ApiToken.LoadOrCreate(Path.Combine(folder.FullName, "api.token"), out _);
            var secret = (await File.ReadAllTextAsync(Path.Combine(folder.FullName, "api.token"), TestContext.CancellationToken)).Trim();
            var (api, port) = await ServeAsync(token, update);
            await using var served = api;
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            using var anonymous = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);

            var idle = JsonDocument.Parse(await http.GetStringAsync("api/update", TestContext.CancellationToken)).RootElement;
            Assert.AreEqual("idle", idle.GetProperty("operation").GetString());
            Assert.AreEqual(JsonValueKind.Null, idle.GetProperty("system").GetProperty("version").ValueKind, "no os-release: no version");
            Assert.AreEqual(0, idle.GetProperty("slots").GetArrayLength(), "rauc status fails: no slots");
            Assert.IsFalse(idle.GetProperty("reboot_needed").GetBoolean());

            using (var answer = await anonymous.PostAsync("api/update", Bytes(10), TestContext.CancellationToken)) Assert.AreEqual(HttpStatusCode.Unauthorized, answer.StatusCode);
            using (var answer = await anonymous.PostAsync("api/update/reboot", null, TestContext.CancellationToken)) Assert.AreEqual(HttpStatusCode.Unauthorized, answer.StatusCode);
            using (var answer = await http.PostAsync("api/update", new StringContent("x", Encoding.UTF8, "text/plain"), TestContext.CancellationToken)) Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, answer.StatusCode);
            using (var answer = await http.PostAsync("api/update", new StringContent("""{"url": "ftp://x/b"}""", Encoding.UTF8, "application/json"), TestContext.CancellationToken)) Assert.AreEqual(HttpStatusCode.BadRequest, answer.StatusCode);
            using (var answer = await http.PostAsync("api/update", new StringContent("[1]", Encoding.UTF8, "application/json"), TestContext.CancellationToken)) Assert.AreEqual(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.IsFalse(File.Exists(paths.RebootFile));
            StringAssert.StartsWith(await RawPostAsync(port, secret, $"Content-Length: {3L << 30}"), "HTTP/1.1 413");

            // An upload held after its first mebibyte: a second upload, a download and a reboot wait for its end (409).
            var body = new byte[3 * 1024 * 1024];
            Random.Shared.NextBytes(body);
            var release = new TaskCompletionSource();
            var upload = http.PostAsync("api/update", new HeldContent(body, 1024 * 1024, release.Task), TestContext.CancellationToken);
            var receiving = await WaitAsync(http, d => d.GetProperty("operation").GetString() == "receiving" && d.GetProperty("bytes").GetInt64() == 1024 * 1024);
            Assert.AreEqual(body.Length, receiving.GetProperty("total").GetInt64());
            Assert.AreEqual(33, receiving.GetProperty("progress").GetInt32());
            using (var answer = await http.PostAsync("api/update", Bytes(10), TestContext.CancellationToken)) Assert.AreEqual(HttpStatusCode.Conflict, answer.StatusCode);
            using (var answer = await http.PostAsync("api/update", new StringContent("""{"url": "http://127.0.0.1:9/b"}""", Encoding.UTF8, "application/json"), TestContext.CancellationToken))
            {
                Assert.AreEqual(HttpStatusCode.Conflict, answer.StatusCode);
            }
            using (var answer = await http.PostAsync("api/update/reboot", null, TestContext.CancellationToken)) Assert.AreEqual(HttpStatusCode.Conflict, answer.StatusCode);
            Assert.IsFalse(File.Exists(paths.RebootFile));
            CollectionAssert.AreEqual(body[..(1024 * 1024)], await File.ReadAllBytesAsync(paths.Bundle, TestContext.CancellationToken), "streamed to the spool as it comes");
            release.SetResult();
            using (var answer = await upload) Assert.AreEqual(HttpStatusCode.Accepted, answer.StatusCode, await answer.Content.ReadAsStringAsync(TestContext.CancellationToken));

            var failed = await WaitAsync(http, d => d.GetProperty("operation").GetString() == "failed");
            Assert.AreEqual("signature verification failed: Verify error: self-signed certificate", failed.GetProperty("error").GetString());
            Assert.AreEqual(body.Length, failed.GetProperty("bytes").GetInt64());
            Assert.IsFalse(File.Exists(paths.Bundle), "removed after the failure");
            var raised = events.Snapshot().Single(e => e.Kind == EventKind.UpdateFailed);
            StringAssert.Contains(raised.Message, "update failed: signature verification failed");
            Assert.AreEqual("update_failed", EventNames.Of(raised.Kind));

            using (var answer = await http.PostAsync("api/update/reboot", null, TestContext.CancellationToken)) Assert.AreEqual(HttpStatusCode.Accepted, answer.StatusCode);
            Assert.IsTrue(File.Exists(paths.RebootFile), "the reboot file is written");

            // Past Kestrel's own limit of 30 MB a request (a real bundle is hundreds of MB), and without Content-Length.
            const long large = 40L * 1024 * 1024;
            var stream = new StreamContent(new ZeroStream(large));
            stream.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using (var answer = await http.PostAsync("api/update", stream, TestContext.CancellationToken))
            {
                Assert.AreEqual(HttpStatusCode.Accepted, answer.StatusCode, await answer.Content.ReadAsStringAsync(TestContext.CancellationToken));
                Assert.AreEqual(large, JsonDocument.Parse(await answer.Content.ReadAsStringAsync(TestContext.CancellationToken)).RootElement.GetProperty("bytes").GetInt64());
            }
            await WaitAsync(http, d => d.GetProperty("operation").GetString() == "failed");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static ByteArrayContent Bytes(int count)
    {
        var content = new ByteArrayContent(new byte[count]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private async Task<JsonElement> WaitAsync(HttpClient http, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        JsonElement last;
        do
        {
            last = JsonDocument.Parse(await http.GetStringAsync("api/update", TestContext.CancellationToken)).RootElement.Clone();
            if (condition(last)) return last;
            await Task.Delay(50, TestContext.CancellationToken);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"not within 20 s: {last}");
        return last;
    }

    private static async Task<string> RawPostAsync(int port, string secret, string header)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /api/update HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {secret}\r\nContent-Type: application/octet-stream\r\n{header}\r\n\r\n"));
        using var reader = new StreamReader(stream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await reader.ReadLineAsync(timeout.Token) ?? "";
    }

    private static async Task<(ApiServer Api, int Port)> ServeAsync(ApiToken token, UpdateService update)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var api = ApiServer.Create(new IPEndPoint(IPAddress.Loopback, port), new StandInControl(), token, new HostFilter([IPAddress.Loopback], []),
            NullLoggerFactory.Instance, update: update);
        await api.StartAsync(CancellationToken.None);
        return (api, port);
    }

    /// <summary>Zeros, <c>length</c> of them, of unknown length to HttpClient (sent chunked), never in memory at once.</summary>
    private sealed class ZeroStream(long length) : Stream
    {
        private long _left = length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, _left);
            Array.Clear(buffer, offset, n);
            _left -= n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
