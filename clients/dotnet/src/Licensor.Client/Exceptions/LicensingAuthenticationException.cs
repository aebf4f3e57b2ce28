using System;

namespace Licensor.Client
{
    /// <summary>The token is missing or unknown, or its role may not do this (<c>UNAUTHENTICATED</c>, <c>FORBIDDEN</c>).</summary>
    public class LicensingAuthenticationException : LicensingException
    {
        /// <summary>Builds the exception for a problem.</summary>
        /// <param name="problem">What the node (or the client) said.</param>
        /// <param name="innerException">The underlying exception, if any.</param>
        public LicensingAuthenticationException(LicensingProblem problem, Exception innerException = null) : base(problem, innerException) { }
    }
}
