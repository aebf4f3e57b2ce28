// Loaded first by index.ts. Node 20.x from 20.4 defines Symbol.asyncDispose; older runtimes and some bundlers do not,
// and `await using` (as TypeScript and esbuild lower it) looks the method up under Symbol.asyncDispose, falling back
// to Symbol.for('Symbol.asyncDispose') — so the same registered symbol makes both paths find Lease's dispose method.
const symbols = Symbol as unknown as { asyncDispose?: symbol; dispose?: symbol };
symbols.asyncDispose ??= Symbol.for('Symbol.asyncDispose');
symbols.dispose ??= Symbol.for('Symbol.dispose');

// A module, not a script: its one binding stays local under every build (the CommonJS one included).
export {};
