using System;

namespace Licensor.Client
{
    /// <summary>The node could not be reached, the connection broke, or it did not answer within the request timeout (<c>CONNECTION_FAILED</c>, <c>REQUEST_TIMEOUT</c>).</summary>
    public class LicensingConnectionException : LicensingException
    {
        /// <summary>Builds the exception for a problem.</summary>
        /// <param name="problem">What the node (or the client) said.</param>
        /// <param name="innerException">The underlying exception, if any.</param>
        public LicensingConnectionException(LicensingProblem problem, Exception innerException = null) : base(problem, innerException) { }
    }
}
