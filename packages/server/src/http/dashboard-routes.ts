import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpFailure } from '../transport/error-mapping.js';
import { missingRoute } from './missing-route.js';
import { errors } from '../transport/schemas.js';

/** Where `npm run build` puts the dashboard: packages/web/dist, beside this package (src/http and dist/http alike). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The dashboard's pages talk to this node only; nothing inline, nothing framed. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Licensor</title>
<body><h1>Licensor node</h1><p>The dashboard is not built in this installation.
Run <code>npm run build</code> (or <code>npm start</code>) and restart the node. The API is under <a href="/docs">/docs</a>.</p></body>`;

interface StaticFile {
  body: Buffer;
  type: string;
  immutable: boolean;
}

/** Reads every file under `dir` into memory, keyed by URL path (`/assets/index-abc.js`). */
function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const url = `/${relative(dir, path).split(sep).join('/')}`;
        // Vite names what it builds under assets/ by content hash: such a file never changes under its name.
        files.set(url, {
          body: readFileSync(path),
          type: TYPES[extname(name)] ?? 'application/octet-stream',
          immutable: url.startsWith('/assets/'),
        });
      }
    }
  };
  walk(dir);
  return files;
}

/**
 * Serves the built dashboard (a single-page app) at `/`: its files by exact path, and index.html for any other path
 * that is not the API's, so client routes like `/pools/4001` survive a reload. Unknown `/v1/…` paths stay
 * problem+json 404s. Files are read once, on the first request, and only ever looked up by name.
 */
export function dashboardRoutes(app: FastifyInstance, dir: string | null): void {
  const root = dir ?? DEFAULT_DASHBOARD_DIR;
  let files: Map<string, StaticFile> | null = null;
  const load = () => {
    files ??= existsSync(join(root, 'index.html')) ? loadFiles(root) : new Map();
    return files;
  };
  const sendIndex = (reply: FastifyReply) => {
    const index = load().get('/index.html');
    reply
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache');
    return reply.type('text/html; charset=utf-8').send(index ? index.body : NOT_BUILT);
  };
  // Files and pages are not JSON (NON_JSON_ROUTES in response-contract.ts); a missing file is a problem+json 404.
  app.get('/', { schema: { hide: true } }, async (_req, reply) => sendIndex(reply));
  app.get('/*', { schema: { hide: true, response: errors(404, 405) } }, async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    if (path === '/v1' || path.startsWith('/v1/')) throw new HttpFailure(missingRoute(app.routeList, req.method, path));
    const file = load().get(path);
    if (file) {
      reply
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return reply.type(file.type).send(file.body);
    }
    // A missing file (it has an extension) is a 404; anything else is a page of the app.
    if (/\.[a-z0-9]+$/i.test(path)) throw new HttpFailure({ code: 'NOT_FOUND', message: `no file ${path}` });
    return sendIndex(reply);
  });
}
