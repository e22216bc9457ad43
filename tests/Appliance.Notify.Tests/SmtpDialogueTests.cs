using System.Net;
using System.Net.Sockets;
using System.Text;
using Appliance.Config;
using static Appliance.Notify.Tests.Support;

namespace Appliance.Notify.Tests;

/// <summary>The mail as an SMTP server hears it, from a minimal server on loopback (the real one, aiosmtpd, is in the integration tests).</summary>
[TestClass]
public sealed class SmtpDialogueTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AuthenticatesAndSendsTheMailToEveryRecipient()
    {
        using var server = new FakeSmtp();
        var password = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(password, "s3cret\n", TestContext.CancellationToken);
            var config = new EmailConfig("127.0.0.1", server.Port, MailSecurity.None, "box@example.com", password, "box@example.com", ["it@example.com", "boss@example.com"]);
            var serving = server.ServeOneAsync(TestContext.CancellationToken);
            await new EmailChannel(config, "http://10.0.0.6/").SendAsync(Delivery.Of(Failover(T0)), TestContext.CancellationToken);
            var transcript = await serving;

            StringAssert.Contains(transcript, "C: EHLO ");
            StringAssert.Contains(transcript, "C: AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0box@example.com\0s3cret")));
            StringAssert.Contains(transcript, "C: MAIL FROM:<box@example.com>");
            StringAssert.Contains(transcript, "C: RCPT TO:<it@example.com>");
            StringAssert.Contains(transcript, "C: RCPT TO:<boss@example.com>");
            StringAssert.Contains(transcript, "Subject: [box1] critical: failover from master to slave: master's link is down");
            StringAssert.Contains(transcript, "Date: Wed, 02 Dec 2026 07:40:09 +0000");
            StringAssert.Contains(transcript, "C: QUIT");
        }
        finally
        {
            File.Delete(password);
        }
    }

    [TestMethod]
    public async Task StartTlsIsRequiredWhenConfigured()
    {
        using var server = new FakeSmtp();
        var config = new EmailConfig("127.0.0.1", server.Port, MailSecurity.StartTls, null, null, "box@example.com", ["it@example.com"]);
        var serving = server.ServeOneAsync(TestContext.CancellationToken);
        // The fake server offers no STARTTLS: the mail must not go out in clear text.
        await Assert.ThrowsAsync<NotSupportedException>(() => new EmailChannel(config, null).SendAsync(Delivery.Of(Failover(T0)), TestContext.CancellationToken));
        var transcript = await serving;
        Assert.DoesNotContain("MAIL FROM", transcript);
    }

    /// <summary>Answers one client's dialogue (EHLO, AUTH, MAIL, RCPT, DATA, QUIT) and returns it as heard.</summary>
    private sealed class FakeSmtp : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public FakeSmtp() => _listener.Start();

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public async Task<string> ServeOneAsync(CancellationToken cancel)
        {
            var transcript = new StringBuilder();
            using var client = await _listener.AcceptTcpClientAsync(cancel);
            using var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 fake ESMTP");
            while (await reader.ReadLineAsync(cancel) is { } line)
            {
                transcript.Append("C: ").Append(line).Append('\n');
                var verb = line.Split(' ')[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-fake\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME");
                        break;
                    case "AUTH":
                        await writer.WriteLineAsync("235 2.7.0 ok");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 go on");
                        while (await reader.ReadLineAsync(cancel) is { } data && data != ".") transcript.Append(data).Append('\n');
                        await writer.WriteLineAsync("250 2.0.0 queued");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 bye");
                        return transcript.ToString();
                    default:
                        await writer.WriteLineAsync("250 ok");
                        break;
                }
            }
            return transcript.ToString();
        }

        public void Dispose() => _listener.Stop();
    }
}
