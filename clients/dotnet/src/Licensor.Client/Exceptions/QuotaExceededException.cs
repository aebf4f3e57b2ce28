using System;

namespace Licensor.Client
{
    /// <summary>The module is over its quota and the operation is refused in that state (<c>QUOTA_EXCEEDED</c>).</summary>
    public class QuotaExceededException : LicensingException
    {
        /// <summary>Builds the exception for a problem.</summary>
        /// <param name="problem">What the node (or the client) said.</param>
        /// <param name="innerException">The underlying exception, if any.</param>
        public QuotaExceededException(LicensingProblem problem, Exception innerException = null) : base(problem, innerException) { }
    }
}
