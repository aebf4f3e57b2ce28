using System;
using System.Collections.Generic;

namespace Licensor.Client.Internal
{
    /// <summary>A lease as the node answers it to an acquire.</summary>
    internal sealed class LeaseView
    {
        public string LeaseId;
        public DateTimeOffset AcquiredAt;
        public DateTimeOffset ExpiresAt;
        public TimeSpan HeartbeatInterval;
        public bool Reacquired;
        public bool NonProduction;

        /// <summary>Reads the node's lease answer; a missing lease id means the answer is not a lease.</summary>
        public static LeaseView From(Dictionary<string, object> body)
        {
            var leaseId = JsonFields.String(body, "leaseId");
            if (leaseId == null) throw new LicensingException(new LicensingProblem(ErrorCodes.Internal, "the node's acquire answer has no leaseId"));
            return new LeaseView
            {
                LeaseId = leaseId,
                AcquiredAt = Time.FromEpochMs(JsonFields.Long(body, "acquiredAt") ?? 0),
                ExpiresAt = Time.FromEpochMs(JsonFields.Long(body, "expiresAt") ?? 0),
                // The node asks for a third of the TTL; 20 s covers a node that says nothing (its default TTL is 60 s).
                HeartbeatInterval = TimeSpan.FromMilliseconds(Math.Max(100, JsonFields.Long(body, "heartbeatIntervalMs") ?? 20000)),
                Reacquired = JsonFields.Bool(body, "reacquired") ?? false,
                NonProduction = JsonFields.Bool(body, "nonProduction") ?? false,
            };
        }
    }

    /// <summary>Epoch milliseconds, as the node's API carries times.</summary>
    internal static class Time
    {
        private static readonly DateTimeOffset Epoch = new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public static DateTimeOffset FromEpochMs(long ms)
        {
            return Epoch.AddMilliseconds(ms);
        }
    }
}
