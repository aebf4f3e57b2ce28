import Fastify from 'fastify';

// The peer of the HTTP benchmarks: the cheapest useful Fastify POST route, JSON in and out.
const app = Fastify({ logger: false });
app.post('/v1/modules/:moduleId/leases', async () => ({ ok: true, leaseId: 'lse_constant' }));
app.delete('/v1/modules/:moduleId/leases/:holderId', async () => ({ released: true }));
await app.listen({ host: '127.0.0.1', port: 0 });
const a = app.server.address();
process.stdout.write(`http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
