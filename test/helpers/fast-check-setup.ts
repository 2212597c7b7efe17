/**
 * Property tests explore new random cases on every local run (fast-check's default), which is how the
 * fuzzers found real bugs. In CI (`CI` set) they replay one fixed seed instead, so a landing never
 * depends on luck; set FC_SEED to replay a seed a failure printed.
 */
import fc from 'fast-check';

const fixed = process.env.FC_SEED ?? (process.env.CI ? '20261123' : undefined);
if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });
