/** The whole catalogue, in the order checks are listed and reported. */
import type { Check } from '../check.js';
import { authChecks } from './auth.js';
import { chatChecks } from './chat.js';
import { contractChecks } from './contract.js';
import { errorChecks } from './errors.js';
import { fuzzChecks } from './fuzz.js';
import { imageChecks } from './images.js';
import { modelChecks } from './models.js';
import { registryChecks } from './traffic.js';
import { videoChecks } from './videos.js';

const ORDINARY: readonly Check[] = [...authChecks, ...chatChecks, ...imageChecks, ...videoChecks, ...modelChecks, ...errorChecks, ...contractChecks, ...fuzzChecks];

/** Every check: the ordinary ones, then one final check per registry check none of them reports. */
export const CATALOGUE: readonly Check[] = [...ORDINARY.filter((c) => c.group !== 'fuzz'), ...registryChecks(ORDINARY), ...ORDINARY.filter((c) => c.group === 'fuzz')];
