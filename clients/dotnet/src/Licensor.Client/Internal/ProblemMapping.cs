using System;
using System.Collections.Generic;

namespace Licensor.Client.Internal
{
    /// <summary>The one place error codes become exception classes; unlisted codes stay <see cref="LicensingException"/>.</summary>
    internal static class ProblemMapping
    {
        /// <summary>The exception for a problem, by its code.</summary>
        public static LicensingException ToException(LicensingProblem problem, Exception inner = null)
        {
            switch (problem.Code)
            {
                case ErrorCodes.InsufficientLicense: return new InsufficientLicenseException(problem, inner);
                case ErrorCodes.LicenseMissing: return new LicenseMissingException(problem, inner);
                case ErrorCodes.LicenseExpired:
                case ErrorCodes.LicenseNotYetValid: return new LicenseExpiredException(problem, inner);
                case ErrorCodes.ModuleNotLicensed:
                case ErrorCodes.ModuleUnknown: return new ModuleNotLicensedException(problem, inner);
                case ErrorCodes.FeatureNotLicensed: return new FeatureNotLicensedException(problem, inner);
                case ErrorCodes.QuotaExceeded: return new QuotaExceededException(problem, inner);
                case ErrorCodes.LeaseNotFound:
                case ErrorCodes.LeaseEvicted: return new SlotLostException(problem, inner);
                case ErrorCodes.Unauthenticated:
                case ErrorCodes.Forbidden: return new LicensingAuthenticationException(problem, inner);
                case ErrorCodes.ValidationFailed: return new InvalidLicensingRequestException(problem, inner);
                case ErrorCodes.ConnectionFailed:
                case ErrorCodes.RequestTimeout: return new LicensingConnectionException(problem, inner);
                default: return new LicensingException(problem, inner);
            }
        }

        /// <summary>
        /// Reads a problem+json answer. A body that is not a problem (a proxy's HTML page, an empty 502) still becomes a
        /// problem, coded by its status, so a refusal never passes for success.
        /// </summary>
        public static LicensingProblem FromAnswer(int status, string body, int? moduleId)
        {
            Dictionary<string, object> json = null;
            try
            {
                json = string.IsNullOrEmpty(body) ? null : Json.Parse(body) as Dictionary<string, object>;
            }
            catch (FormatException)
            {
                json = null;
            }
            var code = JsonFields.String(json, "code");
            var detail = JsonFields.String(json, "detail") ?? JsonFields.String(json, "title");
            if (code == null)
            {
                code = status == 401 ? ErrorCodes.Unauthenticated : status == 403 ? ErrorCodes.Forbidden : status == 429 ? ErrorCodes.RateLimited : ErrorCodes.Internal;
                detail = detail ?? "the node answered HTTP " + status;
            }
            var data = JsonFields.Object(json, "data");
            var facts = data == null ? new Dictionary<string, object>() : new Dictionary<string, object>(data);
            // The module is part of the request; name it in the facts when the node's answer does not.
            if (moduleId.HasValue && !facts.ContainsKey("moduleId")) facts["moduleId"] = (long)moduleId.Value;
            return new LicensingProblem(code, detail, status, facts, JsonFields.String(json, "requestId"), JsonFields.String(json, "field"));
        }
    }
}
