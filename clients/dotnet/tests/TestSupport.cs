using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Threading;
using System.Web.Script.Serialization;

namespace Licensor.Client.Tests
{
    /// <summary>A failed check: the runner prints it and exits non-zero.</summary>
    public sealed class CheckFailedException : Exception
    {
        /// <summary>Builds the failure.</summary>
        public CheckFailedException(string message) : base(message) { }
    }

    /// <summary>Checks that print what they verified, so the suite's output reads as a list of facts.</summary>
    public static class Check
    {
        /// <summary>Fails unless the condition holds.</summary>
        public static void That(bool condition, string what)
        {
            if (!condition) throw new CheckFailedException(what);
            Console.WriteLine("ok - " + what);
        }

        /// <summary>Fails unless the two values are equal.</summary>
        public static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual)) throw new CheckFailedException(what + ": expected " + expected + ", got " + actual);
            Console.WriteLine("ok - " + what);
        }

        /// <summary>Runs the action and returns the exception of type <typeparamref name="T"/> it throws; fails otherwise.</summary>
        public static T Throws<T>(Action action, string what) where T : Exception
        {
            try
            {
                action();
            }
            catch (T e)
            {
                Console.WriteLine("ok - " + what + " (" + e.GetType().Name + ": " + e.Message + ")");
                return e;
            }
            catch (Exception e)
            {
                throw new CheckFailedException(what + ": expected " + typeof(T).Name + ", got " + e.GetType().Name + ": " + e.Message);
            }
            throw new CheckFailedException(what + ": expected " + typeof(T).Name + ", nothing was thrown");
        }

        /// <summary>Polls until the condition holds or the time is up (bounded: never loops forever).</summary>
        public static void Eventually(Func<bool> condition, TimeSpan within, string what)
        {
            var watch = Stopwatch.StartNew();
            while (!condition())
            {
                if (watch.Elapsed > within) throw new CheckFailedException(what + ": not within " + within.TotalSeconds + " s");
                Thread.Sleep(50);
            }
            Console.WriteLine("ok - " + what + " (after " + watch.ElapsedMilliseconds + " ms)");
        }
    }

    /// <summary>The node's admin API, to see pools from the outside while the client under test works.</summary>
    public sealed class Admin : IDisposable
    {
        private readonly HttpClient _http = new HttpClient();
        private readonly Uri _base;

        /// <summary>Talks to the node at <paramref name="url"/> with an admin token.</summary>
        public Admin(Uri url, string token)
        {
            _base = url;
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        /// <summary>Holder ids with a live (not expired) slot in a module's pool.</summary>
        public List<string> LiveHolders(int moduleId)
        {
            var pool = Get("/v1/pools/" + moduleId);
            var holders = (object[])pool["holders"];
            return holders.Cast<Dictionary<string, object>>().Where(h => (string)h["state"] != "expired").Select(h => (string)h["holderId"]).OrderBy(h => h, StringComparer.Ordinal).ToList();
        }

        /// <summary>Force-releases a holder's slot, as an administrator would.</summary>
        public void Revoke(int moduleId, string holderId)
        {
            var res = _http.PostAsync(new Uri(_base, "/v1/modules/" + moduleId + "/leases/" + holderId + "/revoke"), new StringContent("{}", System.Text.Encoding.UTF8, "application/json")).Result;
            if (res.StatusCode != HttpStatusCode.OK) throw new CheckFailedException("revoke " + holderId + " answered " + (int)res.StatusCode);
        }

        private Dictionary<string, object> Get(string path)
        {
            var res = _http.GetAsync(new Uri(_base, path)).Result;
            var text = res.Content.ReadAsStringAsync().Result;
            if (res.StatusCode != HttpStatusCode.OK) throw new CheckFailedException("GET " + path + " answered " + (int)res.StatusCode + ": " + text);
            return (Dictionary<string, object>)new JavaScriptSerializer().DeserializeObject(text);
        }

        /// <summary>Closes the HTTP client.</summary>
        public void Dispose()
        {
            _http.Dispose();
        }
    }

    /// <summary>A TCP server on 127.0.0.1 that accepts connections and never answers: a hung node.</summary>
    public sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _accepted = new List<TcpClient>();
        private readonly Thread _thread;
        private volatile bool _stopped;

        /// <summary>Starts listening on a port the OS picks.</summary>
        public SilentServer()
        {
            _listener.Start();
            _thread = new Thread(() =>
            {
                while (!_stopped)
                {
                    try
                    {
                        var client = _listener.AcceptTcpClient();
                        lock (_accepted) _accepted.Add(client);
                    }
                    catch (SocketException)
                    {
                        return;
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        /// <summary>The server's URL.</summary>
        public Uri Url
        {
            get { return new Uri("http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port + "/"); }
        }

        /// <summary>Stops listening and drops every accepted connection.</summary>
        public void Dispose()
        {
            _stopped = true;
            _listener.Stop();
            lock (_accepted) foreach (var c in _accepted) c.Close();
        }
    }
}
