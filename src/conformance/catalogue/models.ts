/** `GET /models`: OpenAI's model list, which a deployment may not offer; when it does, the platform's names. */
import { BASE_MODELS, parseModelName } from '../../spec/model.js';
import { ModelList } from '../../spec/schemas/models.js';
import { expectJson, fail } from '../expect.js';
import type { Check } from '../check.js';
import { JUDGMENT_CHECKS } from '../judgment-checks.js';

/** The list is OpenAI's, not the seed's: a deployment that does not route it is not judged on it. */
const NOT_OFFERED = [404, 405, 501];

export const modelChecks: Check[] = [
  {
    id: 'models.list',
    group: 'models',
    ...JUDGMENT_CHECKS['models.list'],
    purpose: `GET /models (when offered) is an OpenAI model list naming the platform's models (${BASE_MODELS.join(', ')}), every id a name the platform accepts.`,
    async run({ client, skip }) {
      const exchange = await client.request({ path: '/models' });
      if (NOT_OFFERED.includes(exchange.status)) skip(`GET /models is not offered (${exchange.status})`);
      const list = expectJson(exchange, ModelList, 'GET /models');
      const ids = list.data.map((m) => m.id);
      const foreign = ids.filter((id) => !parseModelName(id).ok);
      if (foreign.length) fail(`GET /models lists ${foreign.length} name(s) the platform does not accept: ${foreign.slice(0, 5).join(', ')}`, exchange, { expected: 'platform model names', actual: foreign.slice(0, 5).join(', ') });
      const absent = BASE_MODELS.filter((base) => !ids.includes(base));
      if (absent.length) fail(`GET /models does not list ${absent.join(', ')}`, exchange, { expected: BASE_MODELS.join(', '), actual: ids.slice(0, 8).join(', ') });
    },
  },
];
