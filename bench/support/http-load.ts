import autocannon from 'autocannon';

/** One measured round: requests or cycles per second and latency percentiles in ms. */
export interface Round {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Acquire+release over plain HTTP with autocannon: each connection is one device with a holder id of its own. */
export async function httpSlotLoad(
  url: string,
  token: string,
  connections: number,
  seconds: number,
  moduleId = 10003,
  holderPrefix = 'dev',
): Promise<Round> {
  let conn = 0;
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        path: `/v1/modules/${moduleId}/leases`,
        setupRequest: (req, context) => {
          const ctx = context as { holder?: string };
          ctx.holder ??= `${holderPrefix}-${conn++}`;
          return { ...req, body: JSON.stringify({ holderId: ctx.holder }) };
        },
      },
      {
        method: 'DELETE',
        setupRequest: (req, context) => ({
          ...req,
          path: `/v1/modules/${moduleId}/leases/${(context as { holder: string }).holder}`,
          headers: { authorization: `Bearer ${token}` },
        }),
      },
    ],
  });
  return { rate: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

/** Percentile of a sorted array. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
