using System;

namespace Licensor.Client
{
    /// <summary>The node has no valid license installed (<c>LICENSE_MISSING</c>); client work is refused until one arrives.</summary>
    public class LicenseMissingException : LicensingException
    {
        /// <summary>Builds the exception for a problem.</summary>
        /// <param name="problem">What the node (or the client) said.</param>
        /// <param name="innerException">The underlying exception, if any.</param>
        public LicenseMissingException(LicensingProblem problem, Exception innerException = null) : base(problem, innerException) { }
    }
}
