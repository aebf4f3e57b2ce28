import type { CatalogAnswer } from '@licensor/protocol';
import type { CatalogModule } from './client-results.js';
import type { HttpTransport } from './http-transport.js';

/** The node's catalog, fetched over HTTP once per client (the session has no catalog operation) and kept. */
export class CatalogCache {
  private loading: Promise<Map<number, CatalogModule>> | null = null;

  constructor(private readonly http: HttpTransport) {}

  /** The modules by ID; `refresh` fetches them again. */
  get(refresh: boolean): Promise<Map<number, CatalogModule>> {
    if (!this.loading || refresh) {
      const loading = this.http.request('GET', '/v1/catalog').then((res) => catalogModules(res.body as CatalogAnswer));
      // A failed load is not cached, so the next call tries again.
      loading.catch(() => {
        if (this.loading === loading) this.loading = null;
      });
      this.loading = loading;
    }
    return this.loading;
  }
}

/** The modules of `GET /v1/catalog` by ID, each with its admission strategy at the top level. */
function catalogModules(answer: CatalogAnswer): Map<number, CatalogModule> {
  const out = new Map<number, CatalogModule>();
  for (const m of answer.modules)
    out.set(m.id, { id: m.id, name: m.name, kind: m.kind, strategy: String(m.policy.strategy) });
  return out;
}
