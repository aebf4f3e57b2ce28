using System;
using System.Collections.Generic;
using Licensor.Client;

// Pay per external connection: the plugin module is a free formality, the devices take slots of another module.
[LicensedModule(10002)]
public sealed class TerminalGatewayPlugin
{
    private const int ExternalConnections = 10003;
    private readonly ILicensingService _licensing;
    private readonly Dictionary<string, IDisposable> _slots = new Dictionary<string, IDisposable>();

    public TerminalGatewayPlugin(ILicensingService licensing)
    {
        _licensing = licensing;
    }

    // A device connects: take a slot under its stable id, and keep the returned object.
    public bool OnDeviceConnected(string deviceId)
    {
        try
        {
            _slots[deviceId] = _licensing.AcquireSlot(ExternalConnections, deviceId);
            return true;
        }
        catch (InsufficientLicenseException e)
        {
            Console.WriteLine("declined " + deviceId + ": " + e.InUse + " of " + e.Quantity + " slots in use");
            return false;
        }
    }

    // The device leaves: dispose its slot, so the next device can take it.
    public void OnDeviceDisconnected(string deviceId)
    {
        IDisposable slot;
        if (!_slots.TryGetValue(deviceId, out slot)) return;
        slot.Dispose();
        _slots.Remove(deviceId);
    }
}

public static class Program
{
    public static void Main()
    {
        var url = new Uri(Environment.GetEnvironmentVariable("LICENSOR_URL") ?? "http://127.0.0.1:7070");
        var token = Environment.GetEnvironmentVariable("LICENSOR_TOKEN");
        using (var licensing = new LicensingService(url, token))
        using (PluginLicense.Acquire(licensing, typeof(TerminalGatewayPlugin), "pos-1"))
        {
            var plugin = new TerminalGatewayPlugin(licensing);
            foreach (var device in new[] { "tablet-1", "tablet-2", "tablet-3" })
            {
                Console.WriteLine(device + ": " + (plugin.OnDeviceConnected(device) ? "connected" : "declined"));
            }
            plugin.OnDeviceDisconnected("tablet-1");
            Console.WriteLine("tablet-3: " + (plugin.OnDeviceConnected("tablet-3") ? "connected" : "declined"));
        }
    }
}
