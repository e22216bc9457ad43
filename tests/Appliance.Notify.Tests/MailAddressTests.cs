using Appliance.Config;
using static Appliance.Notify.Tests.Support;

namespace Appliance.Notify.Tests;

/// <summary>What the configuration reader accepts as a mail address, MimeKit must take at send time: else every mail fails until the file changes.</summary>
[TestClass]
public sealed class MailAddressTests
{
    private const string Minimal = """
        service:
          vip: 10.0.0.100
        servers:
          - { name: master, address: 10.0.0.1, port: 1 }
          - { name: slave, address: 10.0.0.2, port: 2 }
        notify:
        """;

    [TestMethod]
    [DataRow("it@example.com")]
    [DataRow("first.last+tag@example.com")]
    [DataRow("o'brien@example.com")]
    [DataRow("!#$%&'*+-/=?^_`{|}~@example.com")]
    [DataRow("it@10.0.0.1")]
    [DataRow("it@localhost")]
    [DataRow("it@example.com.")]
    [DataRow("a(b@example.com")]
    [DataRow(".a@example.com")]
    [DataRow("a.@example.com")]
    [DataRow("a..b@example.com")]
    [DataRow("a:b@example.com")]
    [DataRow("a;b@example.com")]
    [DataRow("\"a b\"@example.com")]
    [DataRow("a@b@example.com")]
    [DataRow("it@::1")]
    [DataRow("it@[198.18.0.1]")]
    [DataRow("é@example.com")]
    [DataRow("Box <box@example.com>")]
    public void WhatTheReaderAcceptsTheMailerSends(string address)
    {
        string quoted = "'" + address.Replace("'", "''", StringComparison.Ordinal) + "'";
        if (!ConfigLoader.TryParse($"{Minimal}\n  email: {{ server: mail.example, from: {quoted}, to: [{quoted}] }}", "appliance.yml", out var config, out _))
        {
            return;
        }
        var message = new EmailChannel(config.Notify.Email!, null).Compose(Delivery.Of(Failover(T0)));
        Assert.HasCount(1, message.From.Mailboxes);
        Assert.HasCount(1, message.To.Mailboxes);
    }
}
