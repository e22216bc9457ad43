using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Appliance.Switch;

/// <summary>OVSDB could not tell us what we asked: not reachable, refused the query, or no such bridge.</summary>
public sealed class OvsdbException(string message) : Exception(message);

/// <summary>
/// Just enough of the OVSDB protocol (RFC 7047: JSON-RPC over the database's unix socket) to read
/// one bridge's <c>datapath_id</c>: one <c>transact</c> holding one <c>select</c>, read only.
/// Written with <see cref="Utf8JsonWriter"/> and read with <see cref="JsonDocument"/>, so no
/// reflection; the answer we wait for is bounded in time and size (<see cref="JsonRpcSocket"/>).
/// </summary>
public static class OvsdbClient
{
    /// <summary>The database socket of a stock Open vSwitch.</summary>
    public const string DefaultSocket = "/var/run/openvswitch/db.sock";

    /// <summary>An answer with one short row is a few hundred bytes; anything this large is not one.</summary>
    private const int MaxReplyBytes = 64 * 1024;

    private const int RequestId = 1;

    /// <summary>
    /// The <c>datapath_id</c> OVSDB holds for <paramref name="bridge"/>, or null while it has none
    /// (ovs-vswitchd fills it in once it has made the datapath).
    /// </summary>
    /// <exception cref="OvsdbException">OVSDB was not reachable in <paramref name="timeout"/>, refused, or has no such bridge.</exception>
    public static async Task<ulong?> ReadDatapathIdAsync(string socketPath, string bridge, TimeSpan timeout, CancellationToken cancellation = default)
    {
        var reply = await JsonRpcSocket.ExchangeAsync(socketPath, SelectDatapathId(bridge), "OVSDB", MaxReplyBytes, timeout,
            reason => new OvsdbException(reason), cancellation).ConfigureAwait(false);
        return ParseDatapathId(reply, bridge);
    }

    /// <summary><c>{"id":1,"method":"transact","params":["Open_vSwitch",{"op":"select","table":"Bridge","where":[["name","==",BRIDGE]],"columns":["datapath_id"]}]}</c></summary>
    internal static byte[] SelectDatapathId(string bridge)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("id", RequestId);
            json.WriteString("method", "transact");
            json.WriteStartArray("params");
            json.WriteStringValue("Open_vSwitch");
            json.WriteStartObject();
            json.WriteString("op", "select");
            json.WriteString("table", "Bridge");
            json.WriteStartArray("where");
            json.WriteStartArray();
            json.WriteStringValue("name");
            json.WriteStringValue("==");
            json.WriteStringValue(bridge);
            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("columns");
            json.WriteStringValue("datapath_id");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// <c>{"id":1,"result":[{"rows":[{"datapath_id":"0000..."}]}],"error":null}</c>; a column
    /// without a value is the empty set <c>["set",[]]</c>.
    /// </summary>
    internal static ulong? ParseDatapathId(ReadOnlyMemory<byte> reply, string bridge)
    {
        try
        {
            using var document = JsonDocument.Parse(reply);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || id.GetInt32() != RequestId)
            {
                throw new OvsdbException("OVSDB's answer is not the reply to our query");
            }
            if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null) throw new OvsdbException($"OVSDB refused the query: {error.GetRawText()}");
            var select = root.GetProperty("result")[0];
            if (select.TryGetProperty("error", out var selectError)) throw new OvsdbException($"OVSDB refused the query: {selectError.GetRawText()}");
            var rows = select.GetProperty("rows");
            if (rows.GetArrayLength() == 0) throw new OvsdbException($"OVSDB has no bridge named \"{bridge}\"");
            var value = rows[0].GetProperty("datapath_id");
            if (value.ValueKind == JsonValueKind.Array) return null; // ["set", []]: not assigned yet
            var text = value.GetString();
            if (text is not { Length: 16 } || !ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var datapathId))
            {
                throw new OvsdbException($"OVSDB holds a datapath_id that is not 16 hex digits: \"{text}\"");
            }
            return datapathId;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException or FormatException)
        {
            throw new OvsdbException($"OVSDB's answer has an unexpected shape: {e.Message}");
        }
    }
}
