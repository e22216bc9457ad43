using System.Buffers;
using System.Globalization;
using Appliance.Config.Yaml;

namespace Appliance.Config;

/// <summary><c>notify:</c> which events are told by e-mail, webhook and syslog, and how often at most.</summary>
internal sealed partial class ConfigReader
{
    private static readonly (string Name, NotifySeverity Value)[] SeverityNames =
        [("info", NotifySeverity.Info), ("warning", NotifySeverity.Warning), ("critical", NotifySeverity.Critical)];

    private static readonly (string Name, MailSecurity Value)[] SecurityNames =
        [("starttls", MailSecurity.StartTls), ("tls", MailSecurity.Tls), ("none", MailSecurity.None)];

    private static readonly (string Name, WebhookFormat Value)[] FormatNames = [("json", WebhookFormat.Json), ("chat", WebhookFormat.Chat)];

    private static readonly (string Name, SyslogTransport Value)[] TransportNames = [("udp", SyslogTransport.Udp), ("tcp", SyslogTransport.Tcp)];

    private NotifyConfig? ReadNotify(Section root)
    {
        Section notify = root.Child("notify");
        NotifySeverity? min = notify.Enum("min_severity", ConfigDefaults.NotifyMinSeverity, SeverityNames);
        TimeSpan? window = ReadWindow(notify);
        int? burst = notify.Int("burst", ConfigDefaults.NotifyBurst, 1, ConfigLimits.MaxNotifyBurst);
        bool emailOk = ReadEmail(notify, out EmailConfig? email);
        bool webhookOk = ReadWebhook(notify, out WebhookConfig? webhook);
        bool syslogOk = ReadSyslog(notify, out SyslogConfig? syslog);
        if (min is null || window is null || burst is null || !emailOk || !webhookOk || !syslogOk)
        {
            return null;
        }
        return new NotifyConfig(min.Value, window.Value, burst.Value, email, webhook, syslog);
    }

    /// <summary><c>notify.window</c>: a duration, in minutes (5m) and hours (1h) too, unlike the health timings.</summary>
    private TimeSpan? ReadWindow(Section notify)
    {
        const string Expected = "a duration such as 30s, 5m or 1h";
        if (!notify.TryScalar("window", Expected, out YScalar? s, out bool present))
        {
            return present ? null : ConfigDefaults.NotifyWindow;
        }
        if (!TryParseLongDuration(s.Value, out TimeSpan window, out string? error))
        {
            Error(s.Pos, notify.KeyPath("window"), $"{error}, got {s.Describe()}");
            return null;
        }
        if (window < ConfigLimits.MinNotifyWindow || window > ConfigLimits.MaxNotifyWindow)
        {
            Error(s.Pos, notify.KeyPath("window"), $"must be from 1s to 24h, got {s.Describe()}");
            return null;
        }
        return window;
    }

    /// <summary>"5m", "1h", "1.5m", or anything <see cref="ConfigDuration"/> reads ("30s", "500ms").</summary>
    internal static bool TryParseLongDuration(string text, out TimeSpan value, out string? error)
    {
        value = default;
        error = null;
        TimeSpan unit = text.EndsWith('h') ? TimeSpan.FromHours(1)
            : text.EndsWith('m') && !text.EndsWith("ms", StringComparison.Ordinal) ? TimeSpan.FromMinutes(1)
            : TimeSpan.Zero;
        if (unit == TimeSpan.Zero)
        {
            if (ConfigDuration.TryParse(text, out value, out error))
            {
                return true;
            }
            error = "expected a duration such as 30s, 5m or 1h (units: ms, s, m, h)";
            return false;
        }
        string number = text[..^1];
        if (number.Length == 0 || number.Length > 12 || !number.All(c => char.IsAsciiDigit(c) || c == '.')
            || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal amount) || amount <= 0)
        {
            error = "expected a duration such as 30s, 5m or 1h (units: ms, s, m, h)";
            return false;
        }
        value = TimeSpan.FromTicks((long)(amount * unit.Ticks));
        return true;
    }

    private bool ReadEmail(Section notify, out EmailConfig? email)
    {
        email = null;
        if (notify.Node("email") is null or YScalar { IsNull: true })
        {
            return true;
        }
        Section section = notify.Child("email");
        MailSecurity? security = section.Enum("security", MailSecurity.StartTls, SecurityNames);
        int defaultPort = security switch
        {
            MailSecurity.Tls => ConfigDefaults.SmtpsPort,
            MailSecurity.None => ConfigDefaults.SmtpPort,
            _ => ConfigDefaults.SmtpSubmissionPort,
        };
        (string Host, int Port)? server = ReadHostPort(section, "server", defaultPort, "smtp.example.com:587");
        string? username = section.String("username", "", s => s.Length == 0 || s.Any(char.IsControl) ? "" : null, "a user name");
        string? passwordFile = section.String("password_file", "", s => s.Length == 0 || s.Contains('\0', StringComparison.Ordinal) ? "" : null, "a file path, e.g. /etc/appliance/smtp.password");
        string? from = section.String("from", null, MailAddressProblem, "a mail address such as box@example.com");
        List<string>? to = ReadRecipients(section);
        if (username is not null && passwordFile is not null && (username.Length > 0) != (passwordFile.Length > 0))
        {
            string missing = username.Length > 0 ? "password_file" : "username";
            string given = username.Length > 0 ? "username" : "password_file";
            Error(section.Node(given)!.Pos, section.KeyPath(missing), $"{given} is given without {missing}: SMTP authentication needs both");
            return false;
        }
        if (!section.Valid || security is null || server is null || username is null || passwordFile is null || from is null || to is null)
        {
            return false;
        }
        email = new EmailConfig(server.Value.Host, server.Value.Port, security.Value, username.Length > 0 ? username : null,
            passwordFile.Length > 0 ? passwordFile : null, from, to);
        return true;
    }

    /// <summary><c>notify.email.to</c>: one address or a list of them.</summary>
    private List<string>? ReadRecipients(Section email)
    {
        const string Expected = "a mail address such as it@example.com";
        string key = email.KeyPath("to");
        switch (email.Node("to"))
        {
            case null:
                if (email.Valid)
                {
                    Error(email.Pos, key, "required key missing");
                }
                return null;
            case YScalar { IsNull: false } one:
                if (MailAddressProblem(one.Value) is { } why)
                {
                    Error(one.Pos, key, why.Length > 0 ? why : $"expected {Expected}, got {one.Describe()}");
                    return null;
                }
                return [one.Value];
            case YSequence { Items.Count: > 0 } seq:
                if (seq.Items.Count > ConfigLimits.MaxNotifyRecipients)
                {
                    Error(seq.Pos, key, $"at most {ConfigLimits.MaxNotifyRecipients} addresses, got {seq.Items.Count}");
                    return null;
                }
                var list = new List<string>();
                bool valid = true;
                for (int i = 0; i < seq.Items.Count; i++)
                {
                    YNode item = seq.Items[i];
                    if (item is YScalar { IsNull: false } s && MailAddressProblem(s.Value) is null)
                    {
                        list.Add(s.Value);
                        continue;
                    }
                    Error(item.Pos, $"{key}[{i}]", $"expected {Expected}, got {item.Describe()}");
                    valid = false;
                }
                return valid ? list : null;
            case YNode other:
                Error(other.Pos, key, $"expected a list of mail addresses, e.g. [it@example.com], got {other.Describe()}");
                return null;
        }
    }

    /// <summary>
    /// Why <paramref name="address"/> is not a bare mail address (local@domain); null when it is one, "" for the usual
    /// message. The local part must be an RFC 5322 dot-atom: MimeKit refuses a comment, a group, a quoted or stray-dotted
    /// local part only when the mail is sent, and then every mail would fail until the configuration changes.
    /// </summary>
    internal static string? MailAddressProblem(string address)
    {
        int at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1 || address.Length > 254 || !IsDotAtom(address.AsSpan(0, at)))
        {
            return "";
        }
        // A bare IPv6 address is no mail domain (that would be [IPv6:…]).
        string domain = address[(at + 1)..];
        return HostnameProblem(domain) is null && !domain.Contains(':', StringComparison.Ordinal) ? null : "";
    }

    /// <summary>RFC 5322 3.2.3 atext, and the dots between its runs.</summary>
    private static readonly SearchValues<char> DotAtomChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~.");

    /// <summary>Runs of atext separated by single dots: no leading, trailing or doubled dot.</summary>
    private static bool IsDotAtom(ReadOnlySpan<char> local) =>
        !local.IsEmpty && local[0] != '.' && local[^1] != '.' && !local.Contains("..", StringComparison.Ordinal) && !local.ContainsAnyExcept(DotAtomChars);

    private bool ReadWebhook(Section notify, out WebhookConfig? webhook)
    {
        webhook = null;
        if (notify.Node("webhook") is null or YScalar { IsNull: true })
        {
            return true;
        }
        Section section = notify.Child("webhook");
        Uri? url = section.Parsed<Uri>("url", null, "an http or https URL such as https://chat.example.com/hooks/xyz", TryParseWebhookUrl);
        if (url is null && section.Node("url") is null && section.Valid)
        {
            Error(section.Pos, section.KeyPath("url"), "required key missing");
        }
        WebhookFormat? format = section.Enum("format", WebhookFormat.Json, FormatNames);
        if (!section.Valid || url is null || format is null)
        {
            return false;
        }
        webhook = new WebhookConfig(url, format.Value);
        return true;
    }

    private static bool TryParseWebhookUrl(string text, out Uri? url, out string? error)
    {
        error = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0
            || text.Any(char.IsControl))
        {
            url = null;
            error = $"expected an http or https URL such as https://chat.example.com/hooks/xyz, got \"{YScalar.Quote(text)}\"";
            return false;
        }
        return true;
    }

    private bool ReadSyslog(Section notify, out SyslogConfig? syslog)
    {
        syslog = null;
        if (notify.Node("syslog") is null or YScalar { IsNull: true })
        {
            return true;
        }
        Section section = notify.Child("syslog");
        (string Host, int Port)? server = ReadHostPort(section, "server", ConfigDefaults.SyslogPort, "198.18.0.9:514");
        SyslogTransport? transport = section.Enum("transport", SyslogTransport.Udp, TransportNames);
        if (!section.Valid || server is null || transport is null)
        {
            return false;
        }
        syslog = new SyslogConfig(server.Value.Host, server.Value.Port, transport.Value);
        return true;
    }

    /// <summary>A required <c>HOST[:PORT]</c>: a host name or IPv4 address, the port from 1 to 65535 (else <paramref name="defaultPort"/>).</summary>
    private (string Host, int Port)? ReadHostPort(Section section, string key, int defaultPort, string example)
    {
        string expected = $"HOST or HOST:PORT, e.g. {example}";
        if (!section.TryScalar(key, expected, out YScalar? s, out _, required: true))
        {
            return null;
        }
        string text = s.Value;
        string host = text;
        int port = defaultPort;
        int colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            host = text[..colon];
            string digits = text[(colon + 1)..];
            if (digits.Length is 0 or > 5 || !digits.All(char.IsAsciiDigit) || (port = int.Parse(digits, CultureInfo.InvariantCulture)) is < 1 or > 65535)
            {
                Error(s.Pos, section.KeyPath(key), $"the port must be from 1 to 65535: expected {expected}, got {s.Describe()}");
                return null;
            }
        }
        if (HostnameProblem(host) is not null || host.Contains(':', StringComparison.Ordinal))
        {
            Error(s.Pos, section.KeyPath(key), $"expected {expected} (a host name or an IPv4 address), got {s.Describe()}");
            return null;
        }
        return (host, port);
    }
}
