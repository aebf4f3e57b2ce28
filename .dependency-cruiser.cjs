// Import direction, checked by `npm run lint` (depcruise). Layers, each importing only those below it:
//   protocol ← core ← server;  protocol ← sdk
//   server: main → http | session | cli → transport → domain services → store → protocol / core
// The composition root (src/main/, and src/cli/main.ts, the process entry the bin and tests start) wires the rest;
// nothing imports it. `transport/` holds what both transports share (error → problem mapping, validation, request
// schemas, connection limits, store health).
const SRC = '^packages/server/src/';
const MAIN = `${SRC}(main/|cli/main[.]ts$)`;
const ADAPTERS = `${SRC}(http|session|cli)/`;
const DOMAIN = `${SRC}(node|billing|hierarchy|usage|webhook|auth|issuer|catalog|hwkey|time|log)/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'core decides on data it is given: it imports protocol only, never the server, SDK or dashboard',
      severity: 'error',
      from: { path: '^packages/core/src' },
      to: { path: '^packages/(server|sdk|web)/' },
    },
    {
      name: 'protocol-is-the-bottom',
      comment: 'protocol is shared by everyone and imports none of them',
      severity: 'error',
      from: { path: '^packages/protocol/src' },
      to: { path: '^packages/(core|server|sdk|web)/' },
    },
    {
      name: 'sdk-on-protocol-only',
      comment: 'the SDK ships to applications: it builds on protocol, never on the server or core',
      severity: 'error',
      from: { path: '^packages/sdk/src' },
      to: { path: '^packages/(core|server|web)/' },
    },
    {
      name: 'nothing-imports-main',
      comment: 'main/ is the composition root: it imports the layers, no layer imports it',
      severity: 'error',
      from: { pathNot: MAIN },
      to: { path: MAIN },
    },
    {
      name: 'adapters-are-peers',
      comment:
        'HTTP routes, SDK sessions and CLI commands do not reach into each other; shared parts live in transport/',
      severity: 'error',
      from: { path: `${SRC}(http|session|cli)/`, pathNot: MAIN },
      to: { path: ADAPTERS, pathNot: `${SRC}$1/` },
    },
    {
      name: 'transport-below-adapters',
      comment: 'transport/ is shared by the HTTP app and SDK sessions and knows neither',
      severity: 'error',
      from: { path: `${SRC}transport/` },
      to: { path: [ADAPTERS, MAIN] },
    },
    {
      name: 'domain-below-transports',
      comment:
        'domain services know nothing of HTTP, sessions, the CLI, transport helpers or the composition root (config types they may read)',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: [ADAPTERS, MAIN, `${SRC}transport/`] },
    },
    {
      name: 'store-below-domain',
      comment: 'the store persists what domain services decide; it imports none of them',
      severity: 'error',
      from: { path: `${SRC}store/` },
      to: {
        path: [DOMAIN, ADAPTERS, MAIN, `${SRC}(transport|config)/`],
        pathNot: `${SRC}(time|log)/`,
      },
    },
    {
      name: 'config-below-main',
      comment: 'the config module is read by the composition root and the CLI; it imports no adapter',
      severity: 'error',
      from: { path: `${SRC}config/` },
      to: { path: [ADAPTERS, MAIN] },
    },
    {
      name: 'no-circular',
      comment:
        'a cycle at run time makes two modules one; split what both need into a third (type-only cycles are harmless)',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['licensor-source', 'import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
