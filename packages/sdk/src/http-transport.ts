import type { HeartbeatAnswer, HeartbeatResult, LeaseView, Problem } from '@licensor/protocol';
import { LicensingError } from './errors/licensing-error.js';
import { httpRequest } from './http-request.js';
import type { OperationRequest, Transport } from './operation-request.js';

/** Settings of the HTTP transport. */
export interface HttpTransportOptions {
  url: string;
  token: string;
  requestTimeoutMs: number;
  ca?: string | Buffer;
}

/** Carries each operation as one plain HTTP request to the routes of docs/api.md (no push, no session grace). */
export class HttpTransport implements Transport {
  private readonly opts: HttpTransportOptions;
  private closed = false;

  constructor(opts: HttpTransportOptions) {
    this.opts = { ...opts, url: opts.url.replace(/\/+$/, '') };
  }

  /** GET/POST/PUT/DELETE a path under the node URL; resolves with status and JSON body. */
  async request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const init = {
      method,
      url: `${this.opts.url}${path}`,
      token: this.opts.token,
      body,
      timeoutMs: this.opts.requestTimeoutMs,
    };
    return httpRequest(this.opts.ca === undefined ? init : { ...init, ca: this.opts.ca });
  }

  async call(req: OperationRequest): Promise<unknown> {
    if (this.closed) throw new LicensingError({ code: 'CONNECTION_FAILED', detail: 'the client is closed' });
    switch (req.op) {
      case 'acquire': {
        return (await this.request('POST', `${modulePath(req.moduleId)}/leases`, { holderId: req.holderId }))
          .body as LeaseView;
      }
      case 'heartbeat': {
        // HTTP has no batch heartbeat: one request per lease, in parallel, folded into the session's result shape.
        const leases = await Promise.all(
          req.leases.map(async (l): Promise<HeartbeatResult['leases'][number]> => {
            try {
              const res = await this.request('POST', `${leasePath(l.moduleId, l.holderId)}/heartbeat`, {
                leaseId: l.leaseId,
                active: l.active,
              });
              const body = res.body as HeartbeatAnswer;
              return {
                moduleId: l.moduleId,
                holderId: l.holderId,
                ok: true,
                expiresAt: body.expiresAt,
                nonProduction: body.nonProduction,
              };
            } catch (err) {
              if (err instanceof LicensingError && err.status !== undefined)
                return { moduleId: l.moduleId, holderId: l.holderId, ok: false, error: asProblem(err) };
              throw err;
            }
          }),
        );
        return { leases } satisfies HeartbeatResult;
      }
      case 'release':
        // The leaseId guards against releasing a newer lease the same holder took meanwhile (e.g. from another process).
        return (
          await this.request(
            'DELETE',
            `${leasePath(req.moduleId, req.holderId)}${req.leaseId ? `?leaseId=${encodeURIComponent(req.leaseId)}` : ''}`,
          )
        ).body;
      case 'member.sync':
        return (
          await this.request(
            'PUT',
            `${modulePath(req.moduleId)}/members/${encodeURIComponent(req.memberId)}`,
            req.features === undefined ? {} : { features: req.features },
          )
        ).body;
      case 'quota.report':
        return (await this.request('PUT', `${modulePath(req.moduleId)}/quota`, { count: req.count })).body;
      case 'quota.check':
        return (
          await this.request('GET', `${modulePath(req.moduleId)}/quota/operations/${encodeURIComponent(req.operation)}`)
        ).body;
      case 'profile.check':
        return (await this.request('POST', `${modulePath(req.moduleId)}/profile-check`, { features: req.features }))
          .body;
      case 'enabled':
        return (await this.request('GET', `${modulePath(req.moduleId)}/enabled`)).body;
      case 'status':
        return (await this.request('GET', '/v1/status')).body;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function modulePath(moduleId: number): string {
  return `/v1/modules/${encodeURIComponent(String(moduleId))}`;
}

function leasePath(moduleId: number, holderId: string): string {
  return `${modulePath(moduleId)}/leases/${encodeURIComponent(holderId)}`;
}

function asProblem(err: LicensingError): Problem {
  return {
    type: 'about:blank',
    title: err.code,
    status: err.status ?? 0,
    code: err.code as Problem['code'],
    detail: err.detail,
    data: err.data,
    ...(err.requestId === undefined ? {} : { requestId: err.requestId }),
  };
}
