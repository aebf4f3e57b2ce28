/** Any class (abstract or not) a plugin can be. */
// biome-ignore lint/suspicious/noExplicitAny: constructor parameters of arbitrary plugin classes must be accepted.
export type AnyClass = abstract new (...args: any[]) => unknown;

const MODULE_IDS = new WeakMap<AnyClass, number>();

/**
 * Marks a plugin class with its licensed module ID (the Syrve `PluginLicenseModuleId` attribute), as a TypeScript 5
 * standard class decorator: `@licensedModule(21016318) class CustomerScreen { … }`.
 */
export function licensedModule(
  moduleId: number,
): <C extends AnyClass>(value: C, context: ClassDecoratorContext<C>) => void {
  if (!Number.isInteger(moduleId) || moduleId < 0)
    throw new TypeError(`licensedModule: module ID must be a non-negative integer, got ${String(moduleId)}`);
  return (value, context) => {
    if (context.kind !== 'class') throw new TypeError('licensedModule decorates classes only');
    MODULE_IDS.set(value, moduleId);
  };
}

/** The module ID a class (or its nearest decorated ancestor) was marked with, or undefined. */
export function getLicensedModuleId(Class: AnyClass): number | undefined {
  // Walk the constructor chain so a subclass of a licensed plugin is licensed under the same module.
  for (let c: unknown = Class; typeof c === 'function'; c = Object.getPrototypeOf(c)) {
    const id = MODULE_IDS.get(c as AnyClass);
    if (id !== undefined) return id;
  }
  return undefined;
}
