using System;
using System.Collections.Generic;

namespace Licensor.Client
{
    /// <summary>A feature a register profile enables has no license (<c>FEATURE_NOT_LICENSED</c>).</summary>
    public class FeatureNotLicensedException : LicensingException
    {
        /// <summary>Builds the exception for a problem.</summary>
        /// <param name="problem">What the node said (its data lists the <c>missing</c> feature module ids).</param>
        /// <param name="innerException">The underlying exception, if any.</param>
        public FeatureNotLicensedException(LicensingProblem problem, Exception innerException = null) : base(problem, innerException) { }

        /// <summary>The feature module ids the profile enables without a license.</summary>
        public IReadOnlyList<int> MissingFeatures
        {
            get
            {
                var result = new List<int>();
                object raw;
                var list = Problem.Data.TryGetValue("missing", out raw) ? raw as IEnumerable<object> : null;
                if (list != null) foreach (var item in list) if (item is long) result.Add((int)(long)item);
                return result.AsReadOnly();
            }
        }
    }
}
