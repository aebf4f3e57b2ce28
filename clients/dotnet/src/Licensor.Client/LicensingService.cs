using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Licensor.Client.Internal;

namespace Licensor.Client
{
    /// <summary>
    /// A client of one Licensor node over its HTTP API (<c>docs/api.md</c>). Create one per process and share it:
    /// <c>var licensing = new LicensingService(new Uri("http://licensor:8080"), token);</c>. Disposing it releases the
    /// slots it still holds; a process that ends without disposing has its slots freed by the node once their
    /// heartbeat TTL passes.
    /// </summary>
    public sealed class LicensingService : ILicensingService
    {
        private static readonly HttpMethod Delete = HttpMethod.Delete;
        private readonly HttpApi _api;
        private readonly LicensingServiceOptions _options;
        private readonly object _gate = new object();
        private readonly Dictionary<string, LicenseSlot> _slots = new Dictionary<string, LicenseSlot>(StringComparer.Ordinal);
        private Task<IReadOnlyList<CatalogModule>> _catalog;
        private bool _disposed;

        /// <summary>Connects to the node at <paramref name="url"/> with an API token of role <c>app</c>.</summary>
        /// <param name="url">The node's base URL, e.g. <c>http://127.0.0.1:8080</c>.</param>
        /// <param name="token">An API token (<c>licensor token create --role app</c>).</param>
        public LicensingService(Uri url, string token) : this(url, token, null) { }

        /// <summary>Connects to the node at <paramref name="url"/> with an API token and settings.</summary>
        /// <param name="url">The node's base URL, e.g. <c>https://licensor.example:8443</c>.</param>
        /// <param name="token">An API token (<c>licensor token create --role app</c>).</param>
        /// <param name="options">Timeouts, heartbeat interval, HTTP handler; null for the defaults.</param>
        public LicensingService(Uri url, string token, LicensingServiceOptions options)
        {
            if (url == null) throw new ArgumentNullException(nameof(url));
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)) throw new ArgumentException("url must be an absolute http:// or https:// URL", nameof(url));
            if (string.IsNullOrEmpty(token)) throw new ArgumentException("token must be a non-empty string", nameof(token));
            _options = options ?? new LicensingServiceOptions();
            if (_options.RequestTimeout <= TimeSpan.Zero) throw new ArgumentException("options.RequestTimeout must be positive", nameof(options));
            if (_options.HeartbeatInterval.HasValue && _options.HeartbeatInterval.Value <= TimeSpan.Zero) throw new ArgumentException("options.HeartbeatInterval must be positive", nameof(options));
            Url = url;
            _api = new HttpApi(url, token, _options.RequestTimeout, _options.HttpMessageHandler);
        }

        /// <inheritdoc />
        public event EventHandler<SlotLostEventArgs> SlotLost;

        /// <summary>The node's base URL.</summary>
        public Uri Url { get; private set; }

        /// <inheritdoc />
        public IReadOnlyList<LicenseSlot> HeldSlots
        {
            get { lock (_gate) return _slots.Values.Where(s => s.IsLive).ToList().AsReadOnly(); }
        }

        /// <inheritdoc />
        public LicenseSlot AcquireSlot(int moduleId, string deviceId)
        {
            return Wait(AcquireSlotAsync(moduleId, deviceId, CancellationToken.None));
        }

        /// <inheritdoc />
        public async Task<LicenseSlot> AcquireSlotAsync(int moduleId, string deviceId, CancellationToken cancellationToken = default(CancellationToken))
        {
            CheckModuleId(moduleId);
            CheckId(deviceId, nameof(deviceId));
            CheckNotDisposed();
            var body = new Dictionary<string, object> { { "holderId", deviceId } };
            var answer = await _api.SendAsync(HttpMethod.Post, ModulePath(moduleId) + "/leases", body, moduleId, cancellationToken).ConfigureAwait(false);
            var view = LeaseView.From(answer.Body);
            LicenseSlot slot;
            lock (_gate)
            {
                // Disposed while the request was out: the node holds the slot now, so give it back rather than leak it.
                if (_disposed) slot = null;
                else if (_slots.TryGetValue(Key(moduleId, deviceId), out slot) && slot.IsLive)
                {
                    slot.Update(view);
                    return slot;
                }
                else
                {
                    slot = new LicenseSlot(this, moduleId, deviceId, view);
                    _slots[Key(moduleId, deviceId)] = slot;
                }
            }
            if (slot == null)
            {
                await SendRelease(moduleId, deviceId, view.LeaseId, CancellationToken.None).ConfigureAwait(false);
                throw new ObjectDisposedException(nameof(LicensingService));
            }
            slot.Start();
            return slot;
        }

        /// <inheritdoc />
        public MemberSyncResult SyncMember(int moduleId, string memberId, IEnumerable<int> features = null)
        {
            return Wait(SyncMemberAsync(moduleId, memberId, features, CancellationToken.None));
        }

        /// <inheritdoc />
        public async Task<MemberSyncResult> SyncMemberAsync(int moduleId, string memberId, IEnumerable<int> features = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            CheckModuleId(moduleId);
            CheckId(memberId, nameof(memberId));
            CheckNotDisposed();
            var body = new Dictionary<string, object>();
            if (features != null)
            {
                var list = features.ToList();
                foreach (var f in list) if (f <= 0) throw new ArgumentOutOfRangeException(nameof(features), "feature module ids must be positive");
                body["features"] = list;
            }
            var answer = await _api.SendAsync(HttpMethod.Put, ModulePath(moduleId) + "/members/" + HttpApi.Segment(memberId), body, moduleId, cancellationToken).ConfigureAwait(false);
            var b = answer.Body;
            var quantity = JsonFields.Long(b, "quantity");
            return new MemberSyncResult(
                moduleId,
                JsonFields.String(b, "memberId") ?? memberId,
                JsonFields.String(b, "state") == "blocked" ? MemberState.Blocked : MemberState.Active,
                (int)(JsonFields.Long(b, "position") ?? 0),
                quantity.HasValue ? (int?)quantity.Value : null,
                JsonFields.Strings(b, "reasons").AsReadOnly(),
                JsonFields.Ints(b, "missingFeatures").AsReadOnly(),
                JsonFields.String(b, "detail"));
        }

        /// <inheritdoc />
        public QuotaReportResult ReportQuota(int moduleId, int count)
        {
            return Wait(ReportQuotaAsync(moduleId, count, CancellationToken.None));
        }

        /// <inheritdoc />
        public async Task<QuotaReportResult> ReportQuotaAsync(int moduleId, int count, CancellationToken cancellationToken = default(CancellationToken))
        {
            CheckModuleId(moduleId);
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), "count must be zero or more");
            CheckNotDisposed();
            var body = new Dictionary<string, object> { { "count", count } };
            var answer = await _api.SendAsync(HttpMethod.Put, ModulePath(moduleId) + "/quota", body, moduleId, cancellationToken).ConfigureAwait(false);
            var b = answer.Body;
            var quantity = JsonFields.Long(b, "quantity");
            return new QuotaReportResult(
                moduleId,
                JsonFields.String(b, "state") == "over_quota" ? QuotaState.OverQuota : QuotaState.Ok,
                (int)(JsonFields.Long(b, "count") ?? count),
                quantity.HasValue ? (int?)quantity.Value : null,
                JsonFields.Strings(b, "allowed").AsReadOnly(),
                JsonFields.Strings(b, "refused").AsReadOnly());
        }

        /// <inheritdoc />
        public OperationCheck CheckOperation(int moduleId, string operation)
        {
            return Wait(CheckOperationAsync(moduleId, operation, CancellationToken.None));
        }

        /// <inheritdoc />
        public async Task<OperationCheck> CheckOperationAsync(int moduleId, string operation, CancellationToken cancellationToken = default(CancellationToken))
        {
            CheckModuleId(moduleId);
            CheckId(operation, nameof(operation));
            CheckNotDisposed();
            try
            {
                var answer = await _api.SendAsync(HttpMethod.Get, ModulePath(moduleId) + "/quota/operations/" + HttpApi.Segment(operation), null, moduleId, cancellationToken).ConfigureAwait(false);
                // Only an explicit true allows: an answer without it must not let a refused operation through.
                var allowed = JsonFields.Bool(answer.Body, "allowed") == true;
                return new OperationCheck(moduleId, operation, allowed, allowed ? null : "the node did not allow " + operation);
            }
            catch (QuotaExceededException e)
            {
                return new OperationCheck(moduleId, operation, false, e.Detail);
            }
        }

        /// <inheritdoc />
        public bool IsModuleEnabled(int moduleId)
        {
            return Wait(IsModuleEnabledAsync(moduleId, CancellationToken.None));
        }

        /// <inheritdoc />
        public async Task<bool> IsModuleEnabledAsync(int moduleId, CancellationToken cancellationToken = default(CancellationToken))
        {
            CheckModuleId(moduleId);
            CheckNotDisposed();
            try
            {
                var answer = await _api.SendAsync(HttpMethod.Get, ModulePath(moduleId) + "/enabled", null, moduleId, cancellationToken).ConfigureAwait(false);
                return JsonFields.Bool(answer.Body, "enabled") == true;
            }
            catch (ModuleNotLicensedException)
            {
                return false;
            }
        }

        /// <inheritdoc />
        public IReadOnlyList<CatalogModule> GetCatalog()
        {
            return Wait(GetCatalogAsync(CancellationToken.None));
        }

        /// <inheritdoc />
        public Task<IReadOnlyList<CatalogModule>> GetCatalogAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            CheckNotDisposed();
            Task<IReadOnlyList<CatalogModule>> loading;
            lock (_gate)
            {
                if (_catalog != null && !_catalog.IsFaulted && !_catalog.IsCanceled) return _catalog;
                // One caller's token must not cancel a load other callers share: the shared load runs on the timeout alone.
                loading = LoadCatalogAsync();
                _catalog = loading;
            }
            return cancellationToken.CanBeCanceled ? WithCancellation(loading, cancellationToken) : loading;
        }

        /// <summary>Releases every slot this service holds (best effort) and closes its HTTP connections.</summary>
        public void Dispose()
        {
            List<LicenseSlot> held;
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
                held = _slots.Values.ToList();
                _slots.Clear();
            }
            var releases = held.Select(s => s.ReleaseAsync(CancellationToken.None)).ToArray();
            try
            {
                Task.WaitAll(releases);
            }
            catch (AggregateException)
            {
                // Unreachable node: the slots free themselves after their heartbeat TTL.
            }
            _api.Dispose();
        }

        internal TimeSpan HeartbeatIntervalFor(LeaseView view)
        {
            return _options.HeartbeatInterval ?? view.HeartbeatInterval;
        }

        internal async Task<DateTimeOffset> HeartbeatAsync(LicenseSlot slot, string leaseId, bool active)
        {
            var body = new Dictionary<string, object> { { "leaseId", leaseId }, { "active", !_options.TrackActivity || active } };
            var answer = await _api.SendAsync(HttpMethod.Post, LeasePath(slot.ModuleId, slot.DeviceId) + "/heartbeat", body, slot.ModuleId, CancellationToken.None).ConfigureAwait(false);
            return Time.FromEpochMs(JsonFields.Long(answer.Body, "expiresAt") ?? 0);
        }

        internal async Task ReleaseSlotAsync(LicenseSlot slot, string leaseId, CancellationToken cancellationToken)
        {
            Forget(slot);
            await SendRelease(slot.ModuleId, slot.DeviceId, leaseId, cancellationToken).ConfigureAwait(false);
        }

        internal void Forget(LicenseSlot slot)
        {
            lock (_gate)
            {
                LicenseSlot current;
                if (_slots.TryGetValue(Key(slot.ModuleId, slot.DeviceId), out current) && ReferenceEquals(current, slot)) _slots.Remove(Key(slot.ModuleId, slot.DeviceId));
            }
        }

        internal void RaiseSlotLost(SlotLostEventArgs args)
        {
            var handler = SlotLost;
            if (handler == null) return;
            try
            {
                handler(this, args);
            }
            catch (Exception)
            {
                // A throwing application handler must not take down the heartbeat thread.
            }
        }

        private async Task SendRelease(int moduleId, string deviceId, string leaseId, CancellationToken cancellationToken)
        {
            try
            {
                // With the lease id, a stale object cannot release a slot the same device has since re-taken elsewhere.
                await _api.SendAsync(Delete, LeasePath(moduleId, deviceId) + "?leaseId=" + HttpApi.Segment(leaseId), null, moduleId, cancellationToken).ConfigureAwait(false);
            }
            catch (SlotLostException)
            {
                // Already gone: releasing is idempotent.
            }
        }

        private async Task<IReadOnlyList<CatalogModule>> LoadCatalogAsync()
        {
            var answer = await _api.SendAsync(HttpMethod.Get, "v1/catalog", null, null, CancellationToken.None).ConfigureAwait(false);
            var modules = new List<CatalogModule>();
            foreach (var item in JsonFields.Array(answer.Body, "modules"))
            {
                var m = item as Dictionary<string, object>;
                var id = JsonFields.Long(m, "id");
                if (!id.HasValue) continue;
                var ttl = JsonFields.Long(m, "heartbeatTtlSeconds");
                modules.Add(new CatalogModule((int)id.Value, JsonFields.String(m, "name"), JsonFields.String(m, "kind"), JsonFields.String(JsonFields.Object(m, "policy"), "strategy"), ttl.HasValue ? (int?)ttl.Value : null));
            }
            return modules.AsReadOnly();
        }

        private static async Task<T> WithCancellation<T>(Task<T> task, CancellationToken cancellationToken)
        {
            var cancelled = new TaskCompletionSource<bool>();
            using (cancellationToken.Register(() => cancelled.TrySetResult(true)))
            {
                if (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) != task) throw new OperationCanceledException(cancellationToken);
            }
            return await task.ConfigureAwait(false);
        }

        private static T Wait<T>(Task<T> task)
        {
            // GetResult rethrows the original exception rather than an AggregateException; the library awaits with
            // ConfigureAwait(false) throughout, so blocking here does not deadlock a UI thread's context.
            return task.GetAwaiter().GetResult();
        }

        private void CheckNotDisposed()
        {
            lock (_gate) if (_disposed) throw new ObjectDisposedException(nameof(LicensingService));
        }

        private static void CheckModuleId(int moduleId)
        {
            if (moduleId <= 0) throw new ArgumentOutOfRangeException(nameof(moduleId), "moduleId must be a positive module id");
        }

        private static void CheckId(string value, string name)
        {
            // Anything else about the id (length, characters) is the node's to judge: it answers VALIDATION_FAILED.
            if (string.IsNullOrEmpty(value)) throw new ArgumentException(name + " must be a non-empty string", name);
        }

        private static string ModulePath(int moduleId)
        {
            return "v1/modules/" + moduleId.ToString(CultureInfo.InvariantCulture);
        }

        private static string LeasePath(int moduleId, string deviceId)
        {
            return ModulePath(moduleId) + "/leases/" + HttpApi.Segment(deviceId);
        }

        private static string Key(int moduleId, string deviceId)
        {
            return moduleId.ToString(CultureInfo.InvariantCulture) + "\n" + deviceId;
        }
    }
}
