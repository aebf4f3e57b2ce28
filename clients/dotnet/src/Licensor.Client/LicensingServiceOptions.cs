using System;
using System.Net.Http;

namespace Licensor.Client
{
    /// <summary>Settings of a <see cref="LicensingService"/>; every one has a default.</summary>
    public sealed class LicensingServiceOptions
    {
        /// <summary>
        /// How long one call may take, from sending the request to reading the whole answer (default 10 s). A call that
        /// takes longer throws <see cref="LicensingConnectionException"/> with code <c>REQUEST_TIMEOUT</c>.
        /// </summary>
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>
        /// How often held slots are heartbeaten. Null (the default) follows what the node asks for each slot: a third
        /// of the module's heartbeat TTL, so two lost heartbeats do not cost the slot.
        /// </summary>
        public TimeSpan? HeartbeatInterval { get; set; }

        /// <summary>
        /// False (the default): every heartbeat tells the node the device is active, as a connected device is. True:
        /// a heartbeat reports activity only when <see cref="LicenseSlot.Touch"/> was called since the previous one, so
        /// modules that evict idle devices (<c>EVICT_INACTIVE</c>) can tell idle devices from busy ones.
        /// </summary>
        public bool TrackActivity { get; set; }

        /// <summary>
        /// The handler under the client's <see cref="HttpClient"/> (a proxy, a custom certificate check); null uses the
        /// platform default. The service does not dispose a handler given here.
        /// </summary>
        public HttpMessageHandler HttpMessageHandler { get; set; }
    }
}
