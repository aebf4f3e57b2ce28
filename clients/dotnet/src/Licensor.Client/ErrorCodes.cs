namespace Licensor.Client
{
    /// <summary>
    /// The stable error codes a <see cref="LicensingException"/> carries: the node's codes (its error-code registry)
    /// and the two the client raises itself (<see cref="ConnectionFailed"/>, <see cref="RequestTimeout"/>). A code not
    /// listed here can still arrive from a newer node; compare <see cref="LicensingException.Code"/> as a string.
    /// </summary>
    public static class ErrorCodes
    {
        /// <summary>A request field is missing or malformed; the message names the field.</summary>
        public const string ValidationFailed = "VALIDATION_FAILED";
        /// <summary>The node has no valid license installed; client work is refused.</summary>
        public const string LicenseMissing = "LICENSE_MISSING";
        /// <summary>The license (or allocation) has passed its end date.</summary>
        public const string LicenseExpired = "LICENSE_EXPIRED";
        /// <summary>The license is not valid before its not-before date.</summary>
        public const string LicenseNotYetValid = "LICENSE_NOT_YET_VALID";
        /// <summary>Every slot of the pool is in use.</summary>
        public const string InsufficientLicense = "INSUFFICIENT_LICENSE";
        /// <summary>The license grants no entitlement for this module.</summary>
        public const string ModuleNotLicensed = "MODULE_NOT_LICENSED";
        /// <summary>The module id is not in the node's catalog.</summary>
        public const string ModuleUnknown = "MODULE_UNKNOWN";
        /// <summary>The operation does not fit the kind or policy of this module (e.g. a slot of a register module).</summary>
        public const string ModuleKindMismatch = "MODULE_KIND_MISMATCH";
        /// <summary>A feature enabled in a profile has no license.</summary>
        public const string FeatureNotLicensed = "FEATURE_NOT_LICENSED";
        /// <summary>A reported count is above the licensed quota; the pool is degraded.</summary>
        public const string QuotaExceeded = "QUOTA_EXCEEDED";
        /// <summary>The member is beyond the licensed quantity and is blocked.</summary>
        public const string MemberBlocked = "MEMBER_BLOCKED";
        /// <summary>No live slot exists for this module and device (it expired, was released or was evicted).</summary>
        public const string LeaseNotFound = "LEASE_NOT_FOUND";
        /// <summary>The slot was evicted to make room for another device.</summary>
        public const string LeaseEvicted = "LEASE_EVICTED";
        /// <summary>No valid API token was presented.</summary>
        public const string Unauthenticated = "UNAUTHENTICATED";
        /// <summary>The token's role may not perform this operation.</summary>
        public const string Forbidden = "FORBIDDEN";
        /// <summary>Too many requests for this token; retry after the delay in the problem's data.</summary>
        public const string RateLimited = "RATE_LIMITED";
        /// <summary>The child node is beyond the licensed number of subordinate servers.</summary>
        public const string SyncBlocked = "SYNC_BLOCKED";
        /// <summary>The node's store cannot be reached; retry later.</summary>
        public const string StoreUnavailable = "STORE_UNAVAILABLE";
        /// <summary>An unexpected server error; the request id identifies it in the node's logs.</summary>
        public const string Internal = "INTERNAL";
        /// <summary>Raised by the client: the node could not be reached or the connection broke.</summary>
        public const string ConnectionFailed = "CONNECTION_FAILED";
        /// <summary>Raised by the client: the node did not answer within the request timeout.</summary>
        public const string RequestTimeout = "REQUEST_TIMEOUT";
    }
}
