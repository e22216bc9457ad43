using Appliance.Config;

namespace Appliance.Config.Tests;

/// <summary><c>notify:</c> which events are told by e-mail, webhook and syslog.</summary>
[TestClass]
public sealed class NotifyConfigTests
{
    private static ApplianceConfig Parse(string notify) => TestSupport.Parse(TestSupport.WithMinimal("notify:\n" + notify));

    [TestMethod]
    public void AbsentMeansNothingIsSent()
    {
        var notify = TestSupport.Parse(TestSupport.Minimal).Notify;
        Assert.IsFalse(notify.Any);
        Assert.AreEqual(NotifySeverity.Warning, notify.MinSeverity);
        Assert.AreEqual(TimeSpan.FromMinutes(5), notify.Window);
        Assert.AreEqual(3, notify.Burst);
    }

    [TestMethod]
    public void EveryKeyOfTheContract()
    {
        var notify = Parse("""
              min_severity: critical
              window: 20s
              burst: 2
              email:
                server: smtp.example.com:2525
                security: tls
                username: box@example.com
                password_file: /etc/appliance/smtp.password
                from: box@example.com
                to: [it@example.com, boss@example.com]
              webhook:
                url: https://chat.example.com/hooks/xyz
                format: chat
              syslog:
                server: 198.18.0.9
                transport: tcp
            """).Notify;
        Assert.AreEqual(NotifySeverity.Critical, notify.MinSeverity);
        Assert.AreEqual(TimeSpan.FromSeconds(20), notify.Window);
        Assert.AreEqual(2, notify.Burst);
        Assert.AreEqual(new EmailConfig("smtp.example.com", 2525, MailSecurity.Tls, "box@example.com", "/etc/appliance/smtp.password", "box@example.com", ["it@example.com", "boss@example.com"]), notify.Email);
        Assert.AreEqual(new WebhookConfig(new Uri("https://chat.example.com/hooks/xyz"), WebhookFormat.Chat), notify.Webhook);
        Assert.AreEqual(new SyslogConfig("198.18.0.9", 514, SyslogTransport.Tcp), notify.Syslog);
    }

    [TestMethod]
    public void PortsDefaultBySecurity()
    {
        Assert.AreEqual(587, Parse("  email: { server: mail.example, from: a@b.example, to: c@d.example }").Notify.Email!.Port);
        Assert.AreEqual(465, Parse("  email: { server: mail.example, security: tls, from: a@b.example, to: c@d.example }").Notify.Email!.Port);
        Assert.AreEqual(25, Parse("  email: { server: 10.0.0.9, security: none, from: a@b.example, to: c@d.example }").Notify.Email!.Port);
        Assert.AreEqual(WebhookFormat.Json, Parse("  webhook: { url: 'http://10.0.0.9:8080/hook' }").Notify.Webhook!.Format);
    }

    [TestMethod]
    public void WindowsInMinutesAndHours()
    {
        Assert.AreEqual(TimeSpan.FromMinutes(5), Parse("  window: 5m").Notify.Window);
        Assert.AreEqual(TimeSpan.FromHours(1), Parse("  window: 1h").Notify.Window);
        Assert.AreEqual(TimeSpan.FromSeconds(90), Parse("  window: 1.5m").Notify.Window);
        TestSupport.AssertSingle(TestSupport.WithMinimal("notify:\n  window: 5x"), 7, 11, "notify.window",
            "expected a duration such as 30s, 5m or 1h (units: ms, s, m, h), got \"5x\"");
        TestSupport.AssertSingle(TestSupport.WithMinimal("notify:\n  window: 100ms"), 7, 11, "notify.window", "must be from 1s to 24h, got \"100ms\"");
    }

    [TestMethod]
    public void ErrorsSayWhereAndWhat()
    {
        TestSupport.AssertSingle(TestSupport.WithMinimal("notify:\n  min_severity: loud"), 7, 17, "notify.min_severity",
            "expected one of info, warning, critical, got \"loud\"");
        TestSupport.AssertSingle(TestSupport.WithMinimal("notify:\n  email: { server: 'mail.example:0', from: a@b.example, to: c@d.example }"), 7, 20, "notify.email.server",
            "the port must be from 1 to 65535: expected HOST or HOST:PORT, e.g. smtp.example.com:587, got \"mail.example:0\"");
        TestSupport.AssertSingle(TestSupport.WithMinimal("notify:\n  email: { server: mail.example, to: c@d.example }"), 7, 10, "notify.email.from", "required key missing");
        TestSupport.AssertSingle(TestSupport.WithMinimal("notify:\n  email: { server: mail.example, from: a@b.example, to: [c@d.example, 'x y'] }"), 7, 71, "notify.email.to[1]",
            "expected a mail address such as it@example.com, got \"x y\"");
        TestSupport.AssertSingle(TestSupport.WithMinimal("notify:\n  email: { server: mail.example, username: u, from: a@b.example, to: c@d.example }"), 7, 44, "notify.email.password_file",
            "username is given without password_file: SMTP authentication needs both");
        TestSupport.AssertSingle(TestSupport.WithMinimal("notify:\n  webhook: { url: 'ftp://x.example/' }"), 7, 19, "notify.webhook.url",
            "expected an http or https URL such as https://chat.example.com/hooks/xyz, got \"ftp://x.example/\"");
        TestSupport.AssertSingle(TestSupport.WithMinimal("notify:\n  syslog: { server: 198.18.0.9:514, transport: tls }"), 7, 48, "notify.syslog.transport",
            "expected one of udp, tcp, got \"tls\"");
        TestSupport.AssertSingle(TestSupport.WithMinimal("notify:\n  syslog: { server: 198.18.0.9, transprt: tcp }"), 7, 33, "notify.syslog.transprt",
            "unknown key \"transprt\"; did you mean \"transport\"?");
        TestSupport.AssertSingle(TestSupport.WithMinimal("notify:\n  burst: 0"), 7, 10, "notify.burst", "expected an integer from 1 to 1000, got \"0\"");
    }

    /// <summary>
    /// Only what the mailer can send: MimeKit refuses a comment, a group or a stray dot in the local part at send
    /// time, and then every mail failed for an hour. The local part is an RFC 5322 dot-atom.
    /// </summary>
    [TestMethod]
    [DataRow("a(b@example.com")]
    [DataRow(".a@example.com")]
    [DataRow("a.@example.com")]
    [DataRow("a..b@example.com")]
    [DataRow("a:b@example.com")]
    [DataRow("a[b]@example.com")]
    [DataRow("it@::1")]
    [DataRow("a\\b@example.com")]
    public void AddressesTheMailerRefusesAreRefused(string address)
    {
        Assert.IsNotNull(ConfigReader.MailAddressProblem(address), address);
        string quoted = "'" + address + "'";
        Assert.AreEqual("notify.email.from", TestSupport.Single(TestSupport.WithMinimal($"notify:\n  email: {{ server: mail.example, from: {quoted}, to: c@d.example }}")).Key);
        Assert.AreEqual("notify.email.to", TestSupport.Single(TestSupport.WithMinimal($"notify:\n  email: {{ server: mail.example, from: a@b.example, to: {quoted} }}")).Key);
        Assert.AreEqual("notify.email.to[1]", TestSupport.Single(TestSupport.WithMinimal($"notify:\n  email: {{ server: mail.example, from: a@b.example, to: [c@d.example, {quoted}] }}")).Key);
    }

    [TestMethod]
    [DataRow("it@example.com")]
    [DataRow("first.last+tag@example.com")]
    [DataRow("o'brien@example.com")]
    [DataRow("!#$%&'*+-/=?^_`{|}~@example.com")]
    public void DotAtomAddressesAreAccepted(string address) => Assert.IsNull(ConfigReader.MailAddressProblem(address), address);
}
