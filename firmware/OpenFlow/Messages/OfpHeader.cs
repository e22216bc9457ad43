using System.Buffers.Binary;

namespace Appliance.OpenFlow;

/// <summary><c>ofp_header</c>: every message starts with these 8 bytes.</summary>
public readonly record struct OfpHeader(byte Version, OfpType Type, ushort Length, uint Xid)
{
    public const int Size = 8;

    /// <summary>OpenFlow 1.3, the only version this codec speaks.</summary>
    public const byte Version13 = 0x04;

    /// <summary>Reads a header; false when fewer than 8 bytes are given.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out OfpHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }
        header = new OfpHeader(
            source[0],
            (OfpType)source[1],
            BinaryPrimitives.ReadUInt16BigEndian(source[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]));
        return true;
    }

    public void Write(ref OfpWriter w)
    {
        w.WriteByte(Version);
        w.WriteByte((byte)Type);
        w.WriteUInt16(Length);
        w.WriteUInt32(Xid);
    }
}
