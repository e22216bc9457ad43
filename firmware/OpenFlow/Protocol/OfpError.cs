namespace Appliance.OpenFlow;

/// <summary><c>ofp_error_type</c> (OpenFlow 1.3.5 §7.4.4).</summary>
public enum OfpErrorType : ushort
{
    HelloFailed = 0,
    BadRequest = 1,
    BadAction = 2,
    BadInstruction = 3,
    BadMatch = 4,
    FlowModFailed = 5,
    GroupModFailed = 6,
    PortModFailed = 7,
    TableModFailed = 8,
    QueueOpFailed = 9,
    SwitchConfigFailed = 10,
    RoleRequestFailed = 11,
    MeterModFailed = 12,
    TableFeaturesFailed = 13,
    Experimenter = 0xffff,
}

public enum OfpHelloFailedCode : ushort { Incompatible = 0, EPerm = 1 }

public enum OfpBadRequestCode : ushort
{
    BadVersion = 0, BadType = 1, BadMultipart = 2, BadExperimenter = 3, BadExpType = 4, EPerm = 5,
    BadLen = 6, BufferEmpty = 7, BufferUnknown = 8, BadTableId = 9, IsSlave = 10, BadPort = 11,
    BadPacket = 12, MultipartBufferOverflow = 13,
}

public enum OfpBadActionCode : ushort
{
    BadType = 0, BadLen = 1, BadExperimenter = 2, BadExpType = 3, BadOutPort = 4, BadArgument = 5,
    EPerm = 6, TooMany = 7, BadQueue = 8, BadOutGroup = 9, MatchInconsistent = 10, UnsupportedOrder = 11,
    BadTag = 12, BadSetType = 13, BadSetLen = 14, BadSetArgument = 15,
}

public enum OfpBadInstructionCode : ushort
{
    UnknownInst = 0, UnsupInst = 1, BadTableId = 2, UnsupMetadata = 3, UnsupMetadataMask = 4,
    BadExperimenter = 5, BadExpType = 6, BadLen = 7, EPerm = 8,
}

public enum OfpBadMatchCode : ushort
{
    BadType = 0, BadLen = 1, BadTag = 2, BadDlAddrMask = 3, BadNwAddrMask = 4, BadWildcards = 5,
    BadField = 6, BadValue = 7, BadMask = 8, BadPrereq = 9, DupField = 10, EPerm = 11,
}

public enum OfpFlowModFailedCode : ushort
{
    Unknown = 0, TableFull = 1, BadTableId = 2, Overlap = 3, EPerm = 4, BadTimeout = 5, BadCommand = 6, BadFlags = 7,
}

public enum OfpGroupModFailedCode : ushort
{
    GroupExists = 0, InvalidGroup = 1, WeightUnsupported = 2, OutOfGroups = 3, OutOfBuckets = 4,
    ChainingUnsupported = 5, WatchUnsupported = 6, Loop = 7, UnknownGroup = 8, ChainedGroup = 9,
    BadType = 10, BadCommand = 11, BadBucket = 12, BadWatch = 13, EPerm = 14,
}

public enum OfpPortModFailedCode : ushort { BadPort = 0, BadHwAddr = 1, BadConfig = 2, BadAdvertise = 3, EPerm = 4 }

public enum OfpTableModFailedCode : ushort { BadTable = 0, BadConfig = 1, EPerm = 2 }

public enum OfpSwitchConfigFailedCode : ushort { BadFlags = 0, BadLen = 1, EPerm = 2 }

public enum OfpRoleRequestFailedCode : ushort { Stale = 0, Unsup = 1, BadRole = 2 }

public enum OfpMeterModFailedCode : ushort
{
    Unknown = 0, MeterExists = 1, InvalidMeter = 2, UnknownMeter = 3, BadCommand = 4, BadFlags = 5, BadRate = 6,
    BadBurst = 7, BadBand = 8, BadBandValue = 9, OutOfMeters = 10, OutOfBands = 11,
}

/// <remarks>
/// Open vSwitch also reports malformed properties of its extensions (<c>OFPBPC_*</c>, e.g. in
/// <c>NXAST_CONTROLLER2</c>) under these codes in OpenFlow 1.3 (<c>ofp-errors.h</c>).
/// </remarks>
public enum OfpTableFeaturesFailedCode : ushort { BadTable = 0, BadMetadata = 1, BadType = 2, BadLen = 3, BadArgument = 4, EPerm = 5 }

/// <summary>An error as the protocol names it: a type and a type-specific code.</summary>
public readonly record struct OfpErrorCode(OfpErrorType Type, ushort Code)
{
    public static OfpErrorCode Of(OfpHelloFailedCode code) => new(OfpErrorType.HelloFailed, (ushort)code);
    public static OfpErrorCode Of(OfpBadRequestCode code) => new(OfpErrorType.BadRequest, (ushort)code);
    public static OfpErrorCode Of(OfpBadActionCode code) => new(OfpErrorType.BadAction, (ushort)code);
    public static OfpErrorCode Of(OfpBadInstructionCode code) => new(OfpErrorType.BadInstruction, (ushort)code);
    public static OfpErrorCode Of(OfpBadMatchCode code) => new(OfpErrorType.BadMatch, (ushort)code);
    public static OfpErrorCode Of(OfpFlowModFailedCode code) => new(OfpErrorType.FlowModFailed, (ushort)code);
    public static OfpErrorCode Of(OfpGroupModFailedCode code) => new(OfpErrorType.GroupModFailed, (ushort)code);
    public static OfpErrorCode Of(OfpPortModFailedCode code) => new(OfpErrorType.PortModFailed, (ushort)code);
    public static OfpErrorCode Of(OfpTableModFailedCode code) => new(OfpErrorType.TableModFailed, (ushort)code);
    public static OfpErrorCode Of(OfpSwitchConfigFailedCode code) => new(OfpErrorType.SwitchConfigFailed, (ushort)code);
    public static OfpErrorCode Of(OfpRoleRequestFailedCode code) => new(OfpErrorType.RoleRequestFailed, (ushort)code);
    public static OfpErrorCode Of(OfpMeterModFailedCode code) => new(OfpErrorType.MeterModFailed, (ushort)code);
    public static OfpErrorCode Of(OfpTableFeaturesFailedCode code) => new(OfpErrorType.TableFeaturesFailed, (ushort)code);

    /// <summary>The code's name, e.g. <c>BadMatch.BadField</c>, or the number when the type has no known codes.</summary>
    public string CodeName => Type switch
    {
        OfpErrorType.HelloFailed => ((OfpHelloFailedCode)Code).ToString(),
        OfpErrorType.BadRequest => ((OfpBadRequestCode)Code).ToString(),
        OfpErrorType.BadAction => ((OfpBadActionCode)Code).ToString(),
        OfpErrorType.BadInstruction => ((OfpBadInstructionCode)Code).ToString(),
        OfpErrorType.BadMatch => ((OfpBadMatchCode)Code).ToString(),
        OfpErrorType.FlowModFailed => ((OfpFlowModFailedCode)Code).ToString(),
        OfpErrorType.GroupModFailed => ((OfpGroupModFailedCode)Code).ToString(),
        OfpErrorType.PortModFailed => ((OfpPortModFailedCode)Code).ToString(),
        OfpErrorType.TableModFailed => ((OfpTableModFailedCode)Code).ToString(),
        OfpErrorType.SwitchConfigFailed => ((OfpSwitchConfigFailedCode)Code).ToString(),
        OfpErrorType.RoleRequestFailed => ((OfpRoleRequestFailedCode)Code).ToString(),
        OfpErrorType.MeterModFailed => ((OfpMeterModFailedCode)Code).ToString(),
        OfpErrorType.TableFeaturesFailed => ((OfpTableFeaturesFailedCode)Code).ToString(),
        _ => Code.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public override string ToString() => $"{Type}.{CodeName}";
}
