/**
 * The TypeBox schemas of every HTTP request and answer and every SDK session message, as runtime values (the server
 * validates and serializes with them). A subpath of its own so that importing the package for its types, license
 * verification or webhook signatures does not build every schema.
 */
export * from './api/billing-accounts.js';
export * from './api/billing-rentals.js';
export * from './api/common.js';
export * from './api/events.js';
export * from './api/leases.js';
export * from './api/license.js';
export * from './api/members.js';
export * from './api/node-sync.js';
export * from './api/nodes.js';
export * from './api/pools.js';
export * from './api/problem-schema.js';
export * from './api/quotas.js';
export * from './api/system.js';
export * from './api/tokens.js';
export * from './api/usage.js';
export * from './api/webhooks.js';
export * from './session/session-answers.js';
export * from './session/session-pushes.js';
export * from './session/session-requests.js';
