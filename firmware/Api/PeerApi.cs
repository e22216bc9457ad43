using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Appliance.Config;

namespace Appliance.Api;

/// <summary>What the peer box answered: its status and body (at most <see cref="PeerApi.MaxAnswerBytes"/>), or why there is no answer.</summary>
/// <param name="Status">The peer's HTTP status; 0 when it gave none (unreachable, too slow, too large).</param>
public sealed record PeerAnswer(int Status, byte[] Body, string? Problem)
{
    /// <summary>Nothing answered at all: the peer cannot be reached, or said nothing within the time allowed.</summary>
    public bool Silent { get; init; }

    /// <summary>The <c>message</c> of a JSON answer (the peer's refusals carry one), cut for a status line; null when there is none.</summary>
    public string? Message()
    {
        try
        {
            return JsonSerializer.Deserialize(Body, PeerJson.Default.PeerMessage)?.Message is { } m ? Printable.Escape(Printable.Cut(m, 300)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The peer box's <c>/api/config</c> as this box reads it: only the text.</summary>
public sealed record PeerConfigText(string? Text);

/// <summary>The <c>message</c> of any of the peer's answers.</summary>
public sealed record PeerMessage(string? Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PeerConfigText))]
[JsonSerializable(typeof(PeerMessage))]
[JsonSerializable(typeof(ConfigChangeRequest))]
[JsonSerializable(typeof(PairCopyDocument))]
public sealed partial class PeerJson : JsonSerializerContext;

/// <summary>
/// The peer box's API (<c>pair.peer_api</c>, with the token in <c>pair.peer_token_file</c>, read at each call so that a
/// token put there later is used). The peer is another box on the LAN and is trusted for nothing: every call is bounded
/// in time (<see cref="ReadTimeout"/>, <see cref="PushTimeout"/>: headers and body together) and size
/// (<see cref="MaxAnswerBytes"/>), follows no redirect and uses no proxy; any failure is an answer with a problem, never
/// an exception.
/// </summary>
public sealed class PeerApi : IDisposable
{
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The peer applies what it is given before it answers: its switch must confirm the new rules.</summary>
    public static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(20);

    public const int MaxAnswerBytes = 1024 * 1024;

    private readonly HttpClient _http;
    private readonly string _tokenFile;

    public PeerApi(Uri baseAddress, string tokenFile, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        _tokenFile = tokenFile;
        Address = baseAddress;
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = ReadTimeout,
            MaxResponseHeadersLength = 16,   // KiB
            MaxConnectionsPerServer = 2,
        })
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,   // each call has its own, body included
            MaxResponseContentBufferSize = MaxAnswerBytes,
        };
    }

    public Uri Address { get; }

    /// <summary>The peer's configuration text, or why it cannot be had (<see cref="PeerAnswer.Silent"/> when nothing answered).</summary>
    public async Task<(string? Text, string? Problem, bool Silent)> ReadConfigAsync(CancellationToken cancel)
    {
        var answer = await SendAsync(HttpMethod.Get, null, ReadTimeout, cancel).ConfigureAwait(false);
        if (answer.Problem is { } problem) return (null, problem, answer.Silent);
        if (answer.Status != 200) return (null, $"the peer answered {answer.Status}{(answer.Message() is { } m ? ": " + m : "")}", false);
        PeerConfigText? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(answer.Body, PeerJson.Default.PeerConfigText);
        }
        catch (JsonException e)
        {
            return (null, $"the peer's answer is not the JSON of /api/config: {Printable.Escape(Printable.Cut(e.Message, 200))}", false);
        }
        if (parsed?.Text is not { } text) return (null, "the peer's answer has no configuration text", false);
        if (Encoding.UTF8.GetByteCount(text) > ConfigEdit.MaxTextBytes) return (null, $"the peer's configuration is larger than {ConfigEdit.MaxTextBytes} bytes", false);
        return (text, null, false);
    }

    /// <summary>Gives the peer a whole new configuration text (its <c>PUT /api/config</c>); its answer as it came.</summary>
    public Task<PeerAnswer> WriteConfigAsync(string text, CancellationToken cancel) =>
        SendAsync(HttpMethod.Put, JsonSerializer.SerializeToUtf8Bytes(new ConfigChangeRequest(text, null, null), PeerJson.Default.ConfigChangeRequest), PushTimeout, cancel);

    private async Task<PeerAnswer> SendAsync(HttpMethod method, byte[]? body, TimeSpan timeout, CancellationToken cancel)
    {
        if (ApiToken.Read(_tokenFile, out string? tokenProblem) is not { } token)
        {
            return new PeerAnswer(0, [], $"the peer's token (pair.peer_token_file {Printable.Escape(Printable.Cut(_tokenFile, 200))}) cannot be used: {tokenProblem}");
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        // A peer that sent its headers and then stalled answered something: it is there.
        var headers = false;
        try
        {
            using var request = new HttpRequestMessage(method, "api/config");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (body is not null) request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            headers = true;
            if (response.Content.Headers.ContentLength > MaxAnswerBytes) return TooLarge();
            await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            // Rented: a fresh megabyte every 5 s would be a large-object allocation for an answer of a few kilobytes.
            var buffer = ArrayPool<byte>.Shared.Rent(MaxAnswerBytes + 1);
            try
            {
                int length = 0, read;
                while (length <= MaxAnswerBytes && (read = await stream.ReadAsync(buffer.AsMemory(length, MaxAnswerBytes + 1 - length), deadline.Token).ConfigureAwait(false)) > 0) length += read;
                return length > MaxAnswerBytes ? TooLarge() : new PeerAnswer((int)response.StatusCode, buffer[..length], null);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return new PeerAnswer(0, [], $"the peer did not answer within {timeout.TotalSeconds:0.#} s") { Silent = !headers };
        }
        catch (HttpRequestException e)
        {
            // No connection (refused, no route): nothing of the peer's answered; a broken answer is one.
            return new PeerAnswer(0, [], $"the peer cannot be reached at {Address}: {Printable.Escape(Printable.Cut(e.Message, 200))}")
            {
                Silent = !headers && e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError,
            };
        }
        catch (IOException e)
        {
            return new PeerAnswer(0, [], $"the peer's answer broke off: {Printable.Escape(Printable.Cut(e.Message, 200))}");
        }
    }

    private static PeerAnswer TooLarge() => new(0, [], $"the peer's answer is larger than {MaxAnswerBytes} bytes");

    public void Dispose() => _http.Dispose();
}
