import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { PeerAnswer, PeerChannel, PoolOp } from '../node/pool-ops.js';
import { CLUSTER_SIGNATURE_HEADER, POOL_OPS_PATH, signRequest, validAnswer } from './cluster-signature.js';

interface Pending {
  op: PoolOp;
  resolve: (a: PeerAnswer) => void;
  reject: (err: Error) => void;
}

/** Operations per request; the rest waits for the next one. */
const MAX_BATCH = 256;
/** Requests in flight to one process at once (their operations are decided in one group commit each). */
const MAX_IN_FLIGHT = 4;

/**
 * Sends pool operations to the processes owning their pools over HTTP: the operations queued in one turn of the event
 * loop go to each owner as one signed request on a kept-alive connection, and its answer (signed by the owner, so only
 * a process of this deployment can answer) settles each of them.
 */
export class PeerClient implements PeerChannel {
  private readonly queues = new Map<string, Pending[]>();
  private readonly inFlight = new Map<string, number>();
  private scheduled = false;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
  private readonly httpsAgent: https.Agent;

  constructor(
    private readonly secret: string,
    /** A certificate to trust besides the system's (the node's own, when every process serves the same one). */
    ca: string | null = null,
    private readonly timeoutMs = 3000,
  ) {
    // `ca` replaces the trusted roots: the node's own certificate is added to them, not put in their place.
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: MAX_IN_FLIGHT,
      ...(ca ? { ca: [...tls.rootCertificates, ca] } : {}),
    });
  }

  send(url: string, op: PoolOp): Promise<PeerAnswer> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(url);
      if (queue) queue.push({ op, resolve, reject });
      else this.queues.set(url, [{ op, resolve, reject }]);
      this.schedule();
    });
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const [url, queue] of this.queues) {
        while (queue.length && (this.inFlight.get(url) ?? 0) < MAX_IN_FLIGHT)
          this.post(url, queue.splice(0, MAX_BATCH));
      }
    });
  }

  private post(url: string, batch: Pending[]): void {
    this.inFlight.set(url, (this.inFlight.get(url) ?? 0) + 1);
    const body = JSON.stringify({ ops: batch.map((p) => p.op) });
    const { headers, signature } = signRequest(this.secret, body, Date.now());
    const target = new URL(POOL_OPS_PATH, url);
    const secure = target.protocol === 'https:';
    let settled = false;
    const done = (err: Error | null, answers?: PeerAnswer[]) => {
      if (settled) return;
      settled = true;
      this.inFlight.set(url, (this.inFlight.get(url) ?? 1) - 1);
      batch.forEach((p, i) => {
        const a = answers?.[i];
        if (a) p.resolve(a);
        else p.reject(err ?? new Error('the owner sent no answer for this operation'));
      });
      if (this.queues.get(url)?.length) this.schedule();
    };
    const req = (secure ? https : http).request(
      target,
      {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        timeout: this.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => done(err));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const sig = res.headers[CLUSTER_SIGNATURE_HEADER];
          if (res.statusCode !== 200 || typeof sig !== 'string')
            return done(new Error(`the owner at ${url} answered ${res.statusCode}: ${text.slice(0, 200)}`));
          if (!validAnswer(this.secret, signature, text, sig))
            return done(new Error(`the answer from ${url} is not signed with this deployment's cluster secret`));
          try {
            done(null, (JSON.parse(text) as { answers: PeerAnswer[] }).answers);
          } catch (err) {
            done(err as Error);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`the owner at ${url} did not answer within ${this.timeoutMs} ms`)));
    req.on('error', (err) => done(err));
    req.end(body);
  }
}
