using System.Buffers.Binary;
using System.Text;

namespace Appliance.Integration.Tests;

/// <summary>
/// What a published executable is, read from its ELF headers rather than from `file` or readelf, so
/// that an assertion about an aarch64 binary holds on an x86-64 machine with no aarch64 tools: the
/// machine it is for, its section names, the shared libraries and glibc versions it asks for, and
/// whether a .NET single-file bundle is appended to it. 64-bit little-endian ELF only (both boxes).
/// </summary>
internal sealed class ElfFile
{
    public const ushort MachineX86_64 = 62;
    public const ushort MachineAarch64 = 183;

    // The .NET host finds a single-file bundle by this marker: SHA-256 of ".net core bundle". A host
    // without a bundle has none; a NativeAOT executable has no .NET host at all.
    private static readonly byte[] BundleSignature =
    [
        0x8b, 0x12, 0x02, 0xb9, 0x6a, 0x61, 0x20, 0x38, 0x72, 0x7b, 0x93, 0x02, 0x14, 0xd7, 0xa0, 0x32,
        0x13, 0xf5, 0xb9, 0xe6, 0xef, 0xae, 0x33, 0x18, 0xee, 0x3b, 0x2d, 0xce, 0x24, 0xb3, 0x6a, 0xae,
    ];

    private static readonly byte[] Magic = [0x7f, (byte)'E', (byte)'L', (byte)'F'];

    private const uint SectionDynamic = 6;
    private const uint SectionVersionNeeds = 0x6ffffffe;
    private const long DynamicNeeded = 1;

    private readonly byte[] _bytes;
    private readonly List<Section> _sections = [];

    private ElfFile(byte[] bytes)
    {
        _bytes = bytes;
        if (bytes.Length < 64 || !bytes.AsSpan(0, 4).SequenceEqual(Magic))
            throw new InvalidDataException("not an ELF file");
        if (bytes[4] != 2 || bytes[5] != 1) throw new InvalidDataException("not a 64-bit little-endian ELF file");
        Machine = U16(18);
        var sectionTable = (long)U64(0x28);
        var entrySize = U16(0x3a);
        var count = U16(0x3c);
        var namesIndex = U16(0x3e);
        for (var i = 0; i < count; i++)
        {
            var at = sectionTable + (long)i * entrySize;
            _sections.Add(new Section(U32(at), U32(at + 4), (long)U64(at + 24), (long)U64(at + 32), U32(at + 40)));
        }
        var names = _sections[namesIndex];
        SectionNames = _sections.Select(s => String(names.Offset + s.Name)).ToList();
        NeededLibraries = ReadNeeded();
        GlibcVersions = ReadGlibcVersions();
        HasBundle = bytes.AsSpan().IndexOf(BundleSignature) >= 0;
    }

    public static ElfFile Read(string path) => new(File.ReadAllBytes(path));

    /// <summary>e_machine: <see cref="MachineX86_64"/>, <see cref="MachineAarch64"/>, ...</summary>
    public ushort Machine { get; }

    public IReadOnlyList<string> SectionNames { get; }

    /// <summary>DT_NEEDED: the shared libraries the loader must find.</summary>
    public IReadOnlyList<string> NeededLibraries { get; }

    /// <summary>The GLIBC_x.y symbol versions asked for (version needs), as versions.</summary>
    public IReadOnlyList<Version> GlibcVersions { get; }

    /// <summary>Whether a .NET single-file bundle marker is in the file (a host that carries the runtime and assemblies).</summary>
    public bool HasBundle { get; }

    private List<string> ReadNeeded()
    {
        var needed = new List<string>();
        foreach (var dynamic in _sections.Where(s => s.Type == SectionDynamic))
        {
            var strings = _sections[(int)dynamic.Link];
            for (var at = dynamic.Offset; at + 16 <= dynamic.Offset + dynamic.Size; at += 16)
            {
                var tag = (long)U64(at);
                if (tag == 0) break;
                if (tag == DynamicNeeded) needed.Add(String(strings.Offset + (long)U64(at + 8)));
            }
        }
        return needed;
    }

    private List<Version> ReadGlibcVersions()
    {
        var versions = new List<Version>();
        foreach (var needs in _sections.Where(s => s.Type == SectionVersionNeeds))
        {
            var strings = _sections[(int)needs.Link];
            var entry = needs.Offset;
            while (true)
            {
                // Elf64_Verneed: vn_version, vn_cnt (u16), vn_file, vn_aux, vn_next (u32)
                var count = U16(entry + 2);
                var aux = entry + U32(entry + 8);
                for (var i = 0; i < count; i++)
                {
                    // Elf64_Vernaux: vna_hash (u32), vna_flags, vna_other (u16), vna_name, vna_next (u32)
                    var name = String(strings.Offset + U32(aux + 8));
                    if (name.StartsWith("GLIBC_", StringComparison.Ordinal) && Version.TryParse(name["GLIBC_".Length..], out var version))
                        versions.Add(version);
                    aux += U32(aux + 12);
                }
                var next = U32(entry + 12);
                if (next == 0) break;
                entry += next;
            }
        }
        return versions;
    }

    private ushort U16(long at) => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan((int)at, 2));
    private uint U32(long at) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan((int)at, 4));
    private ulong U64(long at) => BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan((int)at, 8));

    private string String(long at)
    {
        var end = Array.IndexOf(_bytes, (byte)0, (int)at);
        return Encoding.ASCII.GetString(_bytes, (int)at, end - (int)at);
    }

    private sealed record Section(uint Name, uint Type, long Offset, long Size, uint Link);
}
