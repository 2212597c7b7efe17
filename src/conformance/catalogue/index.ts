/** The whole catalogue, in the order checks are listed and reported. */
import type { Check } from '../types.js';
import { authChecks } from './auth.js';
import { chatChecks } from './chat.js';
import { contractChecks } from './contract.js';
import { errorChecks } from './errors.js';
import { fuzzChecks } from './fuzz.js';
import { imageChecks } from './images.js';
import { modelChecks } from './models.js';
import { trafficChecks } from './traffic.js';
import { videoChecks } from './videos.js';

export const CATALOGUE: readonly Check[] = [...authChecks, ...chatChecks, ...imageChecks, ...videoChecks, ...modelChecks, ...errorChecks, ...trafficChecks, ...contractChecks, ...fuzzChecks];
