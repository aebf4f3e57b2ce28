using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Licensor.Client.Tests
{
    [LicensedModule(ClientTests.Display)]
    internal class CustomerScreen { }

    internal sealed class CustomerScreenPro : CustomerScreen { }

    [LicensedModule(ClientTests.Gateway)]
    internal sealed class TerminalGateway { }

    [LicensedModule(ClientTests.Manager)]
    internal sealed class ManagerReports { }

    internal sealed class UnmarkedPlugin { }

    /// <summary>
    /// The C# client against a real node: <c>mono LicensorClientTests.exe URL APP_TOKEN ADMIN_TOKEN SCENARIO</c>. The
    /// node (started by test/dotnet-client.test.ts) holds the license these module ids and quantities come from.
    /// </summary>
    public static class ClientTests
    {
        /// <summary>Terminals: a connection module with 10 slots and a 3 s heartbeat TTL (the suite's own catalog).</summary>
        public const int Terminals = 91001;
        /// <summary>Gateways: a connection module with 5 slots (the suite's own catalog).</summary>
        public const int Gateways = 91002;
        /// <summary>Cash registers (BLOCK_LATEST), 2 licensed; add-on 2101 licensed, 2102 not.</summary>
        public const int Registers = 2001;
        /// <summary>An add-on feature of the cash register that the license grants.</summary>
        public const int Discounts = 2101;
        /// <summary>An add-on feature of the cash register that the license does not grant.</summary>
        public const int BonusAccounts = 2102;
        /// <summary>Processing Center (DEGRADE), quota 10.</summary>
        public const int Processing = 3001;
        /// <summary>Customer display plugin, pay per instance: 1 instance licensed.</summary>
        public const int Display = 10001;
        /// <summary>Terminal gateway plugin module: uncounted, licensed.</summary>
        public const int Gateway = 10002;
        /// <summary>Manager: in the catalog, not in the license.</summary>
        public const int Manager = 4001;

        private static Uri _url;
        private static string _token;
        private static Admin _admin;

        /// <summary>Runs one scenario; exit code 0 when every check passed.</summary>
        public static int Main(string[] args)
        {
            if (args.Length != 4)
            {
                Console.Error.WriteLine("usage: LicensorClientTests.exe URL APP_TOKEN ADMIN_TOKEN slots|hold|members|quota|plugins|errors|concurrency|cutoff");
                return 2;
            }
            _url = new Uri(args[0]);
            _token = args[1];
            _admin = new Admin(_url, args[2]);
            try
            {
                switch (args[3])
                {
                    case "slots": Slots(); break;
                    case "hold": Hold(); break;
                    case "members": Members(); break;
                    case "quota": Quota(); break;
                    case "plugins": Plugins(); break;
                    case "errors": Errors(); break;
                    case "concurrency": Concurrency(); break;
                    case "cutoff": Cutoff(); break;
                    default: Console.Error.WriteLine("unknown scenario " + args[3]); return 2;
                }
                Console.WriteLine("PASS " + args[3]);
                return 0;
            }
            catch (Exception e)
            {
                Console.WriteLine("FAIL - " + e);
                return 1;
            }
        }

        /// <summary>The plugin-licensing scenario: 10 devices, the 11th declined, re-take, dispose, admit.</summary>
        private static void Slots()
        {
            using (var licensing = new LicensingService(_url, _token))
            {
                var slots = new Dictionary<int, LicenseSlot>();
                for (var i = 1; i <= 10; i++) slots[i] = licensing.AcquireSlot(Terminals, "device-" + i);
                Check.That(slots.Values.All(s => s.LeaseId.StartsWith("lse_", StringComparison.Ordinal) && !s.Reacquired && s.ModuleId == Terminals), "devices 1..10 each take a slot");
                Check.Equal(10, _admin.LiveHolders(Terminals).Count, "the node counts 10 used");
                Check.Equal(10, licensing.HeldSlots.Count, "the service lists 10 held slots");

                var full = Check.Throws<InsufficientLicenseException>(() => licensing.AcquireSlot(Terminals, "device-11"), "device 11 is declined");
                Check.Equal(Terminals, full.ModuleId, "the exception names the module");
                Check.Equal(10, full.Quantity, "the exception carries the licensed quantity");
                Check.Equal(10, full.InUse, "the exception carries the in-use count");
                Check.Equal(ErrorCodes.InsufficientLicense, full.Code, "the exception carries the node's code");
                Check.Equal((int?)409, full.Status, "the exception carries the HTTP status");
                Check.That(full.Detail.Contains("10 of 10 in use") && full.RequestId != null, "the detail is readable and the request id is kept");

                // The module's TTL is 3 s: only the background heartbeats keep the slots past it.
                var firstExpiry = slots[1].ExpiresAt;
                Thread.Sleep(TimeSpan.FromSeconds(4.5));
                Check.Equal(10, _admin.LiveHolders(Terminals).Count, "heartbeats keep all 10 slots past their 3 s TTL");
                Check.That(slots[1].ExpiresAt > firstExpiry, "a heartbeat moved the expiry on");
                Check.That(slots.Values.All(s => !s.IsLost), "no slot was lost");

                var again = licensing.AcquireSlot(Terminals, "device-3");
                Check.That(ReferenceEquals(again, slots[3]) && again.Reacquired, "device 3 re-takes its own slot (the same object)");
                Check.Equal(10, _admin.LiveHolders(Terminals).Count, "still 10 used after device 3 re-acquires");
                Check.Equal(10, Check.Throws<InsufficientLicenseException>(() => licensing.AcquireSlot(Terminals, "device-11"), "device 11 is still declined").InUse, "in use stays 10");

                // The same device after a restart of its process: another service, the same slot.
                var restarted = new LicensingService(_url, _token);
                var lostOnRestarted = new ManualResetEventSlim();
                LicensingException lostReason = null;
                restarted.SlotLost += (sender, e) =>
                {
                    lostReason = e.Reason;
                    lostOnRestarted.Set();
                };
                var fromRestart = restarted.AcquireSlot(Terminals, "device-3");
                Check.That(fromRestart.Reacquired && fromRestart.LeaseId == slots[3].LeaseId, "device 3 from a restarted process re-takes the same slot");
                Check.Equal(10, _admin.LiveHolders(Terminals).Count, "still 10 used");

                slots[3].Dispose();
                slots[3].Dispose();
                Check.That(slots[3].IsReleased && !_admin.LiveHolders(Terminals).Contains("device-3"), "device 3 disposes: its slot is free (twice is fine)");
                var eleventh = licensing.AcquireSlot(Terminals, "device-11");
                Check.That(!eleventh.Reacquired, "device 11 is admitted");
                Check.Equal(10, _admin.LiveHolders(Terminals).Count, "10 used again");

                Check.That(lostOnRestarted.Wait(TimeSpan.FromSeconds(5)), "the restarted process learns at its next heartbeat that device 3's slot is gone");
                Check.That(lostReason is SlotLostException && fromRestart.IsLost && restarted.HeldSlots.Count == 0, "as SlotLostException; the slot is no longer held");
                restarted.Dispose();
                Check.Equal(10, _admin.LiveHolders(Terminals).Count, "disposing that service frees nothing it no longer held");

                // An administrator force-releases a device: the holder learns it from the next heartbeat.
                var revoked = new ManualResetEventSlim();
                slots[1].Lost += (sender, e) => revoked.Set();
                _admin.Revoke(Terminals, "device-1");
                Check.That(revoked.Wait(TimeSpan.FromSeconds(5)) && slots[1].IsLost && slots[1].LostReason.Code == ErrorCodes.LeaseNotFound, "a force-released slot is reported lost");
                slots[1].Dispose();
                Check.Equal(9, licensing.HeldSlots.Count, "held slots drop the lost one");
            }
            Check.Equal(0, _admin.LiveHolders(Terminals).Count, "disposing the service releases every slot it held");
        }

        /// <summary>Takes slots and exits without disposing anything, as a crashed or killed plugin host would.</summary>
        private static void Hold()
        {
            var licensing = new LicensingService(_url, _token);
            var slots = Enumerable.Range(1, 4).Select(i => licensing.AcquireSlot(Terminals, "till-" + i)).ToList();
            var first = slots[0].ExpiresAt;
            Check.Eventually(() => slots[0].ExpiresAt > first, TimeSpan.FromSeconds(5), "the held slots are heartbeaten");
            Console.WriteLine("HELD " + string.Join(",", slots.Select(s => s.DeviceId)));
            // No Dispose: Main returns and the process ends with the slots still taken.
        }

        /// <summary>
        /// Takes a slot through a proxy that goes dark once the slot is taken (the test's side): no heartbeat reaches the
        /// node any more, so the node frees the slot after its TTL, and the service must say the slot is lost then.
        /// </summary>
        private static void Cutoff()
        {
            using (var licensing = new LicensingService(_url, _token))
            {
                var slot = licensing.AcquireSlot(Terminals, "cut-off-1");
                var lost = new ManualResetEventSlim();
                slot.Lost += (sender, e) => lost.Set();
                var watch = System.Diagnostics.Stopwatch.StartNew();
                Check.That(lost.Wait(TimeSpan.FromSeconds(15)), "the slot is declared lost while the node cannot be reached");
                Check.That(watch.Elapsed >= TimeSpan.FromSeconds(2), "not before its time to live (3 s) has passed: " + watch.Elapsed);
                Check.Equal(ErrorCodes.LeaseNotFound, slot.LostReason.Problem.Code, "lost as expired");
                Check.That(slot.LostReason.Problem.Detail.Contains("time to live"), "the reason says why: " + slot.LostReason.Problem.Detail);
                Check.Equal(0, licensing.HeldSlots.Count, "the service no longer lists it");
            }
        }

        /// <summary>Cash registers: one active, one blocked for an unlicensed add-on, one beyond the quantity.</summary>
        private static void Members()
        {
            using (var licensing = new LicensingService(_url, _token))
            {
                var first = licensing.SyncMember(Registers, "register-1", new[] { Discounts });
                Check.That(first.State == MemberState.Active && !first.IsBlocked && first.Position == 1 && first.Quantity == 2 && first.Reasons.Count == 0, "register 1 with a licensed add-on is active");

                var addOn = licensing.SyncMember(Registers, "register-2", new[] { Discounts, BonusAccounts });
                Check.That(addOn.IsBlocked && addOn.Reasons.Contains("features_unlicensed"), "register 2 with an unlicensed add-on is reported blocked");
                Check.That(addOn.MissingFeatures.SequenceEqual(new[] { BonusAccounts }) && addOn.Detail != null, "the unlicensed add-on is named");

                // Blocked for its add-on, register 2 takes no seat: register 3 has the second one, register 4 is beyond.
                var third = licensing.SyncMemberAsync(Registers, "register-3").GetAwaiter().GetResult();
                Check.That(third.State == MemberState.Active, "register 3 takes the seat register 2 does not (async variant)");
                var fourth = licensing.SyncMember(Registers, "register-4");
                Check.That(fourth.IsBlocked && fourth.Reasons.Contains("beyond_quantity"), "register 4 is beyond the licensed 2");

                var resync = licensing.SyncMember(Registers, "register-1");
                Check.That(resync.State == MemberState.Active && resync.Position == 1, "a re-sync without a profile keeps register 1 active");
            }
        }

        /// <summary>Processing Center: report counts, check operations.</summary>
        private static void Quota()
        {
            using (var licensing = new LicensingService(_url, _token))
            {
                var ok = licensing.ReportQuota(Processing, 5);
                Check.That(ok.State == QuotaState.Ok && ok.Count == 5 && ok.Quantity == 10 && ok.Refused.Count == 0, "5 of 10 is within the quota");
                Check.That(licensing.CheckOperation(Processing, "accept-new-data").Allowed, "new data is accepted within the quota");

                var over = licensing.ReportQuota(Processing, 12);
                Check.That(over.State == QuotaState.OverQuota && over.Refused.Contains("accept-new-data") && over.Allowed.Contains("debit-existing-account"), "12 of 10 is over quota");
                var refused = licensing.CheckOperation(Processing, "accept-new-data");
                Check.That(!refused.Allowed && !string.IsNullOrEmpty(refused.Detail), "accepting new data is refused over quota, with a reason: " + refused.Detail);
                Check.That(licensing.CheckOperationAsync(Processing, "debit-existing-account").GetAwaiter().GetResult().Allowed, "debits on existing accounts still work (async variant)");

                var back = licensing.ReportQuotaAsync(Processing, 3).GetAwaiter().GetResult();
                Check.That(back.State == QuotaState.Ok && licensing.CheckOperation(Processing, "send-new-data").Allowed, "back within the quota, everything is allowed again");
            }
        }

        /// <summary>Plugins marked with [LicensedModule]: loaded only when licensed.</summary>
        private static void Plugins()
        {
            using (var licensing = new LicensingService(_url, _token))
            {
                Check.Equal((int?)Display, PluginLicense.ModuleIdOf(typeof(CustomerScreenPro)), "a subclass is licensed under its marked ancestor's module");
                Check.Equal((int?)null, PluginLicense.ModuleIdOf(typeof(UnmarkedPlugin)), "an unmarked class has no module");
                Check.Throws<ArgumentException>(() => PluginLicense.Acquire(licensing, typeof(UnmarkedPlugin), "pos-1"), "an unmarked plugin cannot be licensed");

                using (var first = PluginLicense.Acquire(licensing, typeof(CustomerScreen), "pos-1"))
                {
                    Check.That(first.ModuleId == Display && first.Slot != null && first.Slot.DeviceId == "pos-1", "the first display instance takes the one licensed slot");
                    var second = Check.Throws<InsufficientLicenseException>(() => PluginLicense.Acquire(licensing, typeof(CustomerScreen), "pos-2"), "a second instance is not loaded");
                    Check.That(second.Detail.Contains("not loaded") && second.Quantity == 1 && second.InUse == 1, "the refusal says the plugin was not loaded, with the counts");
                    using (var again = PluginLicense.Acquire(licensing, typeof(CustomerScreen), "pos-1"))
                    {
                        Check.That(again.Slot.Reacquired, "the same instance re-takes its slot");
                    }
                }
                using (var next = PluginLicense.AcquireAsync(licensing, typeof(CustomerScreen), "pos-2").GetAwaiter().GetResult())
                {
                    Check.That(next.Slot != null, "after the first instance is unloaded the next one loads (async variant)");
                }

                using (var gateway = PluginLicense.Acquire(licensing, typeof(TerminalGateway), "pos-1"))
                {
                    Check.That(gateway.Slot == null && gateway.ModuleId == Gateway, "an uncounted plugin module loads without a slot");
                }
                var unlicensed = Check.Throws<ModuleNotLicensedException>(() => PluginLicense.Acquire(licensing, typeof(ManagerReports), "pos-1"), "a plugin whose module is not licensed is not loaded");
                Check.Equal(ErrorCodes.ModuleNotLicensed, unlicensed.Code, "with the node's code");
                Check.That(licensing.IsModuleEnabled(Gateway) && !licensing.IsModuleEnabled(Manager) && !licensing.IsModuleEnabled(999999), "IsModuleEnabled: licensed, unlicensed, unknown");
                var catalog = licensing.GetCatalog();
                Check.That(catalog.Any(m => m.Id == Terminals && m.HeartbeatTtlSeconds == 3 && m.CountsSlots) && catalog.Any(m => m.Id == Gateway && !m.CountsSlots), "the catalog lists modules with their strategy");
            }
        }

        /// <summary>Refusals by code, argument checks, cancellation and the per-call timeout.</summary>
        private static void Errors()
        {
            using (var licensing = new LicensingService(_url, _token))
            using (var stranger = new LicensingService(_url, "lsr_not_a_token"))
            {
                var auth = Check.Throws<LicensingAuthenticationException>(() => stranger.AcquireSlot(Terminals, "device-x"), "a wrong token is refused");
                Check.That(auth.Code == ErrorCodes.Unauthenticated && auth.Status == 401, "as UNAUTHENTICATED, 401");
                var unknown = Check.Throws<ModuleNotLicensedException>(() => licensing.AcquireSlot(999999, "device-x"), "an unknown module is refused");
                Check.Equal(ErrorCodes.ModuleUnknown, unknown.Code, "as MODULE_UNKNOWN");
                var kind = Check.Throws<LicensingException>(() => licensing.AcquireSlot(Registers, "device-x"), "a slot of a register module is refused");
                Check.That(kind.Code == ErrorCodes.ModuleKindMismatch && kind.GetType() == typeof(LicensingException), "as a plain LicensingException with MODULE_KIND_MISMATCH");
                var invalid = Check.Throws<InvalidLicensingRequestException>(() => licensing.AcquireSlot(Terminals, "device with spaces"), "a device id the node does not accept is refused");
                Check.Equal(ErrorCodes.ValidationFailed, invalid.Code, "as VALIDATION_FAILED");
                Check.Throws<ArgumentOutOfRangeException>(() => licensing.AcquireSlot(0, "device-x"), "module id 0 is an argument error");
                Check.Throws<ArgumentException>(() => licensing.AcquireSlot(Terminals, ""), "an empty device id is an argument error");
                Check.Throws<ArgumentException>(() => new LicensingService(new Uri("ftp://example.com/"), _token), "only http and https URLs are accepted");

                using (var cancelled = new CancellationTokenSource())
                {
                    cancelled.Cancel();
                    Check.Throws<OperationCanceledException>(() => licensing.AcquireSlotAsync(Terminals, "device-x", cancelled.Token).GetAwaiter().GetResult(), "a cancelled token stops the call");
                }
                Check.Equal(0, _admin.LiveHolders(Terminals).Count(h => h == "device-x"), "nothing was taken by the refused calls");
            }

            using (var hung = new SilentServer())
            {
                using (var slow = new LicensingService(hung.Url, _token, new LicensingServiceOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) }))
                {
                    var watch = Stopwatch.StartNew();
                    var timeout = Check.Throws<LicensingConnectionException>(() => slow.AcquireSlot(Terminals, "device-x"), "a node that does not answer times out");
                    Check.That(timeout.Code == ErrorCodes.RequestTimeout && watch.ElapsedMilliseconds < 3000, "as REQUEST_TIMEOUT after the 300 ms timeout (" + watch.ElapsedMilliseconds + " ms)");
                }
                using (var patient = new LicensingService(hung.Url, _token))
                using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
                {
                    var watch = Stopwatch.StartNew();
                    Check.Throws<OperationCanceledException>(() => patient.ReportQuotaAsync(Processing, 1, cts.Token).GetAwaiter().GetResult(), "cancelling a call in flight");
                    Check.That(watch.ElapsedMilliseconds < 3000, "ends it at once, not at the 10 s timeout");
                }
            }

            int closedPort;
            using (var probe = new SilentServer()) closedPort = probe.Url.Port;
            using (var nobody = new LicensingService(new Uri("http://127.0.0.1:" + closedPort + "/"), _token))
            {
                var refused = Check.Throws<LicensingConnectionException>(() => nobody.AcquireSlot(Terminals, "device-x"), "a node that is not there");
                Check.Equal(ErrorCodes.ConnectionFailed, refused.Code, "is CONNECTION_FAILED");
            }

            var disposed = new LicensingService(_url, _token);
            disposed.Dispose();
            disposed.Dispose();
            Check.Throws<ObjectDisposedException>(() => disposed.AcquireSlot(Terminals, "device-x"), "a disposed service refuses work");
        }

        /// <summary>Many threads on one service: the pool admits exactly its quantity.</summary>
        private static void Concurrency()
        {
            using (var licensing = new LicensingService(_url, _token))
            {
                var tasks = Enumerable.Range(1, 20).Select(i => Task.Run(() => licensing.AcquireSlotAsync(Gateways, "gw-" + i))).ToArray();
                var granted = new List<LicenseSlot>();
                var declined = 0;
                foreach (var t in tasks)
                {
                    try
                    {
                        granted.Add(t.GetAwaiter().GetResult());
                    }
                    catch (InsufficientLicenseException)
                    {
                        declined++;
                    }
                }
                Check.That(granted.Count == 5 && declined == 15, "20 devices at once on 5 slots: 5 admitted, 15 declined (" + granted.Count + "/" + declined + ")");
                Check.Equal(5, _admin.LiveHolders(Gateways).Count, "the node counts 5");

                var same = new LicenseSlot[8];
                var threads = Enumerable.Range(0, 8).Select(i => new Thread(() => same[i] = licensing.AcquireSlot(Gateways, granted[0].DeviceId))).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                Check.That(same.All(s => ReferenceEquals(s, granted[0])), "8 threads re-taking one device's slot all get the same slot object");
                Check.Equal(5, licensing.HeldSlots.Count, "the service still holds 5");

                Parallel.ForEach(granted, s => s.Dispose());
                Check.That(licensing.HeldSlots.Count == 0 && _admin.LiveHolders(Gateways).Count == 0, "disposing from many threads frees every slot");
            }
        }
    }
}
