import type { Failure } from '@licensor/protocol';

type RouteList = readonly { method: string; url: string }[];

/** Compiled route patterns per route list, rebuilt when routes were added since. */
const compiled = new WeakMap<RouteList, { count: number; routes: { method: string; re: RegExp }[] }>();

function patterns(routes: RouteList): { method: string; re: RegExp }[] {
  const hit = compiled.get(routes);
  if (hit && hit.count === routes.length) return hit.routes;
  // The dashboard's catch-all `/*` takes any path and says nothing about which methods a path takes.
  const list = routes
    .filter((r) => r.url !== '/*')
    .map((r) => ({
      method: r.method,
      re: new RegExp(
        `^${r.url
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replace(/:\w+/g, '[^/]+')
          .replace(/\*/g, '.*')}$`,
      ),
    }));
  compiled.set(routes, { count: routes.length, routes: list });
  return list;
}

/**
 * Why no route answered `method path`: 405 METHOD_NOT_ALLOWED listing the methods the path takes (in `data.allow`,
 * sent as the Allow header), or 404 NOT_FOUND when no API route has that path at all.
 */
export function missingRoute(
  routes: RouteList,
  method: string,
  path: string,
): Pick<Failure, 'code' | 'message' | 'data'> {
  const allow = [
    ...new Set(
      patterns(routes)
        .filter((r) => r.re.test(path))
        .map((r) => r.method),
    ),
  ].sort();
  if (allow.length > 0 && !allow.includes(method))
    return {
      code: 'METHOD_NOT_ALLOWED',
      message: `${path} does not take ${method}; it takes ${allow.join(', ')}`,
      data: { allow },
    };
  return { code: 'NOT_FOUND', message: `no route ${method} ${path}` };
}
