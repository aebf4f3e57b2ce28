namespace Licensor.Client
{
    /// <summary>A module of the node's catalog, as far as a client needs it.</summary>
    public sealed class CatalogModule
    {
        /// <summary>Builds an entry (the service does; tests and fakes may too).</summary>
        /// <param name="id">The module id.</param>
        /// <param name="name">The module's name.</param>
        /// <param name="kind">application, feature, plugin-instance or connection.</param>
        /// <param name="strategy">REJECT_NEW, EVICT_INACTIVE, BLOCK_LATEST, DEGRADE or UNCOUNTED.</param>
        /// <param name="heartbeatTtlSeconds">How long a slot lives without a heartbeat.</param>
        public CatalogModule(int id, string name, string kind, string strategy, int? heartbeatTtlSeconds)
        {
            Id = id;
            Name = name;
            Kind = kind;
            Strategy = strategy;
            HeartbeatTtlSeconds = heartbeatTtlSeconds;
        }

        /// <summary>The module id.</summary>
        public int Id { get; private set; }

        /// <summary>The module's name, e.g. "Acme Customer Display plugin".</summary>
        public string Name { get; private set; }

        /// <summary><c>application</c>, <c>feature</c>, <c>plugin-instance</c> or <c>connection</c>.</summary>
        public string Kind { get; private set; }

        /// <summary>How the pool admits: <c>REJECT_NEW</c>, <c>EVICT_INACTIVE</c>, <c>BLOCK_LATEST</c>, <c>DEGRADE</c> or <c>UNCOUNTED</c>.</summary>
        public string Strategy { get; private set; }

        /// <summary>How long a slot of this module lives without a heartbeat, in seconds; null when not said.</summary>
        public int? HeartbeatTtlSeconds { get; private set; }

        /// <summary>True when the module counts slots (devices, plugin instances): <c>REJECT_NEW</c> or <c>EVICT_INACTIVE</c>.</summary>
        public bool CountsSlots { get { return Strategy == null || Strategy == "REJECT_NEW" || Strategy == "EVICT_INACTIVE"; } }
    }
}
