using System;

namespace Licensor.Client
{
    /// <summary>The node rejected a request field (<c>VALIDATION_FAILED</c>); <see cref="LicensingProblem.Field"/> names it.</summary>
    public class InvalidLicensingRequestException : LicensingException
    {
        /// <summary>Builds the exception for a problem.</summary>
        /// <param name="problem">What the node (or the client) said.</param>
        /// <param name="innerException">The underlying exception, if any.</param>
        public InvalidLicensingRequestException(LicensingProblem problem, Exception innerException = null) : base(problem, innerException) { }
    }
}
