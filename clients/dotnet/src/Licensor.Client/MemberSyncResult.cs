using System.Collections.Generic;

namespace Licensor.Client
{
    /// <summary>Whether a member (a cash register, a subordinate server) may work.</summary>
    public enum MemberState
    {
        /// <summary>The member is within the licensed quantity and its profile is licensed: it may sync.</summary>
        Active,
        /// <summary>The member is beyond the licensed quantity, or its profile enables unlicensed features: its sync must stop.</summary>
        Blocked,
    }

    /// <summary>What a member learns when it connects or syncs (<see cref="ILicensingService.SyncMember"/>).</summary>
    public sealed class MemberSyncResult
    {
        /// <summary>Builds a result (the service does; tests and fakes may too).</summary>
        /// <param name="moduleId">The member's module.</param>
        /// <param name="memberId">The member's id.</param>
        /// <param name="state">Active or blocked.</param>
        /// <param name="position">1-based position in order of first connection.</param>
        /// <param name="quantity">The licensed quantity; null for unlimited.</param>
        /// <param name="reasons">Why the member is blocked (<c>beyond_quantity</c>, <c>features_unlicensed</c>).</param>
        /// <param name="missingFeatures">Feature module ids the profile enables without a license.</param>
        /// <param name="detail">A readable explanation when blocked.</param>
        public MemberSyncResult(int moduleId, string memberId, MemberState state, int position, int? quantity, IReadOnlyList<string> reasons, IReadOnlyList<int> missingFeatures, string detail)
        {
            ModuleId = moduleId;
            MemberId = memberId;
            State = state;
            Position = position;
            Quantity = quantity;
            Reasons = reasons ?? new string[0];
            MissingFeatures = missingFeatures ?? new int[0];
            Detail = detail;
        }

        /// <summary>The member's module (e.g. 2001, cash registers).</summary>
        public int ModuleId { get; private set; }

        /// <summary>The member's id.</summary>
        public string MemberId { get; private set; }

        /// <summary>Active, or blocked (its sync must stop).</summary>
        public MemberState State { get; private set; }

        /// <summary>True when <see cref="State"/> is <see cref="MemberState.Blocked"/>.</summary>
        public bool IsBlocked { get { return State == MemberState.Blocked; } }

        /// <summary>1-based position in order of first connection; members beyond the quantity are blocked, latest first.</summary>
        public int Position { get; private set; }

        /// <summary>The licensed quantity; null for unlimited.</summary>
        public int? Quantity { get; private set; }

        /// <summary>Why the member is blocked: <c>beyond_quantity</c>, <c>features_unlicensed</c>; empty when active.</summary>
        public IReadOnlyList<string> Reasons { get; private set; }

        /// <summary>The add-on (feature) module ids the member's profile enables without a license.</summary>
        public IReadOnlyList<int> MissingFeatures { get; private set; }

        /// <summary>A readable explanation when blocked for unlicensed features; otherwise null.</summary>
        public string Detail { get; private set; }
    }
}
