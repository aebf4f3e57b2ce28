export * from './catalog/module-definition.js';
export * from './policy/admission-policy.js';
