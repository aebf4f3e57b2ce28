using System;
using System.Collections.Generic;

namespace Licensor.Client
{
    /// <summary>
    /// Base class of every refusal and failure the client raises. <see cref="Code"/> is the node's stable error code;
    /// subclasses exist for the codes an application handles differently (a full pool, a missing license, …), and any
    /// other code arrives as a plain <see cref="LicensingException"/>.
    /// </summary>
    public class LicensingException : Exception
    {
        /// <summary>Builds the exception for a problem.</summary>
        /// <param name="problem">What the node (or the client) said.</param>
        /// <param name="innerException">The underlying exception, if any.</param>
        public LicensingException(LicensingProblem problem, Exception innerException = null)
            : base(MessageOf(problem), innerException)
        {
            Problem = problem;
        }

        /// <summary>Builds the exception for a code and a readable detail.</summary>
        /// <param name="code">The stable error code (see <see cref="ErrorCodes"/>).</param>
        /// <param name="detail">A readable explanation.</param>
        public LicensingException(string code, string detail) : this(new LicensingProblem(code, detail)) { }

        /// <summary>The full problem: code, detail, HTTP status, data, request id and field.</summary>
        public LicensingProblem Problem { get; private set; }

        /// <summary>The stable error code, e.g. <c>LICENSE_EXPIRED</c> (see <see cref="ErrorCodes"/>).</summary>
        public string Code { get { return Problem.Code; } }

        /// <summary>A readable explanation from the node.</summary>
        public string Detail { get { return Problem.Detail; } }

        /// <summary>The HTTP status of the node's answer; null when the node was not reached.</summary>
        public int? Status { get { return Problem.Status; } }

        /// <summary>The node's request id, to find the request in its logs.</summary>
        public string RequestId { get { return Problem.RequestId; } }

        /// <summary>Machine-readable facts from the node's answer.</summary>
        public IReadOnlyDictionary<string, object> ProblemData { get { return Problem.Data; } }

        private static string MessageOf(LicensingProblem problem)
        {
            if (problem == null) throw new ArgumentNullException(nameof(problem));
            return problem.Code + ": " + problem.Detail;
        }

        /// <summary>Reads an integer fact from the problem's data, or returns <paramref name="fallback"/>.</summary>
        protected int IntData(string key, int fallback)
        {
            object value;
            if (!Problem.Data.TryGetValue(key, out value) || value == null) return fallback;
            if (value is long) return (int)(long)value;
            if (value is int) return (int)value;
            if (value is double) return (int)(double)value;
            return fallback;
        }
    }
}
