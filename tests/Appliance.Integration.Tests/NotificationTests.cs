using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Notifications (notify: in the configuration) reach real receivers on the office side of a lab:
/// Debian's aiosmtpd as the mail server, an HTTP server for the webhook, a syslog reader on UDP and
/// TCP, all tools/notify-sink in the lab's client namespace, reached from the management address
/// through the switch as an office's servers would be.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed partial class NotificationTests
{
    private const int SmtpPort = 2525;
    private const int WebhookPort = 8025;
    private const int SyslogPort = 5514;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void AFailoverIsMailedWithinTwoSecondsAndPostedAndLogged()
    {
        using var lab = Host.NewLab();
        var client = lab.AddressOf("client");
        using var smtp = Sink(lab, "smtp", SmtpPort);
        using var hook = Sink(lab, "webhook", WebhookPort);
        using var syslog = Sink(lab, "syslog", SyslogPort);
        var config = lab.WriteConfig("probe=http");
        // The default rate limit (3 per 5m): the start takes one, and of the incident's four events
        // (link_down, health_down, hard_down, failover) the failover goes first.
        File.AppendAllText(config, $"""

            notify:
              min_severity: warning
              email:
                server: {client}:{SmtpPort}
                security: none
                from: box@lab.example
                to: [it@lab.example, boss@lab.example]
              webhook:
                url: http://{client}:{WebhookPort}/hooks/xyz
                format: json
              syslog:
                server: {client}:{SyslogPort}
                transport: udp

            """);
        using var firmware = Firmware.StartOn(lab, config);
        using var log = new LogOnFailure(firmware, TestContext, smtp, hook, syslog);
        lab.WaitServing("master", TimeSpan.FromSeconds(5));
        // firmware_started is a warning: the first mail says the box is up and the path works.
        WaitFor(smtp, m => Subject(m).Contains("started", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the firmware_started mail");

        // Taken before the fault command, which returns after the link is down: an upper bound of the latency.
        var pulled = DateTimeOffset.UtcNow;
        lab.Fault("link-down", "master");
        var mail = WaitFor(smtp, m => Subject(m).Contains("failover from master to slave", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the failover mail");
        var latency = At(mail) - pulled;
        var eventTime = DateTimeOffset.Parse(BodyField(mail, "time"), System.Globalization.CultureInfo.InvariantCulture);
        TestContext.WriteLine($"failover mail arrived {latency.TotalMilliseconds:0} ms after the link was pulled ({(At(mail) - eventTime).TotalMilliseconds:0} ms after the failover event)");
        Assert.IsLessThan(TimeSpan.FromSeconds(2), latency, "the failover mail within 2 s");
        StringAssert.StartsWith(Subject(mail), "[");
        StringAssert.Contains(Subject(mail), "critical: failover from master to slave");
        var body = mail.GetProperty("body").GetString()!;
        StringAssert.Contains(body, "event: failover");
        StringAssert.Contains(body, "server: slave");
        CollectionAssert.AreEqual(new[] { "it@lab.example", "boss@lab.example" }, mail.GetProperty("to").EnumerateArray().Select(e => e.GetString()).ToArray());
        Assert.AreEqual("box@lab.example", mail.GetProperty("from").GetString());
        Assert.IsLessThan(TimeSpan.FromSeconds(2), (pulled - eventTime).Duration(), "the body's time is the event's, in UTC");

        var posted = WaitFor(hook, m => m.GetProperty("body").GetString()!.Contains("\"event\":\"failover\"", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the failover webhook");
        Assert.AreEqual("/hooks/xyz", posted.GetProperty("path").GetString());
        StringAssert.StartsWith(posted.GetProperty("content_type").GetString(), "application/json");
        using (var json = JsonDocument.Parse(posted.GetProperty("body").GetString()!))
        {
            var e = json.RootElement;
            Assert.AreEqual("critical", e.GetProperty("severity").GetString());
            Assert.AreEqual("slave", e.GetProperty("server").GetString());
            StringAssert.StartsWith(e.GetProperty("message").GetString(), "failover from master to slave");
            Assert.IsGreaterThan(0L, e.GetProperty("seq").GetInt64());
            Assert.IsFalse(string.IsNullOrEmpty(e.GetProperty("box").GetString()));
            Assert.IsTrue(Rfc3339Utc().IsMatch(e.GetProperty("time").GetString()!), e.GetProperty("time").GetString());
        }

        var line = WaitFor(syslog, m => m.GetProperty("message").GetString()!.Contains(" failover [", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the failover in syslog");
        Assert.AreEqual("udp", line.GetProperty("transport").GetString());
        var message = line.GetProperty("message").GetString()!;
        Assert.IsTrue(Rfc5424Failover().IsMatch(message), $"an RFC 5424 line: {message}");

        var metrics = firmware.Metrics();
        StringAssert.Contains(metrics, "# TYPE appliance_notifications_total counter");
        Assert.IsGreaterThanOrEqualTo(2L, Metric(metrics, "email", "sent"), metrics);
        Assert.AreEqual(0L, Metric(metrics, "syslog", "dropped"));

        // appliance notify test: every channel, at once, through the API with the token.
        var test = Firmware.Run("notify", "test", "--config", config);
        Assert.AreEqual(0, test.ExitCode, test.Output + test.Error);
        StringAssert.Contains(test.Output, "test sent on 3 channels");
        StringAssert.Contains(test.Output, "email: sent: e-mail to it@lab.example, boss@lab.example");
        WaitFor(smtp, m => Subject(m).Contains("test notification", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the test mail");
        WaitFor(hook, m => m.GetProperty("body").GetString()!.Contains("\"event\":\"test\"", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the test webhook");
        WaitFor(syslog, m => m.GetProperty("message").GetString()!.Contains(" test [", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the test in syslog");
    }

    [TestMethod]
    public void FiftyFailoversInAMinuteCostBurstPlusOneMails()
    {
        using var lab = Host.NewLab();
        var client = lab.AddressOf("client");
        using var smtp = Sink(lab, "smtp", SmtpPort);
        using var syslog = Sink(lab, "syslog", SyslogPort);
        var window = TimeSpan.FromSeconds(60);
        const int Burst = 3;
        // Critical only: the failovers (and a no_healthy_server, if ever) count, not the firmware's start.
        // Patient probes: a busy test machine must not add downs of the slave to the flaps.
        var config = lab.WriteConfig("probe=http", "hold=off", "interval=50ms", "timeout=300ms");
        File.AppendAllText(config, $"""

            notify:
              min_severity: critical
              window: 60s
              burst: {Burst}
              email:
                server: {client}:{SmtpPort}
                security: none
                from: box@lab.example
                to: it@lab.example
              syslog:
                server: {client}:{SyslogPort}
                transport: tcp

            """);
        using var firmware = Firmware.StartOn(lab, config);
        using var log = new LogOnFailure(firmware, TestContext, smtp, syslog);
        lab.WaitServing("master", TimeSpan.FromSeconds(5));

        var started = Stopwatch.StartNew();
        for (var flap = 0; flap < 50; flap++)
        {
            lab.Fault("link-down", "master");
            WaitActive(firmware, "slave");
            lab.Fault("link-up", "master");
            WaitActive(firmware, "master");
        }
        var flapping = started.Elapsed;
        TestContext.WriteLine($"50 failovers and failbacks in {flapping.TotalSeconds:0.0} s");
        Assert.IsLessThan(window, flapping, "the flaps fit in one window");
        var critical = CriticalEvents(lab);
        var failovers = critical.Count(e => e.Kind == "failover" && e.Message.StartsWith("failover from master to slave", StringComparison.Ordinal));
        Assert.IsGreaterThanOrEqualTo(50, failovers);
        TestContext.WriteLine($"{critical.Count} critical events: {failovers} failovers from master to slave, {critical.Count - failovers} others ({string.Join(", ", critical.Where(e => e.Kind != "failover").Select(e => e.Kind).Distinct())})");

        // The digest leaves at the window's end: a minute after the first failover.
        var digest = WaitFor(smtp, m => Subject(m).Contains("rate limit digest", StringComparison.Ordinal), window - flapping + TimeSpan.FromSeconds(15), "the digest mail");
        var held = critical.Count - Burst;
        var mails = Received(smtp);
        TestContext.WriteLine($"{mails.Count} mails for {critical.Count} critical events: {string.Join(" | ", mails.Select(Subject))}");
        Assert.HasCount(Burst + 1, mails, "the burst, then one digest");
        Assert.AreEqual(Burst, mails.Count(m => Subject(m).Contains("] critical: ", StringComparison.Ordinal)));
        StringAssert.Contains(Subject(digest), $"{held} more events");
        Assert.AreEqual(held, Regex.Count(digest.GetProperty("body").GetString()!, @"\n\d{4}-\d\d-\d\dT[^ ]+Z critical "), "each held event in the digest, with its time");
        Assert.IsGreaterThanOrEqualTo(failovers - Burst, Regex.Count(digest.GetProperty("body").GetString()!, " critical failover: failover from master to slave"));

        var lines = WaitForCount(syslog, Burst + 1, TimeSpan.FromSeconds(5));
        Assert.IsTrue(lines.All(l => l.GetProperty("transport").GetString() == "tcp"));
        StringAssert.Contains(lines[^1].GetProperty("message").GetString(), $"[appliance@32473 event=\"digest\" severity=\"critical\" count=\"{held}\"]");
        var metrics = firmware.Metrics();
        Assert.AreEqual((long)held, Metric(metrics, "email", "collapsed"), metrics);
        Assert.AreEqual(Burst + 1L, Metric(metrics, "email", "sent"), metrics);
    }

    [TestMethod]
    public void AMailServerDownForAMinuteGetsTheQueuedMailWhenBack()
    {
        using var lab = Host.NewLab();
        var client = lab.AddressOf("client");
        var smtp = Sink(lab, "smtp", SmtpPort);
        try
        {
            var config = lab.WriteConfig("probe=http");
            // A burst large enough that no event waits for a digest: only the outage holds the mails back.
            File.AppendAllText(config, $"""

                notify:
                  window: 1m
                  burst: 20
                  email:
                    server: {client}:{SmtpPort}
                    security: none
                    from: box@lab.example
                    to: it@lab.example

                """);
            using var firmware = Firmware.StartOn(lab, config);
            using var log = new LogOnFailure(firmware, TestContext, smtp);
            lab.WaitServing("master", TimeSpan.FromSeconds(5));
            WaitFor(smtp, m => Subject(m).Contains("started", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the firmware_started mail");

            smtp.Stop(TimeSpan.FromSeconds(5));
            var down = DateTimeOffset.UtcNow;
            lab.Fault("link-down", "master");
            firmware.WaitForEvent("failover from master to slave", TimeSpan.FromSeconds(2));
            // A minute without a mail server; the firmware keeps trying (1 s, 2 s, 4 s, 8 s, then every 10 s).
            Thread.Sleep(TimeSpan.FromSeconds(60) - (DateTimeOffset.UtcNow - down));
            Assert.IsGreaterThanOrEqualTo(5L, Metric(firmware.Metrics(), "email", "failed"), "retried while the server was down");

            smtp.Dispose();
            smtp = Sink(lab, "smtp", SmtpPort);
            var back = DateTimeOffset.UtcNow;
            var mail = WaitFor(smtp, m => Subject(m).Contains("failover from master to slave", StringComparison.Ordinal), TimeSpan.FromSeconds(15), "the queued failover mail");
            TestContext.WriteLine($"mail server down {(back - down).TotalSeconds:0} s; the queued mail arrived {(At(mail) - back).TotalSeconds:0.0} s after it came back");
            Assert.IsLessThanOrEqualTo(TimeSpan.FromSeconds(12), At(mail) - back, "within the longest back-off (10 s) of its return");
            Assert.AreEqual(0L, Metric(firmware.Metrics(), "email", "dropped"));
        }
        finally
        {
            smtp.Dispose();
        }
    }

    private static LabProcess Sink(Lab lab, string kind, int port) =>
        lab.Start("client", "ready", Path.Combine(Sh.RepositoryRoot, "tools/notify-sink"), kind, $"{lab.AddressOf("client")}:{port}");

    private static List<JsonElement> Received(LabProcess sink) =>
        [.. sink.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private static JsonElement WaitFor(LabProcess sink, Func<JsonElement, bool> match, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (var m in Received(sink))
            {
                if (match(m)) return m;
            }
            if (DateTime.UtcNow > deadline) throw new AssertFailedException($"{what} did not arrive within {timeout.TotalSeconds:0.#} s; {sink.What} got:\n{sink.Output}");
            Thread.Sleep(10);
        }
    }

    private static List<JsonElement> WaitForCount(LabProcess sink, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Received(sink).Count < count && DateTime.UtcNow < deadline) Thread.Sleep(20);
        var got = Received(sink);
        Assert.HasCount(count, got, sink.Output);
        return got;
    }

    private static void WaitActive(Firmware firmware, string server)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (firmware.Status().GetProperty("active").GetString() != server)
        {
            if (DateTime.UtcNow > deadline) throw new AssertFailedException($"{server} did not become active within 3 s");
            Thread.Sleep(10);
        }
    }

    /// <summary>
    /// The critical events of the whole history (GET /api/events: /api/status shows only the newest
    /// 200, fewer than 50 flaps make): what <c>min_severity: critical</c> sends.
    /// </summary>
    private static List<(string Kind, string Message)> CriticalEvents(Lab lab)
    {
        string[] critical = ["failover", "no_healthy_server", "switch_disconnected", "config_refused", "config_rolled_back"];
        using var http = new HttpClient { BaseAddress = new Uri($"http://{lab.Plan.Api}/"), Timeout = TimeSpan.FromSeconds(5) };
        var found = new List<(string Kind, string Message)>();
        long after = 0;
        while (true)
        {
            using var page = JsonDocument.Parse(http.GetStringAsync($"api/events?after={after}&limit=500").GetAwaiter().GetResult());
            var events = page.RootElement.GetProperty("events").EnumerateArray().ToList();
            if (events.Count == 0) return found;
            foreach (var e in events)
            {
                var kind = e.GetProperty("kind").GetString()!;
                if (critical.Contains(kind)) found.Add((kind, e.GetProperty("message").GetString()!));
            }
            after = page.RootElement.GetProperty("next").GetInt64();
        }
    }

    private static string Subject(JsonElement mail) => mail.GetProperty("subject").GetString() ?? "";

    private static DateTimeOffset At(JsonElement received) =>
        DateTimeOffset.Parse(received.GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    private static string BodyField(JsonElement mail, string name) =>
        mail.GetProperty("body").GetString()!.Split('\n').Select(l => l.TrimEnd('\r')).First(l => l.StartsWith(name + ": ", StringComparison.Ordinal))[(name.Length + 2)..];

    private static long Metric(string metrics, string channel, string outcome)
    {
        var prefix = $"appliance_notifications_total{{channel=\"{channel}\",outcome=\"{outcome}\"}} ";
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")]
    private static partial Regex Rfc3339Utc();

    // PRI 26 = daemon (3) * 8 + crit (2); version 1; RFC 3339 UTC; host; app; pid; MSGID; SD; BOM; message.
    [GeneratedRegex("^<26>1 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z [!-~]{1,255} appliance \\d+ failover \\[appliance@32473 event=\"failover\" severity=\"critical\" server=\"slave\" seq=\"\\d+\"\\] \uFEFFfailover from master to slave")]
    private static partial Regex Rfc5424Failover();

    /// <summary>Prints the firmware's log and what the receivers got when the test fails.</summary>
    private sealed class LogOnFailure(Firmware firmware, TestContext context, params LabProcess[] sinks) : IDisposable
    {
        public void Dispose()
        {
            if (context.CurrentTestOutcome == UnitTestOutcome.Passed) return;
            context.WriteLine(firmware.Log);
            foreach (var sink in sinks) context.WriteLine($"{sink.What}:\n{sink.Output}");
        }
    }
}
