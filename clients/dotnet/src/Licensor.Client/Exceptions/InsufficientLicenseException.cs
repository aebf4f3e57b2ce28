using System;

namespace Licensor.Client
{
    /// <summary>
    /// Every slot of the module is in use (<c>INSUFFICIENT_LICENSE</c>): the maximum number of devices is connected, and
    /// the next device in the queue must be declined.
    /// </summary>
    public class InsufficientLicenseException : LicensingException
    {
        /// <summary>Builds the exception for a problem.</summary>
        /// <param name="problem">What the node said (its data carries <c>moduleId</c>, <c>quantity</c> and <c>used</c>).</param>
        /// <param name="innerException">The underlying exception, if any.</param>
        public InsufficientLicenseException(LicensingProblem problem, Exception innerException = null) : base(problem, innerException) { }

        /// <summary>The module whose pool is full.</summary>
        public int ModuleId { get { return IntData("moduleId", 0); } }

        /// <summary>How many slots the license grants for the module.</summary>
        public int Quantity { get { return IntData("quantity", 0); } }

        /// <summary>How many slots are in use (can exceed <see cref="Quantity"/> after the license shrank).</summary>
        public int InUse { get { return IntData("used", 0); } }
    }
}
