export * from './actor.js';
export * from './cloud.js';
export * from './errors.js';
export * from './finding.js';
export * from './instance.js';
export * from './plan.js';
export * from './price.js';
