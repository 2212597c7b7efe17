/**
 * The first list of broken deployments, kept under its old name: the faults now live in faults.ts
 * (FAULTS has these sixteen and the rest).
 */
export { BROKEN, type BrokenDeployment } from './faults.js';
