using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Licensor.Client.Internal
{
    /// <summary>
    /// The node's HTTP API: one <see cref="HttpClient"/> (thread-safe, reused for every call), the bearer token, a
    /// timeout per call, and problem+json answers turned into exceptions.
    /// </summary>
    internal sealed class HttpApi : IDisposable
    {
        private readonly HttpClient _client;
        private readonly Uri _base;
        private readonly TimeSpan _timeout;

        public HttpApi(Uri baseUrl, string token, TimeSpan timeout, HttpMessageHandler handler)
        {
            // A base without a trailing slash would drop its last path segment when relative paths are resolved.
            var text = baseUrl.AbsoluteUri;
            _base = new Uri(text.EndsWith("/", StringComparison.Ordinal) ? text : text + "/");
            _timeout = timeout;
            _client = handler == null ? new HttpClient() : new HttpClient(handler, false);
            // Our own per-call timeout below applies; HttpClient's would throw a bare TaskCanceledException instead.
            _client.Timeout = Timeout.InfiniteTimeSpan;
            _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            _client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Licensor.Client", typeof(HttpApi).Assembly.GetName().Version.ToString()));
        }

        /// <summary>
        /// Sends one request. Returns the status and the parsed JSON object of a 2xx answer; throws the mapped
        /// <see cref="LicensingException"/> for any other answer, <see cref="LicensingConnectionException"/> when the node
        /// cannot be reached or does not answer in time, and <see cref="OperationCanceledException"/> when
        /// <paramref name="cancellationToken"/> is cancelled.
        /// </summary>
        public async Task<Answer> SendAsync(HttpMethod method, string path, IDictionary<string, object> body, int? moduleId, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            using (var request = new HttpRequestMessage(method, new Uri(_base, path)))
            {
                timeout.CancelAfter(_timeout);
                if (body != null) request.Content = new StringContent(Json.Serialize(body), Encoding.UTF8, "application/json");
                int status;
                string text;
                try
                {
                    using (var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false))
                    {
                        status = (int)response.StatusCode;
                        text = response.Content == null ? "" : await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException e)
                {
                    if (cancellationToken.IsCancellationRequested) throw;
                    throw new LicensingConnectionException(new LicensingProblem(ErrorCodes.RequestTimeout, method + " " + path + ": the node did not answer within " + _timeout.TotalMilliseconds + " ms"), e);
                }
                catch (HttpRequestException e)
                {
                    throw new LicensingConnectionException(new LicensingProblem(ErrorCodes.ConnectionFailed, method + " " + path + ": " + Describe(e)), e);
                }
                catch (System.Net.WebException e)
                {
                    throw new LicensingConnectionException(new LicensingProblem(ErrorCodes.ConnectionFailed, method + " " + path + ": " + e.Message), e);
                }
                catch (System.IO.IOException e)
                {
                    throw new LicensingConnectionException(new LicensingProblem(ErrorCodes.ConnectionFailed, method + " " + path + ": " + e.Message), e);
                }
                if (status < 200 || status > 299) throw ProblemMapping.ToException(ProblemMapping.FromAnswer(status, text, moduleId));
                Dictionary<string, object> json;
                try
                {
                    json = string.IsNullOrEmpty(text) ? new Dictionary<string, object>() : Json.Parse(text) as Dictionary<string, object>;
                }
                catch (FormatException e)
                {
                    throw new LicensingException(new LicensingProblem(ErrorCodes.Internal, method + " " + path + ": the node's answer is not JSON (" + e.Message + ")", status), e);
                }
                if (json == null) throw new LicensingException(new LicensingProblem(ErrorCodes.Internal, method + " " + path + ": the node's answer is not a JSON object", status));
                return new Answer(status, json);
            }
        }

        /// <summary>Percent-encodes one path segment (a device or member id may hold any character).</summary>
        public static string Segment(string value)
        {
            return Uri.EscapeDataString(value);
        }

        public void Dispose()
        {
            _client.Dispose();
        }

        private static string Describe(Exception e)
        {
            // HttpRequestException's own message is often just "An error occurred while sending the request".
            var message = e.Message;
            for (var inner = e.InnerException; inner != null; inner = inner.InnerException)
            {
                if (!message.EndsWith(inner.Message, StringComparison.Ordinal)) message += ": " + inner.Message;
            }
            return message;
        }

        /// <summary>A 2xx answer: its status and JSON object.</summary>
        internal sealed class Answer
        {
            public Answer(int status, Dictionary<string, object> body)
            {
                Status = status;
                Body = body;
            }

            public int Status { get; private set; }
            public Dictionary<string, object> Body { get; private set; }
        }
    }
}
