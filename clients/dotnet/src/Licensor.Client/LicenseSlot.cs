using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Licensor.Client.Internal;

namespace Licensor.Client
{
    /// <summary>
    /// A slot of a module held by one device (or plugin instance), as <see cref="ILicensingService.AcquireSlot"/> returns
    /// it. While it is held the service heartbeats it in the background; <see cref="Dispose"/> releases it. Keep a
    /// reference for as long as the device is connected, and dispose it when the device leaves.
    /// </summary>
    public sealed class LicenseSlot : IDisposable
    {
        private readonly LicensingService _owner;
        private readonly object _gate = new object();
        private LeaseView _view;
        private Timer _timer;
        private bool _beating;
        private bool _active;
        private Task _release;
        private LicensingException _lostReason;
        // Since the node last confirmed the slot (acquired, re-taken or heartbeat answered); monotonic, unlike the clock.
        private readonly Stopwatch _sinceConfirmed = Stopwatch.StartNew();

        internal LicenseSlot(LicensingService owner, int moduleId, string deviceId, LeaseView view)
        {
            _owner = owner;
            ModuleId = moduleId;
            DeviceId = deviceId;
            _view = view;
        }

        /// <summary>Raised once, on a thread-pool thread, when the node takes the slot away (see <see cref="LostReason"/>).</summary>
        public event EventHandler<SlotLostEventArgs> Lost;

        /// <summary>The module whose pool this slot belongs to.</summary>
        public int ModuleId { get; private set; }

        /// <summary>The device (or plugin instance) holding the slot; the same id re-takes the same slot.</summary>
        public string DeviceId { get; private set; }

        /// <summary>The node's id of this slot (<c>lse_…</c>); unchanged while the device keeps re-taking it.</summary>
        public string LeaseId { get { lock (_gate) return _view.LeaseId; } }

        /// <summary>When the device first took the slot.</summary>
        public DateTimeOffset AcquiredAt { get { lock (_gate) return _view.AcquiredAt; } }

        /// <summary>When the node frees the slot unless a heartbeat comes first; moves on with every heartbeat.</summary>
        public DateTimeOffset ExpiresAt { get { lock (_gate) return _view.ExpiresAt; } }

        /// <summary>How often the service heartbeats this slot.</summary>
        public TimeSpan HeartbeatInterval { get { lock (_gate) return _owner.HeartbeatIntervalFor(_view); } }

        /// <summary>True when the device already held this slot when it was (last) acquired, e.g. after a restart.</summary>
        public bool Reacquired { get { lock (_gate) return _view.Reacquired; } }

        /// <summary>True when the node runs a developer license: the slot is for testing, not production.</summary>
        public bool NonProduction { get { lock (_gate) return _view.NonProduction; } }

        /// <summary>True once the node took the slot away.</summary>
        public bool IsLost { get { lock (_gate) return _lostReason != null; } }

        /// <summary>Why the slot was lost, once it was; otherwise null.</summary>
        public LicensingException LostReason { get { lock (_gate) return _lostReason; } }

        /// <summary>True once <see cref="Dispose"/> or <see cref="ReleaseAsync"/> was called.</summary>
        public bool IsReleased { get { lock (_gate) return _release != null; } }

        /// <summary>
        /// Marks user activity on the device; with <see cref="LicensingServiceOptions.TrackActivity"/> the next heartbeat
        /// reports the device active (modules that evict idle devices keep busy ones).
        /// </summary>
        public void Touch()
        {
            lock (_gate) _active = true;
        }

        /// <summary>
        /// Releases the slot so another device can take it. Never throws: if the node cannot be reached, the slot frees
        /// itself when its heartbeat TTL passes. Calling it again does nothing.
        /// </summary>
        public void Dispose()
        {
            try
            {
                ReleaseAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (LicensingException)
            {
                // Unreachable node: heartbeats have stopped, so the node frees the slot after its TTL anyway.
            }
            catch (ObjectDisposedException)
            {
                // The service was disposed first; it released its slots then.
            }
        }

        /// <summary>
        /// Releases the slot. Throws <see cref="LicensingConnectionException"/> when the node cannot be reached (the slot
        /// then frees itself after its heartbeat TTL). Every call after the first returns the first call's task.
        /// </summary>
        /// <param name="cancellationToken">Stops waiting for the node's answer.</param>
        public Task ReleaseAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            TaskCompletionSource<bool> done;
            string leaseId;
            lock (_gate)
            {
                if (_release != null) return _release;
                StopTimer();
                if (_lostReason != null)
                {
                    _release = CompletedTask();
                    return _release;
                }
                done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                _release = done.Task;
                leaseId = _view.LeaseId;
            }
            // Called outside the lock: the service takes its own lock to forget the slot, and it takes that lock
            // before ours when it looks slots up.
            RunRelease(done, leaseId, cancellationToken);
            return done.Task;
        }

        private async void RunRelease(TaskCompletionSource<bool> done, string leaseId, CancellationToken cancellationToken)
        {
            try
            {
                await _owner.ReleaseSlotAsync(this, leaseId, cancellationToken).ConfigureAwait(false);
                done.SetResult(true);
            }
            catch (OperationCanceledException)
            {
                done.SetCanceled();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }

        internal void Start()
        {
            lock (_gate) ScheduleNext();
        }

        internal void Update(LeaseView view)
        {
            lock (_gate)
            {
                _view = view;
                _sinceConfirmed.Restart();
            }
        }

        internal bool IsLive
        {
            get { lock (_gate) return _release == null && _lostReason == null; }
        }

        private void ScheduleNext()
        {
            if (_release != null || _lostReason != null) return;
            var due = _owner.HeartbeatIntervalFor(_view);
            if (_timer == null) _timer = new Timer(OnTimer, null, due, Timeout.InfiniteTimeSpan);
            else _timer.Change(due, Timeout.InfiniteTimeSpan);
        }

        private void StopTimer()
        {
            if (_timer == null) return;
            _timer.Dispose();
            _timer = null;
        }

        private void OnTimer(object state)
        {
            string leaseId;
            bool active;
            lock (_gate)
            {
                if (_beating || _release != null || _lostReason != null) return;
                _beating = true;
                leaseId = _view.LeaseId;
                active = _active;
                _active = false;
            }
            // A timer callback cannot await; the heartbeat runs on and re-arms the one-shot timer when it is done, so
            // heartbeats of one slot never overlap however slow the node is.
            BeatAsync(leaseId, active).ConfigureAwait(false);
        }

        private async Task BeatAsync(string leaseId, bool active)
        {
            LicensingException lost = null;
            try
            {
                var expiresAt = await _owner.HeartbeatAsync(this, leaseId, active).ConfigureAwait(false);
                lock (_gate)
                    if (_view.LeaseId == leaseId)
                    {
                        _view.ExpiresAt = expiresAt;
                        _sinceConfirmed.Restart();
                    }
            }
            catch (SlotLostException e)
            {
                lost = e;
            }
            catch (Exception)
            {
                // An unreachable node or a refusal of the whole node (no license) says nothing about this slot: keep
                // it and try again at the next beat, and carry the activity over so it is not forgotten. Until its time
                // to live (three heartbeat intervals, as the node asks for a third of it) has passed with no answer:
                // the node has freed it by then, and another device may hold it.
                if (active) Touch();
                lost = Overdue();
            }
            lock (_gate)
            {
                _beating = false;
                if (lost != null)
                {
                    // A release that raced the heartbeat already let the slot go; that is not a loss.
                    if (_release != null) lost = null;
                    else
                    {
                        _lostReason = lost;
                        StopTimer();
                    }
                }
                else
                {
                    ScheduleNext();
                }
            }
            if (lost != null) RaiseLost(lost);
        }

        /// <summary>A loss when no answer confirmed the slot for its whole time to live; null while it may still be held.</summary>
        private SlotLostException Overdue()
        {
            TimeSpan silent, ttl;
            lock (_gate)
            {
                silent = _sinceConfirmed.Elapsed;
                ttl = TimeSpan.FromTicks(_view.HeartbeatInterval.Ticks * 3);
            }
            if (silent <= ttl) return null;
            return new SlotLostException(new LicensingProblem(
                ErrorCodes.LeaseNotFound,
                string.Format("no heartbeat reached the node for {0:0} ms, longer than the slot's {1:0} ms time to live: the node has freed the slot", silent.TotalMilliseconds, ttl.TotalMilliseconds),
                data: new System.Collections.Generic.Dictionary<string, object> { { "reason", "expired" }, { "moduleId", ModuleId }, { "holderId", DeviceId } }));
        }

        private void RaiseLost(LicensingException reason)
        {
            _owner.Forget(this);
            var args = new SlotLostEventArgs(this, reason);
            var handler = Lost;
            if (handler != null)
            {
                try
                {
                    handler(this, args);
                }
                catch (Exception)
                {
                    // An application handler that throws must not keep the service's own listeners from hearing it.
                }
            }
            _owner.RaiseSlotLost(args);
        }

        private static Task CompletedTask()
        {
            return Task.FromResult(true);
        }
    }
}
