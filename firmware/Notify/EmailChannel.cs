using System.Globalization;
using System.Text;
using Appliance.Config;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Appliance.Notify;

/// <summary>
/// E-mail through the office's SMTP server with MailKit: one connection per message (notifications
/// are rare, and a connection kept open would be closed by the server's idle timeout anyway),
/// STARTTLS or TLS as configured, AUTH when a user name is given. The password is read from
/// <c>password_file</c> at each send (at most 4096 bytes, a regular file), so a changed password needs no restart.
/// </summary>
public sealed class EmailChannel(EmailConfig config, string? statusPage) : INotifyChannel
{
    /// <summary>The longest any step of the dialogue may take (MailKit's per-operation timeout).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Largest password file read (as <c>api.token_file</c>): a password is one line.</summary>
    public const int MaxPasswordFileBytes = 4096;

    public string Name => "email";

    public string Describe() =>
        $"e-mail to {string.Join(", ", config.To)} via {config.Host}:{config.Port.ToString(CultureInfo.InvariantCulture)} ({SecurityName(config.Security)}{(config.Username is null ? "" : $", AUTH as {config.Username}")})";

    public async Task SendAsync(Delivery delivery, CancellationToken cancel)
    {
        var message = Compose(delivery);
        string? password = config.PasswordFile is { } file ? ReadPassword(file) : null;
        using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        await client.ConnectAsync(config.Host, config.Port, Options(config.Security), cancel).ConfigureAwait(false);
        if (config.Username is { } user) await client.AuthenticateAsync(user, password ?? "", cancel).ConfigureAwait(false);
        await client.SendAsync(message, cancel).ConfigureAwait(false);
        await client.DisconnectAsync(quit: true, cancel).ConfigureAwait(false);
    }

    /// <summary>The mail: plain text, dated with the event's time (UTC).</summary>
    public MimeMessage Compose(Delivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(config.From));
        foreach (var to in config.To) message.To.Add(MailboxAddress.Parse(to));
        message.Subject = MailText.Subject(delivery);
        message.Date = (delivery.Single?.Time ?? delivery.Time).ToUniversalTime();
        message.Headers.Add("X-Appliance-Event", delivery.Single?.Event ?? "digest");
        message.Body = new TextPart("plain") { Text = MailText.Body(delivery, statusPage) };
        return message;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal static SecureSocketOptions Options(MailSecurity security) => security switch
    {
        MailSecurity.Tls => SecureSocketOptions.SslOnConnect,
        MailSecurity.None => SecureSocketOptions.None,
        _ => SecureSocketOptions.StartTls,
    };

    internal static string SecurityName(MailSecurity security) => security switch
    {
        MailSecurity.Tls => "tls",
        MailSecurity.None => "no encryption",
        _ => "starttls",
    };

    /// <summary>
    /// The password: the first line of <paramref name="file"/>, a regular file of at most <see cref="MaxPasswordFileBytes"/>.
    /// Read bounded, as the API token is: the path may name <c>/dev/zero</c>, a pipe or a log, and reading it whole at
    /// every send ran the firmware out of memory. A file that cannot be used fails the send (retried as any failure).
    /// </summary>
    /// <exception cref="IOException">It cannot be read or used; the message says why, naming the key and the file.</exception>
    internal static string ReadPassword(string file)
    {
        byte[]? bytes;
        try
        {
            if (!SmallFile.IsRegularFile(file)) throw new IOException("it is not a regular file");
            bytes = SmallFile.TryReadAll(file, MaxPasswordFileBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot read notify.email.password_file {file}: {e.Message}", e);
        }
        if (bytes is null)
        {
            throw new IOException($"cannot read notify.email.password_file {file}: it is larger than {MaxPasswordFileBytes} bytes, so it holds no password (its first line)");
        }
        // The first line: an editor's final newline is not part of the password, nor a BOM (as File.ReadAllText read it).
        string text = Encoding.UTF8.GetString(bytes);
        return (text.StartsWith('\uFEFF') ? text[1..] : text).Split('\n', 2)[0].TrimEnd('\r');
    }
}
