namespace Licensor.Client
{
    /// <summary>The node's answer to <see cref="ILicensingService.CheckOperation"/>.</summary>
    public sealed class OperationCheck
    {
        /// <summary>Builds an answer (the service does; tests and fakes may too).</summary>
        /// <param name="moduleId">The module.</param>
        /// <param name="operation">The operation asked about.</param>
        /// <param name="allowed">Whether the operation may be performed now.</param>
        /// <param name="detail">Why it is refused; null when allowed.</param>
        public OperationCheck(int moduleId, string operation, bool allowed, string detail)
        {
            ModuleId = moduleId;
            Operation = operation;
            Allowed = allowed;
            Detail = detail;
        }

        /// <summary>The module.</summary>
        public int ModuleId { get; private set; }

        /// <summary>The operation asked about, e.g. <c>accept-new-data</c>.</summary>
        public string Operation { get; private set; }

        /// <summary>True when the operation may be performed now; false while the module is over quota and refuses it.</summary>
        public bool Allowed { get; private set; }

        /// <summary>The node's readable reason when refused (what is over quota, what still works); null when allowed.</summary>
        public string Detail { get; private set; }
    }
}
