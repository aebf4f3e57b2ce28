import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import pg from 'pg';
import { median } from './bench-node.js';
import type { Round } from './http-load.js';

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const TICKS = 100;
const POSTGRES_PORT = 5432;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; null once it has exited. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

/** CPU seconds this benchmark process has used so far (user + system). */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The local ports of a process's TCP connections to PostgreSQL, from /proc/<pid>/fd and /proc/<pid>/net/tcp*. */
function postgresClientPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const link = (() => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })();
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1] as string);
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6'])
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const local = Number.parseInt(f[1]?.split(':')[1] ?? '', 16);
      const remote = Number.parseInt(f[2]?.split(':')[1] ?? '', 16);
      if (remote === POSTGRES_PORT && inodes.has(f[9] ?? '')) ports.push(local);
    }
  return ports;
}

/** CPU of the processes a measured window ran on, in CPU-seconds per 1,000 cycles. */
export interface CpuCost {
  /** The Licensor node processes (every process given, idle or not). */
  nodeCpu: number;
  /** The PostgreSQL backends serving those processes' connections; null when the run uses no PostgreSQL. */
  pgCpu: number | null;
  /** This benchmark process, the load generator (clients and their connections): on 2 cores it shares them. */
  loadCpu: number;
}

/**
 * Measures the CPU that node processes, and the PostgreSQL backends serving their connections, spend over a window.
 * Backends are found by the client ports of the nodes' connections to port 5432 (`pg_stat_activity.client_port`),
 * so other work on the same server is not counted; the WAL writer, checkpointer and background writer, shared by every
 * client of the server, are not counted either. A backend that exits within the window takes its CPU with it.
 */
export class CpuMeter {
  constructor(private readonly postgresUrl: string | null = null) {}

  /** Runs a round and adds its CPU cost: `unitsPerCycle` of `round.rate` make one cycle (2 for HTTP requests). */
  async measure(pids: number[], run: () => Promise<Round>, unitsPerCycle = 1): Promise<Round & CpuCost> {
    const node0 = pids.map((p) => cpuSecondsOf(p) ?? 0);
    const load0 = ownCpuSeconds();
    const pg0 = await this.backendCpu(pids);
    const t0 = performance.now();
    const round = await run();
    const seconds = (performance.now() - t0) / 1000;
    const load = ownCpuSeconds() - load0;
    const node = pids.reduce((sum, p, i) => sum + (cpuSecondsOf(p) ?? 0) - (node0[i] as number), 0);
    const pg1 = await this.backendCpu(pids);
    let pgSeconds = 0;
    for (const [pid, cpu] of pg1) pgSeconds += cpu - (pg0.get(pid) ?? 0);
    const thousands = (round.rate * seconds) / unitsPerCycle / 1000;
    return {
      ...round,
      nodeCpu: node / thousands,
      pgCpu: this.postgresUrl ? pgSeconds / thousands : null,
      loadCpu: load / thousands,
    };
  }

  /** CPU seconds so far of each PostgreSQL backend serving these processes. */
  private async backendCpu(pids: number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (!this.postgresUrl) return out;
    const ports = pids.flatMap(postgresClientPorts);
    const c = new pg.Client({ connectionString: this.postgresUrl });
    await c.connect();
    try {
      const r = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1)', [ports]);
      for (const { pid } of r.rows) out.set(pid, cpuSecondsOf(pid) ?? 0);
    } finally {
      await c.end();
    }
    return out;
  }
}

/**
 * The median CPU columns of measured rounds, in CPU-s per 1,000 cycles (or other unit): the server processes (`label`,
 * the node by default), PostgreSQL's where used, and the load generator's.
 */
export function cpuColumns(rounds: Partial<CpuCost>[], unit = 'cycles', label = 'node'): string {
  const node = median(rounds.map((r) => r.nodeCpu ?? Number.NaN));
  const pgs = rounds.map((r) => r.pgCpu).filter((x): x is number => typeof x === 'number');
  const pgText = pgs.length ? `  PostgreSQL ${median(pgs).toFixed(3)}` : '';
  const load = median(rounds.map((r) => r.loadCpu ?? Number.NaN));
  return `${label} ${node.toFixed(3)}${pgText}  load generator ${load.toFixed(3)} CPU-s / 1,000 ${unit}`;
}
