using System.Collections.Generic;

namespace Licensor.Client
{
    /// <summary>The state of a module that counts a quantity (<c>DEGRADE</c>, e.g. the Processing Center).</summary>
    public enum QuotaState
    {
        /// <summary>The reported count is within the licensed quantity.</summary>
        Ok,
        /// <summary>The reported count is above it: some operations are refused until it falls back.</summary>
        OverQuota,
    }

    /// <summary>The node's answer to <see cref="ILicensingService.ReportQuota"/>.</summary>
    public sealed class QuotaReportResult
    {
        /// <summary>Builds a result (the service does; tests and fakes may too).</summary>
        /// <param name="moduleId">The module.</param>
        /// <param name="state">Ok or over quota.</param>
        /// <param name="count">The count reported.</param>
        /// <param name="quantity">The licensed quantity; null for unlimited.</param>
        /// <param name="allowed">Operations allowed in this state.</param>
        /// <param name="refused">Operations refused in this state.</param>
        public QuotaReportResult(int moduleId, QuotaState state, int count, int? quantity, IReadOnlyList<string> allowed, IReadOnlyList<string> refused)
        {
            ModuleId = moduleId;
            State = state;
            Count = count;
            Quantity = quantity;
            Allowed = allowed ?? new string[0];
            Refused = refused ?? new string[0];
        }

        /// <summary>The module.</summary>
        public int ModuleId { get; private set; }

        /// <summary>Ok, or over quota.</summary>
        public QuotaState State { get; private set; }

        /// <summary>The count reported.</summary>
        public int Count { get; private set; }

        /// <summary>The licensed quantity; null for unlimited.</summary>
        public int? Quantity { get; private set; }

        /// <summary>Operations allowed now (over quota: only those still allowed, e.g. <c>debit-existing-account</c>).</summary>
        public IReadOnlyList<string> Allowed { get; private set; }

        /// <summary>Operations refused now (over quota: e.g. <c>accept-new-data</c>, <c>send-new-data</c>).</summary>
        public IReadOnlyList<string> Refused { get; private set; }
    }
}
