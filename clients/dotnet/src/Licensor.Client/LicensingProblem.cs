using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace Licensor.Client
{
    /// <summary>
    /// A refusal or failure as the node describes it: the fields of its <c>application/problem+json</c> answer, or what
    /// the client knows itself when the node could not be reached.
    /// </summary>
    public sealed class LicensingProblem
    {
        private static readonly IReadOnlyDictionary<string, object> NoData =
            new ReadOnlyDictionary<string, object>(new Dictionary<string, object>());

        /// <summary>Describes a problem.</summary>
        /// <param name="code">The stable error code (see <see cref="ErrorCodes"/>).</param>
        /// <param name="detail">A readable explanation.</param>
        /// <param name="status">The HTTP status of the node's answer, when there was one.</param>
        /// <param name="data">Machine-readable facts (e.g. <c>used</c> and <c>quantity</c>); null for none.</param>
        /// <param name="requestId">The node's request id, to find the request in its logs.</param>
        /// <param name="field">The request field at fault, when one is.</param>
        public LicensingProblem(string code, string detail, int? status = null, IDictionary<string, object> data = null, string requestId = null, string field = null)
        {
            if (string.IsNullOrEmpty(code)) throw new ArgumentException("code must be a non-empty string", nameof(code));
            Code = code;
            Detail = string.IsNullOrEmpty(detail) ? code : detail;
            Status = status;
            Data = data == null ? NoData : new ReadOnlyDictionary<string, object>(new Dictionary<string, object>(data, StringComparer.Ordinal));
            RequestId = requestId;
            Field = field;
        }

        /// <summary>The stable error code, e.g. <c>INSUFFICIENT_LICENSE</c> (see <see cref="ErrorCodes"/>).</summary>
        public string Code { get; private set; }

        /// <summary>A readable explanation, e.g. "connections exceeded: 10 of 10 in use".</summary>
        public string Detail { get; private set; }

        /// <summary>The HTTP status of the node's answer; null when the node was not reached.</summary>
        public int? Status { get; private set; }

        /// <summary>
        /// Machine-readable facts from the node (JSON numbers as <see cref="long"/> or <see cref="double"/>, arrays as
        /// lists of objects, objects as dictionaries).
        /// </summary>
        public IReadOnlyDictionary<string, object> Data { get; private set; }

        /// <summary>The node's request id, when it answered.</summary>
        public string RequestId { get; private set; }

        /// <summary>The request field at fault, when one is.</summary>
        public string Field { get; private set; }
    }
}
