using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Licensor.Client
{
    /// <summary>
    /// The licensing service of a Licensor node, shaped like the POS plugin API's <c>ILicensingService</c>: take a slot
    /// per connected device with <see cref="AcquireSlot"/>, keep the returned object, dispose it when the device leaves.
    /// Every method is thread-safe and has an async variant that honours a <see cref="CancellationToken"/>; every call
    /// is bounded by <see cref="LicensingServiceOptions.RequestTimeout"/>.
    /// </summary>
    public interface ILicensingService : IDisposable
    {
        /// <summary>Raised, on a thread-pool thread, when the node takes a held slot away (expired, force-released, evicted).</summary>
        event EventHandler<SlotLostEventArgs> SlotLost;

        /// <summary>The slots this service holds and has neither released nor lost.</summary>
        IReadOnlyList<LicenseSlot> HeldSlots { get; }

        /// <summary>
        /// Marks one of the module's slots as used by the device, and heartbeats it in the background until the returned
        /// slot is disposed. The same device id re-takes its own slot (after a reboot, a reconnect, on another process)
        /// instead of needing a second one; on this service the same object is returned.
        /// </summary>
        /// <param name="moduleId">The licensed module id (e.g. the external connection module).</param>
        /// <param name="deviceId">The device's unique, stable id.</param>
        /// <returns>The slot; dispose it when the device leaves.</returns>
        /// <exception cref="InsufficientLicenseException">Every slot is in use: decline the device.</exception>
        /// <exception cref="LicensingException">Another refusal (no license, module not licensed, …), by its code.</exception>
        LicenseSlot AcquireSlot(int moduleId, string deviceId);

        /// <summary>The async variant of <see cref="AcquireSlot"/>.</summary>
        /// <param name="moduleId">The licensed module id.</param>
        /// <param name="deviceId">The device's unique, stable id.</param>
        /// <param name="cancellationToken">Stops waiting for the node (<see cref="OperationCanceledException"/>).</param>
        /// <returns>The slot; dispose it when the device leaves.</returns>
        Task<LicenseSlot> AcquireSlotAsync(int moduleId, string deviceId, CancellationToken cancellationToken = default(CancellationToken));

        /// <summary>
        /// Connects or syncs a member of a module that blocks the latest members beyond its quantity (a cash register):
        /// <see cref="MemberState.Blocked"/> means the member's sync must stop. <paramref name="features"/> is the member's
        /// profile (add-on feature module ids); a profile with an unlicensed add-on blocks the member.
        /// </summary>
        /// <param name="moduleId">The member's module (e.g. 2001, cash registers).</param>
        /// <param name="memberId">The member's unique, stable id.</param>
        /// <param name="features">The add-on module ids the member's profile enables; null keeps the stored profile.</param>
        /// <returns>Active or blocked, with the reasons and the unlicensed add-ons.</returns>
        MemberSyncResult SyncMember(int moduleId, string memberId, IEnumerable<int> features = null);

        /// <summary>The async variant of <see cref="SyncMember"/>.</summary>
        /// <param name="moduleId">The member's module.</param>
        /// <param name="memberId">The member's unique, stable id.</param>
        /// <param name="features">The add-on module ids the member's profile enables; null keeps the stored profile.</param>
        /// <param name="cancellationToken">Stops waiting for the node.</param>
        /// <returns>Active or blocked, with the reasons and the unlicensed add-ons.</returns>
        Task<MemberSyncResult> SyncMemberAsync(int moduleId, string memberId, IEnumerable<int> features = null, CancellationToken cancellationToken = default(CancellationToken));

        /// <summary>
        /// Reports the count a quota module measures (e.g. clients with non-standard accounts at the Processing Center).
        /// Above the licensed quantity the module degrades: some operations are refused until the count falls back.
        /// </summary>
        /// <param name="moduleId">The quota module (e.g. 3001).</param>
        /// <param name="count">The current count, zero or more.</param>
        /// <returns>The module's state and which operations are allowed now.</returns>
        QuotaReportResult ReportQuota(int moduleId, int count);

        /// <summary>The async variant of <see cref="ReportQuota"/>.</summary>
        /// <param name="moduleId">The quota module.</param>
        /// <param name="count">The current count, zero or more.</param>
        /// <param name="cancellationToken">Stops waiting for the node.</param>
        /// <returns>The module's state and which operations are allowed now.</returns>
        Task<QuotaReportResult> ReportQuotaAsync(int moduleId, int count, CancellationToken cancellationToken = default(CancellationToken));

        /// <summary>
        /// Asks whether an operation may be performed in the quota module's current state. A refusal is an answer
        /// (<see cref="OperationCheck.Allowed"/> false), not an exception.
        /// </summary>
        /// <param name="moduleId">The quota module.</param>
        /// <param name="operation">The operation, e.g. <c>accept-new-data</c> or <c>debit-existing-account</c>.</param>
        /// <returns>Allowed or refused, with the node's reason.</returns>
        OperationCheck CheckOperation(int moduleId, string operation);

        /// <summary>The async variant of <see cref="CheckOperation"/>.</summary>
        /// <param name="moduleId">The quota module.</param>
        /// <param name="operation">The operation.</param>
        /// <param name="cancellationToken">Stops waiting for the node.</param>
        /// <returns>Allowed or refused, with the node's reason.</returns>
        Task<OperationCheck> CheckOperationAsync(int moduleId, string operation, CancellationToken cancellationToken = default(CancellationToken));

        /// <summary>True when the node's license covers the module (for uncounted modules: free plugins, features).</summary>
        /// <param name="moduleId">The module id.</param>
        /// <returns>Whether the module is licensed on the node; false for a module the node does not know.</returns>
        bool IsModuleEnabled(int moduleId);

        /// <summary>The async variant of <see cref="IsModuleEnabled"/>.</summary>
        /// <param name="moduleId">The module id.</param>
        /// <param name="cancellationToken">Stops waiting for the node.</param>
        /// <returns>Whether the module is licensed on the node.</returns>
        Task<bool> IsModuleEnabledAsync(int moduleId, CancellationToken cancellationToken = default(CancellationToken));

        /// <summary>The modules the node knows (read once and cached by the service).</summary>
        /// <returns>The node's catalog.</returns>
        IReadOnlyList<CatalogModule> GetCatalog();

        /// <summary>The async variant of <see cref="GetCatalog"/>.</summary>
        /// <param name="cancellationToken">Stops waiting for the node.</param>
        /// <returns>The node's catalog.</returns>
        Task<IReadOnlyList<CatalogModule>> GetCatalogAsync(CancellationToken cancellationToken = default(CancellationToken));
    }
}
