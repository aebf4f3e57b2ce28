import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { type FrameSocket, sendTextFrame } from '@licensor/protocol';
import { WebSocket, WebSocketServer } from 'ws';

test('sendTextFrame: whole frames of every length encoding, masked from the client, plain from the server', async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => server.once('listening', resolve));
  const texts = ['{"id":1}', `"${'é'.repeat(200)}"`, `"${'x'.repeat(70_000)}"`];
  const atServer: string[] = [];
  const echoed = new Promise<WebSocket>((resolve) =>
    server.on('connection', (peer) => {
      peer.on('message', (data, isBinary) => {
        assert.equal(isBinary, false);
        atServer.push(String(data));
        sendTextFrame(peer as unknown as FrameSocket, String(data), false);
      });
      resolve(peer);
    }),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    perMessageDeflate: false,
  });
  await new Promise((resolve) => client.once('open', resolve));
  const atClient: string[] = [];
  const all = new Promise<void>((resolve) =>
    client.on('message', (data) => {
      atClient.push(String(data));
      if (atClient.length === texts.length) resolve();
    }),
  );
  for (const t of texts) sendTextFrame(client as unknown as FrameSocket, t, true);
  await echoed;
  await all;
  assert.deepEqual(atServer, texts);
  assert.deepEqual(atClient, texts);
  client.close();
  await new Promise((resolve) => server.close(resolve));
});
