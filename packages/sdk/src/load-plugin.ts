import './async-dispose-polyfill.js';
import { InsufficientLicenseError } from './errors/insufficient-license-error.js';
import { LicensingError } from './errors/licensing-error.js';
import { ModuleNotLicensedError } from './errors/module-not-licensed-error.js';
import type { Lease } from './lease.js';
import { type AnyClass, getLicensedModuleId } from './licensed-module.js';
import type { LicensingClient } from './licensing-client.js';

/** A plugin class that can be constructed. */
// biome-ignore lint/suspicious/noExplicitAny: constructor parameters of arbitrary plugin classes must be accepted.
export type PluginClass = new (...args: any[]) => unknown;

/** Options of `loadPlugin`. */
export interface LoadPluginOptions<C extends PluginClass> {
  /** This plugin instance's stable ID (the holder of its slot: the same instance re-takes its slot after a crash). */
  instanceId: string;
  /** Constructor arguments, passed only when the license allows loading. */
  args?: ConstructorParameters<C>;
}

/** A plugin the host loaded under a license. */
export interface LoadedPlugin<T> extends AsyncDisposable {
  /** The constructed plugin. */
  readonly plugin: T;
  /** Module ID read from `@licensedModule`. */
  readonly moduleId: number;
  /** The instance's slot; null for an uncounted (free, formality) plugin module, which needs no slot. */
  readonly lease: Lease | null;
  /** Disposes the plugin (its `Symbol.asyncDispose`/`Symbol.dispose`, if any) and releases its slot; idempotent. */
  unload(): Promise<void>;
}

const LEASE_STRATEGIES = new Set(['REJECT_NEW', 'EVICT_INACTIVE']);

/**
 * Loads a per-instance plugin the way a plugin host must: reads the class's `@licensedModule` ID, takes a slot for
 * this instance, and constructs the plugin only when granted. Throws InsufficientLicenseError (nothing constructed)
 * when every instance is in use; an uncounted module is loaded when the license covers it at all.
 */
export async function loadPlugin<C extends PluginClass>(client: LicensingClient, Plugin: C, options: LoadPluginOptions<C>): Promise<LoadedPlugin<InstanceType<C>>> {
  const moduleId = getLicensedModuleId(Plugin as AnyClass);
  if (moduleId === undefined) throw new TypeError(`loadPlugin: class ${Plugin.name || '(anonymous)'} is not marked with @licensedModule(moduleId)`);
  const name = Plugin.name || `module ${moduleId}`;
  let lease: Lease | null = null;
  if (await isCounted(client, moduleId)) {
    try {
      lease = await client.acquireSlot(moduleId, options.instanceId);
    } catch (err) {
      if (err instanceof InsufficientLicenseError) {
        throw new InsufficientLicenseError({ ...fieldsOf(err), detail: `plugin ${name} (module ${moduleId}) not loaded: ${err.detail}`, cause: err });
      }
      // The catalog could not be read and the module turned out not to count leases: fall back to the uncounted path.
      if (!(err instanceof LicensingError && err.code === 'MODULE_KIND_MISMATCH')) throw err;
    }
  }
  if (!lease && !(await client.isEnabled(moduleId))) {
    throw new ModuleNotLicensedError({ code: 'MODULE_NOT_LICENSED', detail: `plugin ${name} (module ${moduleId}) not loaded: the license does not include module ${moduleId}`, data: { moduleId } });
  }
  let plugin: InstanceType<C>;
  try {
    plugin = new Plugin(...((options.args ?? []) as unknown[])) as InstanceType<C>;
  } catch (err) {
    // A plugin that fails to construct must not keep its slot.
    await lease?.release().catch(() => {});
    throw err;
  }
  let unloading: Promise<void> | undefined;
  const unload = (): Promise<void> => {
    unloading ??= (async () => {
      try {
        await disposePlugin(plugin);
      } finally {
        await lease?.release();
      }
    })();
    return unloading;
  };
  return { plugin, moduleId, lease, unload, [Symbol.asyncDispose]: unload };
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
