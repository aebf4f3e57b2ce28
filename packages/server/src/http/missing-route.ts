import type { Failure } from '@licensor/protocol';

const patterns = new WeakMap<readonly { method: string; url: string }[], { method: string; re: RegExp }[]>();

/**
 * Why no route answered `method path`: 405 METHOD_NOT_ALLOWED listing the methods the path takes (in `data.allow`,
 * sent as the Allow header), or 404 NOT_FOUND when no API route has that path at all.
 */
export function missingRoute(routes: readonly { method: string; url: string }[], method: string, path: string): Pick<Failure, 'code' | 'message' | 'data'> {
  let compiled = patterns.get(routes);
  if (!compiled || compiled.length !== routes.length) {
    compiled = routes.map((r) => ({ method: r.method, re: new RegExp(`^${r.url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+').replace(/\*/g, '.*')}$`) }));
    patterns.set(routes, compiled);
  }
  const allow = [...new Set(compiled.filter((r) => r.re.test(path) && r.re.source !== '^/.*$').map((r) => r.method))].sort();
  if (allow.length > 0 && !allow.includes(method)) return { code: 'METHOD_NOT_ALLOWED', message: `${path} does not take ${method}; it takes ${allow.join(', ')}`, data: { allow } };
  return { code: 'NOT_FOUND', message: `no route ${method} ${path}` };
}
