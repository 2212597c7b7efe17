/**
 * `npm run harness:mutants [-- <name filter>]`: run every generated mutant against the clean mock
 * (test/conformance/helpers/mutant-harness.ts) and print each survivor, each legitimate mutant that
 * failed, and the score line `killed K/N, legitimate passed P/Q`. Exit 1 when the score is under the
 * issue's goal (95 % killed, every legitimate mutant passing).
 */
import { runMutantHarness, scoreLines } from '../test/conformance/helpers/mutant-harness.js';
import { startMock } from '../test/conformance/helpers/mock.js';

const filter = process.argv[2];
const mock = await startMock();
try {
  const { results } = await runMutantHarness({
    mockUrl: mock.url,
    filter: filter ? (m) => m.name.includes(filter) : undefined,
    onResult: (r, done, total) => process.stderr.write(`\r${done}/${total}`),
  });
  process.stderr.write('\n');
  const score = scoreLines(results);
  for (const line of score.lines) console.log(line);
  console.log(score.score);
  process.exitCode = score.killed >= Math.ceil(0.95 * score.total) && score.legitimatePassed === score.legitimate ? 0 : 1;
} finally {
  await mock.server.close();
}
