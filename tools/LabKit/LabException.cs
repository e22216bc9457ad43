namespace Appliance.LabKit;

/// <summary>A lab or the firmware did not do what was expected in time.</summary>
public sealed class LabException(string message) : Exception(message);
