import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LeaseView, SessionPush, SessionRequest } from '@licensor/protocol';
import { type WebSocket, WebSocketServer } from 'ws';

/** A scripted stand-in for a node's session endpoint, for transport tests that must control the wire. */
export interface FakeNode {
  url: string;
  token: string;
  /** Every request received, in order. */
  received: SessionRequest[];
  /** Live leases: key `${moduleId}/${holderId}`. */
  leases: Map<string, LeaseView & { socket: WebSocket | null }>;
  /** Sockets opened so far. */
  connections: number;
  /** When set, requests with this op are swallowed (never answered). */
  swallow: Set<string>;
  /** Force-releases a holder and pushes lease.lost to its session. */
  revoke(moduleId: number, holderId: string): void;
  /** Pushes a message to every open session. */
  pushAll(push: SessionPush): void;
  /** Destroys every open socket (a network failure). */
  dropAll(): void;
  close(): Promise<void>;
}

/** Starts a fake node on 127.0.0.1 whose pools have the given quantities. */
export async function startFakeNode(opts: {
  quantities: Record<number, number>;
  heartbeatIntervalMs?: number;
  graceMs?: number;
}): Promise<FakeNode> {
  const token = 'tok_fake';
  const server: Server = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ code: 'NOT_FOUND', detail: 'fake node: no HTTP routes', status: 404 }));
  });
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  let seq = 0;
  const node: FakeNode = {
    url: '',
    token,
    received: [],
    leases: new Map(),
    connections: 0,
    swallow: new Set(),
    revoke(moduleId, holderId) {
      const lease = node.leases.get(`${moduleId}/${holderId}`);
      if (!lease) return;
      node.leases.delete(`${moduleId}/${holderId}`);
      lease.socket?.send(
        JSON.stringify({
          push: 'lease.lost',
          moduleId,
          holderId,
          leaseId: lease.leaseId,
          reason: 'force_released',
          detail: 'force-released by an administrator',
        }),
      );
    },
    pushAll(push) {
      for (const s of sockets) s.send(JSON.stringify(push));
    },
    dropAll() {
      for (const s of sockets) s.terminate();
    },
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      const body = JSON.stringify({
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        code: 'UNAUTHENTICATED',
        detail: 'no valid API token was presented',
      });
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      node.connections++;
      sockets.add(ws);
      ws.on('close', () => {
        sockets.delete(ws);
        for (const l of node.leases.values()) if (l.socket === ws) l.socket = null;
      });
      ws.send(
        JSON.stringify({
          push: 'hello',
          sessionId: `ses_${node.connections}`,
          heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 20_000,
          graceMs: opts.graceMs ?? 5_000,
          nonProduction: false,
        }),
      );
      ws.on('message', (data) => {
        // Like the real node: a message is one request or an array of them.
        const parsed = JSON.parse(data.toString()) as SessionRequest | SessionRequest[];
        for (const req of Array.isArray(parsed) ? parsed : [parsed]) handle(req);
      });
      const handle = (req: SessionRequest) => {
        node.received.push(req);
        if (node.swallow.has(req.op)) return;
        const reply = (result: unknown) => ws.send(JSON.stringify({ id: req.id, ok: true, result }));
        const fail = (code: string, detail: string, status: number) =>
          ws.send(
            JSON.stringify({
              id: req.id,
              ok: false,
              error: { type: 'about:blank', title: code, status, code, detail },
            }),
          );
        switch (req.op) {
          case 'acquire': {
            const key = `${req.moduleId}/${req.holderId}`;
            const held = node.leases.get(key);
            if (held) {
              held.socket = ws;
              held.expiresAt = Date.now() + 60_000;
              return reply({ ...strip(held), reacquired: true });
            }
            const quantity = opts.quantities[req.moduleId];
            if (quantity === undefined)
              return fail('MODULE_NOT_LICENSED', `module ${req.moduleId} is not licensed`, 403);
            const used = [...node.leases.values()].filter((l) => l.moduleId === req.moduleId).length;
            if (used >= quantity)
              return fail('INSUFFICIENT_LICENSE', `connections exceeded: ${used} of ${quantity} in use`, 409);
            const now = Date.now();
            const lease = {
              moduleId: req.moduleId,
              holderId: req.holderId,
              leaseId: `lse_${++seq}`,
              acquiredAt: now,
              expiresAt: now + 60_000,
              heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 20_000,
              reacquired: false,
              socket: ws,
            };
            node.leases.set(key, lease);
            return reply(strip(lease));
          }
          case 'heartbeat':
            return reply({
              leases: req.leases.map((l) => {
                const held = node.leases.get(`${l.moduleId}/${l.holderId}`);
                if (!held)
                  return {
                    moduleId: l.moduleId,
                    holderId: l.holderId,
                    ok: false,
                    error: {
                      type: 'about:blank',
                      title: 'LEASE_NOT_FOUND',
                      status: 404,
                      code: 'LEASE_NOT_FOUND',
                      detail: 'no live lease',
                    },
                  };
                held.expiresAt = Date.now() + 60_000;
                return { moduleId: l.moduleId, holderId: l.holderId, ok: true, expiresAt: held.expiresAt };
              }),
            });
          case 'release':
            node.leases.delete(`${req.moduleId}/${req.holderId}`);
            return reply({ released: true });
          case 'enabled':
            return reply({ enabled: opts.quantities[req.moduleId] !== undefined });
          case 'status':
            return reply({ license: { state: 'valid' }, nonProduction: false });
          default:
            return fail('VALIDATION_FAILED', `fake node does not implement ${req.op}`, 400);
        }
      };
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  node.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return node;
}

function strip(l: LeaseView & { socket: unknown }): LeaseView {
  const { socket: _socket, ...view } = l;
  return view;
}
