using System;

namespace Licensor.Client
{
    /// <summary>The slot is gone: it expired, was released, force-released by an administrator or evicted (<c>LEASE_NOT_FOUND</c>, <c>LEASE_EVICTED</c>).</summary>
    public class SlotLostException : LicensingException
    {
        /// <summary>Builds the exception for a problem.</summary>
        /// <param name="problem">What the node (or the client) said.</param>
        /// <param name="innerException">The underlying exception, if any.</param>
        public SlotLostException(LicensingProblem problem, Exception innerException = null) : base(problem, innerException) { }
    }
}
