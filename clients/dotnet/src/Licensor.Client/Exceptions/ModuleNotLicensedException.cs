using System;

namespace Licensor.Client
{
    /// <summary>The license grants nothing for this module, or the node does not know it (<c>MODULE_NOT_LICENSED</c>, <c>MODULE_UNKNOWN</c>).</summary>
    public class ModuleNotLicensedException : LicensingException
    {
        /// <summary>Builds the exception for a problem.</summary>
        /// <param name="problem">What the node (or the client) said.</param>
        /// <param name="innerException">The underlying exception, if any.</param>
        public ModuleNotLicensedException(LicensingProblem problem, Exception innerException = null) : base(problem, innerException) { }
    }
}
