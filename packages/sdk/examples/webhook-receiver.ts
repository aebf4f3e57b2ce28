// Receives a Licensor node's webhooks: verify each delivery's signature over the raw body, answer 2xx, then act.
// Run: LICENSOR_WEBHOOK_SECRET=whsec_… PORT=8080 node --import tsx packages/sdk/examples/webhook-receiver.ts
// and register http://127.0.0.1:8080/ with that secret (POST /v1/webhooks, or `licensor webhook add`).
import http from 'node:http';
import { verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER } from '@licensor/sdk';

const secret = process.env.LICENSOR_WEBHOOK_SECRET ?? '';
if (secret === '') {
  console.error('LICENSOR_WEBHOOK_SECRET is not set: give the secret the node showed when the webhook was added');
  process.exit(2);
}
const MAX_BODY_BYTES = 1024 * 1024;
const seen = new Set<string>(); // a delivery can arrive twice: deduplicate by event id (in your database, not memory)

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks); // the bytes as signed: verify them before parsing
    if (req.method !== 'POST' || !verifyWebhookSignature(req.headers[WEBHOOK_SIGNATURE_HEADER], body, secret)) {
      console.error(`refused a ${req.method} with a missing, wrong or stale signature`);
      res.writeHead(401).end();
      return;
    }
    const event = JSON.parse(body.toString('utf8')) as {
      id: string;
      type: string;
      subject: string | null;
      data: unknown;
    };
    res.writeHead(204).end(); // answer at once; the node retries anything but a 2xx
    if (seen.has(event.id)) return;
    seen.add(event.id);
    console.log(`${event.type} ${event.id} ${event.subject ?? '-'} ${JSON.stringify(event.data)}`);
  });
});
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : '?'}/`);
});
