using System.Net;
using System.Net.Http.Headers;

namespace Appliance.Tests.Shared;

/// <summary>
/// A body sent in two parts: the first <c>first</c> bytes, then the rest once <c>release</c> completes, so a test
/// can act while an upload is half-way through.
/// </summary>
internal sealed class HeldContent : HttpContent
{
    private readonly byte[] _bytes;
    private readonly int _first;
    private readonly Task _release;

    public HeldContent(byte[] bytes, int first, Task release)
    {
        _bytes = bytes;
        _first = first;
        _release = release;
        Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(_bytes.AsMemory(0, _first));
        await stream.FlushAsync();
        await _release;
        await stream.WriteAsync(_bytes.AsMemory(_first));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _bytes.Length;
        return true;
    }
}
