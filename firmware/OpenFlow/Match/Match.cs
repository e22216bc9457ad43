using System.Text;

namespace Appliance.OpenFlow;

/// <summary>
/// An OXM match (<c>ofp_match</c> of type <c>OFPMT_OXM</c>): the validated TLVs, kept as bytes.
/// </summary>
/// <remarks>
/// Keeping the wire form means a decoded match costs no allocation and re-encoding is a copy;
/// fields are produced on demand by the allocation-free enumerator. Equality is by meaning:
/// the same fields with the same values in any order, because the switch reports fields in its
/// own order.
/// </remarks>
public readonly struct Match : IEquatable<Match>
{
    private const int HeaderLength = 4;
    private const ushort OxmMatchType = 1;

    private readonly ReadOnlyMemory<byte> _oxms;

    private Match(ReadOnlyMemory<byte> oxms, int count)
    {
        _oxms = oxms;
        Count = count;
    }

    /// <summary>The empty match: every packet.</summary>
    public static Match Any => default;

    public int Count { get; }

    /// <summary>Length of the <c>ofp_match</c> on the wire, padding included.</summary>
    public int EncodedLength => Wire.Pad8(HeaderLength + _oxms.Length);

    /// <summary>
    /// Builds a match. Fully wildcarded fields are dropped; a field given twice is a programming error.
    /// </summary>
    public static Match Of(params ReadOnlySpan<OxmField> fields)
    {
        var length = 0;
        var count = 0;
        for (var i = 0; i < fields.Length; i++)
        {
            if (fields[i].HasMask && fields[i].Mask == 0) continue;
            for (var j = 0; j < i; j++)
            {
                if (fields[j].Id == fields[i].Id) throw new ArgumentException($"{fields[i].Id} appears twice in a match", nameof(fields));
            }
            length += fields[i].EncodedLength;
            count++;
        }
        var bytes = new byte[length];
        var w = new OfpWriter(bytes);
        foreach (var field in fields)
        {
            if (field.HasMask && field.Mask == 0) continue;
            field.Write(ref w);
        }
        return new Match(bytes, count);
    }

    public Enumerator GetEnumerator() => new(_oxms);

    public bool TryGet(OxmFieldId id, out OxmField field)
    {
        foreach (var candidate in this)
        {
            if (candidate.Id == id)
            {
                field = candidate;
                return true;
            }
        }
        field = default;
        return false;
    }

    /// <summary>The <c>in_port</c> field, which the switch puts in every PACKET_IN.</summary>
    public uint? InPort => TryGet(OxmFieldId.InPort, out var inPort) ? inPort.AsUInt32 : null;

    public static Match Read(ref OfpReader r)
    {
        var start = r.Position;
        var type = r.ReadUInt16();
        var length = r.ReadUInt16();
        if (!r.Ok) return default;
        if (type != OxmMatchType)
        {
            r.Fail(OfpErrorCode.Of(OfpBadMatchCode.BadType), "ofp_match.type");
            return default;
        }
        var fields = r.Slice(length - HeaderLength, OfpErrorCode.Of(OfpBadMatchCode.BadLen), "ofp_match.length");
        r.Skip(Wire.Pad8(length) - length);
        if (!r.Ok) return default;

        var oxms = fields.Memory;
        var memoryStart = start + HeaderLength;
        var count = 0;
        while (fields.Remaining > 0 && fields.Ok)
        {
            var fieldStart = fields.Position;
            var field = OxmField.Read(ref fields);
            if (!fields.Ok) break;
            if (ContainsBefore(oxms[..fieldStart], field.Id))
            {
                fields.Fail(OfpErrorCode.Of(OfpBadMatchCode.DupField), "oxm_field");
                break;
            }
            count++;
        }
        r.Absorb(fields);
        return r.Ok ? new Match(r.Memory.Slice(memoryStart, length - HeaderLength), count) : default;
    }

    public void Write(ref OfpWriter w)
    {
        var length = HeaderLength + _oxms.Length;
        w.WriteUInt16(OxmMatchType);
        w.WriteUInt16((ushort)length);
        w.WriteBytes(_oxms.Span);
        w.WriteZeros(Wire.Pad8(length) - length);
    }

    private static bool ContainsBefore(ReadOnlyMemory<byte> validated, OxmFieldId id)
    {
        foreach (var field in new Enumerator(validated))
        {
            if (field.Id == id) return true;
        }
        return false;
    }

    public bool Equals(Match other)
    {
        if (Count != other.Count) return false;
        foreach (var field in this)
        {
            if (!other.TryGet(field.Id, out var theirs) || theirs != field) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is Match other && Equals(other);

    public override int GetHashCode()
    {
        // Order-insensitive, to agree with Equals.
        var hash = 0;
        foreach (var field in this) hash ^= field.GetHashCode();
        return hash;
    }

    public static bool operator ==(Match left, Match right) => left.Equals(right);

    public static bool operator !=(Match left, Match right) => !left.Equals(right);

    public override string ToString()
    {
        if (Count == 0) return "any";
        var text = new StringBuilder();
        foreach (var field in this)
        {
            if (text.Length > 0) text.Append(',');
            text.Append(field);
        }
        return text.ToString();
    }

    /// <summary>Walks TLVs that were validated when the match was read or built.</summary>
    public ref struct Enumerator
    {
        private OfpReader _reader;

        internal Enumerator(ReadOnlyMemory<byte> oxms) => _reader = new OfpReader(oxms, OfpErrorCode.Of(OfpBadMatchCode.BadLen));

        public OxmField Current { get; private set; }

        public readonly Enumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_reader.Remaining == 0 || !_reader.Ok) return false;
            Current = OxmField.Read(ref _reader);
            return _reader.Ok;
        }
    }
}
