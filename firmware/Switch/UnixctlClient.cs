using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Appliance.Switch;

/// <summary>ovs-vswitchd could not answer a control command: not running, not reachable, refused it, or answered something else.</summary>
public sealed class UnixctlException(string message) : Exception(message);

/// <summary>
/// Just enough of ovs-vswitchd's control socket (what <c>ovs-appctl</c> speaks: JSON-RPC 1.0 over
/// a unix socket) to run one command and read its text answer. Written with
/// <see cref="Utf8JsonWriter"/> and read with <see cref="JsonDocument"/>, so no reflection; the
/// answer is bounded in time and size (<see cref="JsonRpcSocket"/>).
/// </summary>
public static class UnixctlClient
{
    /// <summary>Where a stock Open vSwitch keeps its pid files and sockets.</summary>
    public const string DefaultRunDirectory = "/var/run/openvswitch";

    /// <summary>A command's text answer for a few zones is a few hundred bytes; anything this large is not one.</summary>
    private const int MaxReplyBytes = 64 * 1024;

    /// <summary>A pid and a newline; a longer pid file is not ovs-vswitchd's.</summary>
    private const int MaxPidFileBytes = 32;

    /// <summary>How much of a refusal's text a message repeats.</summary>
    private const int MaxEchoedError = 200;

    private const int RequestId = 1;

    /// <summary>
    /// The control socket of the ovs-vswitchd running now: <c>ovs-vswitchd.PID.ctl</c> beside its pid
    /// file, as <c>ovs-appctl -t ovs-vswitchd</c> finds it. Read again for each call, so a restarted
    /// ovs-vswitchd (a new pid, a new socket) is found without restarting the firmware.
    /// </summary>
    /// <exception cref="UnixctlException">No pid file, or one that holds no pid.</exception>
    public static string SocketPath(string runDirectory = DefaultRunDirectory)
    {
        var pidFile = Path.Combine(runDirectory, "ovs-vswitchd.pid");
        var buffer = new byte[MaxPidFileBytes + 1];
        int length;
        try
        {
            using var file = new FileStream(pidFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            length = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnixctlException($"cannot read ovs-vswitchd's pid file {pidFile}: {e.Message}");
        }
        var text = Encoding.ASCII.GetString(buffer, 0, Math.Min(length, MaxPidFileBytes)).Trim();
        if (length > MaxPidFileBytes || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            throw new UnixctlException($"ovs-vswitchd's pid file {pidFile} holds no pid");
        }
        return Path.Combine(runDirectory, $"ovs-vswitchd.{pid}.ctl");
    }

    /// <summary>Runs <paramref name="command"/> with <paramref name="arguments"/>, as <c>ovs-appctl COMMAND ARGUMENTS…</c> would.</summary>
    /// <returns>The command's text answer.</returns>
    /// <exception cref="UnixctlException">ovs-vswitchd was not reachable in <paramref name="timeout"/>, refused the command, or answered something else.</exception>
    public static async Task<string> CallAsync(string socketPath, string command, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellation = default)
    {
        var reply = await JsonRpcSocket.ExchangeAsync(socketPath, Request(command, arguments), "ovs-vswitchd", MaxReplyBytes, timeout,
            reason => new UnixctlException(reason), cancellation).ConfigureAwait(false);
        return ParseReply(reply, command);
    }

    /// <summary><c>{"id":1,"method":COMMAND,"params":[ARGUMENT,…]}</c>: unixctl takes every argument as a string.</summary>
    internal static byte[] Request(string command, IReadOnlyList<string> arguments)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("id", RequestId);
            json.WriteString("method", command);
            json.WriteStartArray("params");
            foreach (var argument in arguments) json.WriteStringValue(argument);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary><c>{"id":1,"result":"TEXT","error":null}</c>, or <c>{"id":1,"result":null,"error":"WHY"}</c> when the command failed.</summary>
    internal static string ParseReply(ReadOnlyMemory<byte> reply, string command)
    {
        try
        {
            using var document = JsonDocument.Parse(reply);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number
                || !id.TryGetInt32(out var number) || number != RequestId)
            {
                throw new UnixctlException($"ovs-vswitchd's answer is not the reply to {command}");
            }
            if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
            {
                throw new UnixctlException($"ovs-vswitchd refused {command}: {Cut(Reason(error))}");
            }
            if (!root.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.String)
            {
                throw new UnixctlException($"ovs-vswitchd's reply to {command} holds no text");
            }
            return result.GetString()!;
        }
        catch (JsonException e)
        {
            throw new UnixctlException($"ovs-vswitchd's answer is not JSON: {e.Message}");
        }
    }

    /// <summary>
    /// A refusal's text (<c>"ovs-vswitchd: invalid zone (Invalid argument)\n"</c>) as messages repeat
    /// it: trimmed; as JSON (escaped) when it holds other control or format characters, which could
    /// forge a log line or repaint a terminal.
    /// </summary>
    private static string Reason(JsonElement error)
    {
        if (error.ValueKind != JsonValueKind.String) return error.GetRawText();
        var text = error.GetString()!.Trim();
        foreach (var c in text)
        {
            if (char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return error.GetRawText();
            }
        }
        return text;
    }

    /// <summary>At most <see cref="MaxEchoedError"/> characters (never cut inside a surrogate pair).</summary>
    private static string Cut(string text)
    {
        if (text.Length <= MaxEchoedError) return text;
        var keep = char.IsHighSurrogate(text[MaxEchoedError - 1]) ? MaxEchoedError - 1 : MaxEchoedError;
        return string.Concat(text.AsSpan(0, keep), "...");
    }
}
