using System;

namespace Licensor.Client
{
    /// <summary>The license or allocation has passed its end date, or is not yet valid (<c>LICENSE_EXPIRED</c>, <c>LICENSE_NOT_YET_VALID</c>).</summary>
    public class LicenseExpiredException : LicensingException
    {
        /// <summary>Builds the exception for a problem.</summary>
        /// <param name="problem">What the node (or the client) said.</param>
        /// <param name="innerException">The underlying exception, if any.</param>
        public LicenseExpiredException(LicensingProblem problem, Exception innerException = null) : base(problem, innerException) { }
    }
}
