import './async-dispose-polyfill.js';
import type { LicenseStatePush } from './client-results.js';
import { InsufficientLicenseError } from './errors/insufficient-license-error.js';
import { LicensingError } from './errors/licensing-error.js';
import { ModuleNotLicensedError } from './errors/module-not-licensed-error.js';
import { toLicensingError } from './errors/to-licensing-error.js';
import type { Lease } from './lease.js';
import { type AnyClass, getLicensedModuleId } from './licensed-module.js';
import type { LicensingClient } from './licensing-client.js';

/** A plugin class that can be constructed. */
// biome-ignore lint/suspicious/noExplicitAny: constructor parameters of arbitrary plugin classes must be accepted.
export type PluginClass = new (...args: any[]) => unknown;

/**
 * What a plugin class may implement to hear about its license. `loadPlugin` calls them on the plugin instance; the
 * same news comes through `LoadedPlugin.onLicenseLost` / `onLicenseRestored` for the host.
 */
export interface PluginLicenseHooks {
  /**
   * The instance lost its license: its slot was evicted, force-released or expired, or the node's license no longer
   * covers the module (withdrawn, expired). The plugin must stop its licensed work now; it stays constructed.
   */
  onLicenseLost?(error: LicensingError): void | Promise<void>;
  /** The license allows the instance again and it holds its slot again: it may resume. */
  onLicenseRestored?(): void | Promise<void>;
}

/** Options of `loadPlugin`. */
export interface LoadPluginOptions<C extends PluginClass> {
  /** This plugin instance's stable ID (the holder of its slot: the same instance re-takes its slot after a crash). */
  instanceId: string;
  /** Constructor arguments, passed only when the license allows loading. */
  args?: ConstructorParameters<C>;
  /**
   * While the license is lost, how often to try taking it again (ms, default 30 000). It is also tried at once whenever
   * the node pushes a license change. 0: only on such pushes.
   */
  retryIntervalMs?: number;
}

/** A plugin the host loaded under a license. */
export interface LoadedPlugin<T> extends AsyncDisposable {
  /** The constructed plugin. */
  readonly plugin: T;
  /** Module ID read from `@licensedModule`. */
  readonly moduleId: number;
  /** The instance's slot now; null for an uncounted (free, formality) plugin module, and while the license is lost. */
  readonly lease: Lease | null;
  /** True while the instance holds its license; false from a loss until it is taken again. */
  readonly licensed: boolean;
  /** Why the license was lost, while it is. */
  readonly lostError: LicensingError | undefined;
  /** Calls `cb` each time the instance loses its license; returns a function that unsubscribes. */
  onLicenseLost(cb: (error: LicensingError) => void): () => void;
  /** Calls `cb` each time the instance holds its license again after a loss; returns a function that unsubscribes. */
  onLicenseRestored(cb: () => void): () => void;
  /** Disposes the plugin (its `Symbol.asyncDispose`/`Symbol.dispose`, if any) and releases its slot; idempotent. */
  unload(): Promise<void>;
}

const LEASE_STRATEGIES = new Set(['REJECT_NEW', 'EVICT_INACTIVE']);
const DEFAULT_RETRY_MS = 30_000;

/**
 * Loads a per-instance plugin the way a plugin host must: reads the class's `@licensedModule` ID, takes a slot for
 * this instance, and constructs the plugin only when granted. Throws InsufficientLicenseError (nothing constructed)
 * when every instance is in use; an uncounted module is loaded when the license covers it at all. Afterwards it
 * watches the license: a loss calls the plugin's `onLicenseLost`, and the license is taken again (calling
 * `onLicenseRestored`) as soon as the node allows it.
 */
export async function loadPlugin<C extends PluginClass>(
  client: LicensingClient,
  Plugin: C,
  options: LoadPluginOptions<C>,
): Promise<LoadedPlugin<InstanceType<C>>> {
  const moduleId = getLicensedModuleId(Plugin as AnyClass);
  if (moduleId === undefined)
    throw new TypeError(
      `loadPlugin: class ${Plugin.name || '(anonymous)'} is not marked with @licensedModule(moduleId)`,
    );
  const retryMs = options.retryIntervalMs ?? DEFAULT_RETRY_MS;
  if (!Number.isInteger(retryMs) || retryMs < 0)
    throw new TypeError(`loadPlugin: retryIntervalMs must be a non-negative integer, got ${String(retryMs)}`);
  const name = Plugin.name || `module ${moduleId}`;
  let lease: Lease | null = null;
  if (await isCounted(client, moduleId)) {
    try {
      lease = await client.acquireSlot(moduleId, options.instanceId);
    } catch (err) {
      if (err instanceof InsufficientLicenseError) {
        throw new InsufficientLicenseError({
          ...fieldsOf(err),
          detail: `plugin ${name} (module ${moduleId}) not loaded: ${err.detail}`,
          cause: err,
        });
      }
      // The catalog could not be read and the module turned out not to count leases: fall back to the uncounted path.
      if (!(err instanceof LicensingError && err.code === 'MODULE_KIND_MISMATCH')) throw err;
    }
  }
  if (!lease && !(await client.isEnabled(moduleId))) {
    throw new ModuleNotLicensedError({
      code: 'MODULE_NOT_LICENSED',
      detail: `plugin ${name} (module ${moduleId}) not loaded: the license does not include module ${moduleId}`,
      data: { moduleId },
    });
  }
  let plugin: InstanceType<C>;
  try {
    plugin = new Plugin(...((options.args ?? []) as unknown[])) as InstanceType<C>;
  } catch (err) {
    // A plugin that fails to construct must not keep its slot.
    await lease?.release().catch(() => {});
    throw err;
  }
  return new PluginLicenseWatch(client, plugin, moduleId, options.instanceId, lease, retryMs);
}

/** A loaded plugin and the watch over its license: tells the plugin of a loss and takes the license again. */
class PluginLicenseWatch<T> implements LoadedPlugin<T> {
  private readonly client: LicensingClient;
  private readonly instanceId: string;
  private readonly counted: boolean;
  private readonly retryMs: number;
  private readonly lostCallbacks = new Set<(error: LicensingError) => void>();
  private readonly restoredCallbacks = new Set<() => void>();
  private readonly stopListening: () => void;
  private heldLease: Lease | null;
  private lossError: LicensingError | undefined;
  private retryTimer: NodeJS.Timeout | null = null;
  private retrying: Promise<void> | null = null;
  private unloading: Promise<void> | undefined;

  constructor(
    client: LicensingClient,
    readonly plugin: T,
    readonly moduleId: number,
    instanceId: string,
    lease: Lease | null,
    retryMs: number,
  ) {
    this.client = client;
    this.instanceId = instanceId;
    this.heldLease = lease;
    this.counted = lease !== null;
    this.retryMs = retryMs;
    this.stopListening = client.on('licenseState', (push) => this.onLicense(push));
    if (lease) this.watch(lease);
  }

  get lease(): Lease | null {
    return this.heldLease;
  }

  get licensed(): boolean {
    return this.lossError === undefined;
  }

  get lostError(): LicensingError | undefined {
    return this.lossError;
  }

  onLicenseLost(cb: (error: LicensingError) => void): () => void {
    this.lostCallbacks.add(cb);
    return () => this.lostCallbacks.delete(cb);
  }

  onLicenseRestored(cb: () => void): () => void {
    this.restoredCallbacks.add(cb);
    return () => this.restoredCallbacks.delete(cb);
  }

  unload(): Promise<void> {
    this.unloading ??= (async () => {
      this.stopListening();
      this.stopRetry();
      try {
        await disposePlugin(this.plugin);
      } finally {
        await this.heldLease?.release();
      }
    })();
    return this.unloading;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.unload();
  }

  private watch(lease: Lease): void {
    lease.onLost((error) => {
      if (this.heldLease === lease) this.lose(error);
    });
  }

  /** The node pushed a license change: a license that no longer covers the module is a loss; one that does, a chance to retake it. */
  private onLicense(push: LicenseStatePush): void {
    if (this.unloading) return;
    const entitlement = push.entitlements?.find((e) => e.moduleId === this.moduleId);
    const covered =
      push.state === 'valid' &&
      (push.entitlements === undefined || (entitlement !== undefined && entitlement.quantity !== 0));
    if (covered) {
      if (this.lossError) void this.retry();
      return;
    }
    if (this.lossError) return;
    const error =
      push.state !== 'valid'
        ? toLicensingError({
            code: LICENSE_CODES[push.state],
            detail: `the node's license is ${push.state.replaceAll('_', ' ')}: ${push.detail}`,
            data: { moduleId: this.moduleId },
          })
        : new ModuleNotLicensedError({
            code: 'MODULE_NOT_LICENSED',
            detail: `the node's license no longer includes module ${this.moduleId}`,
            data: { moduleId: this.moduleId },
          });
    // The slot means nothing without the license: give it back, so it is free when the license allows again.
    const lease = this.heldLease;
    this.lose(error);
    void lease?.release().catch(() => {});
  }

  private lose(error: LicensingError): void {
    if (this.lossError || this.unloading) return;
    this.lossError = error;
    this.heldLease = null;
    call(() => (this.plugin as PluginLicenseHooks | null)?.onLicenseLost?.(error));
    for (const cb of [...this.lostCallbacks]) call(() => cb(error));
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryMs === 0 || this.retryTimer || this.unloading || !this.lossError) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.retry().finally(() => this.scheduleRetry());
    }, this.retryMs);
    this.retryTimer.unref();
  }

  private stopRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** One attempt at taking the license again (one at a time); a refusal leaves it lost until the next attempt. */
  private retry(): Promise<void> {
    this.retrying ??= this.takeAgain().finally(() => {
      this.retrying = null;
    });
    return this.retrying;
  }

  private async takeAgain(): Promise<void> {
    if (!this.lossError || this.unloading) return;
    let lease: Lease | null = null;
    try {
      if (this.counted) lease = await this.client.acquireSlot(this.moduleId, this.instanceId);
      else if (!(await this.client.isEnabled(this.moduleId))) return;
    } catch {
      return;
    }
    if (this.unloading) {
      await lease?.release().catch(() => {});
      return;
    }
    this.heldLease = lease;
    this.lossError = undefined;
    this.stopRetry();
    if (lease) this.watch(lease);
    call(() => (this.plugin as PluginLicenseHooks | null)?.onLicenseRestored?.());
    for (const cb of [...this.restoredCallbacks]) call(() => cb());
  }
}

const LICENSE_CODES = {
  missing: 'LICENSE_MISSING',
  expired: 'LICENSE_EXPIRED',
  not_yet_valid: 'LICENSE_NOT_YET_VALID',
  blocked: 'SYNC_BLOCKED',
  valid: 'LICENSE_MISSING',
} as const;

/** Runs a hook or callback; a throw or rejection surfaces as uncaught without keeping the others from running. */
function call(fn: () => unknown): void {
  const rethrow = (err: unknown) =>
    queueMicrotask(() => {
      throw err;
    });
  try {
    const r = fn();
    if (r && typeof (r as PromiseLike<unknown>).then === 'function') (r as Promise<unknown>).then(undefined, rethrow);
  } catch (err) {
    rethrow(err);
  }
}

/** True unless the catalog says the module is not lease-counted; an unreadable catalog means "try a lease". */
async function isCounted(client: LicensingClient, moduleId: number): Promise<boolean> {
  try {
    const info = await client.moduleInfo(moduleId);
    return info?.strategy === undefined || LEASE_STRATEGIES.has(info.strategy);
  } catch {
    return true;
  }
}

async function disposePlugin(plugin: unknown): Promise<void> {
  if (plugin === null || typeof plugin !== 'object') return;
  const p = plugin as { [Symbol.asyncDispose]?: () => PromiseLike<void>; [Symbol.dispose]?: () => void };
  if (typeof p[Symbol.asyncDispose] === 'function') await p[Symbol.asyncDispose]?.();
  else if (typeof p[Symbol.dispose] === 'function') p[Symbol.dispose]?.();
}

function fieldsOf(err: LicensingError) {
  return {
    code: err.code,
    data: err.data,
    ...(err.status === undefined ? {} : { status: err.status }),
    ...(err.requestId === undefined ? {} : { requestId: err.requestId }),
  };
}
