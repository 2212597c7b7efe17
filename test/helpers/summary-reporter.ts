/**
 * After vitest's own summary: one line per project (vitest.config.ts) with its wall time, its test
 * count and its slowest file, and the whole run's wall time, so CI's log shows where the suite's time
 * goes; then one plain closing line, `N passed, N failed, N skipped`, so CI systems that read a run's
 * last line (rather than its exit code) see the counts in a standard form.
 */
import type { Reporter, TestModule } from 'vitest/node';

interface Span {
  /** From the first file handed to a worker to the last one done (performance.now()). */
  start: number;
  end: number;
}

export default class SummaryReporter implements Reporter {
  /** By project name, and by module id (a file's own wall time). */
  private readonly projectTimes = new Map<string, Span>();
  private readonly moduleTimes = new Map<string, Span>();

  onTestModuleQueued(module: TestModule): void {
    const now = performance.now();
    if (!this.projectTimes.has(module.project.name)) this.projectTimes.set(module.project.name, { start: now, end: now });
    this.moduleTimes.set(module.moduleId, { start: now, end: now });
  }

  onTestModuleEnd(module: TestModule): void {
    const now = performance.now();
    for (const times of [this.projectTimes.get(module.project.name), this.moduleTimes.get(module.moduleId)]) if (times) times.end = now;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const wall = (times: Span | undefined) => (times ? times.end - times.start : 0);
    const projects = new Map<string, { tests: number; files: number; slowest?: TestModule }>();
    for (const module of testModules) {
      const tests = [...module.children.allTests()];
      for (const test of tests) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A module that failed to load has no tests but is a failure all the same.
      if (module.state() === 'failed' && tests.length === 0) failed++;
      const project = projects.get(module.project.name) ?? { tests: 0, files: 0 };
      project.tests += tests.length;
      project.files++;
      if (!project.slowest || wall(this.moduleTimes.get(module.moduleId)) > wall(this.moduleTimes.get(project.slowest.moduleId))) project.slowest = module;
      projects.set(module.project.name, project);
    }
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    // In the order the projects ran.
    const started = (name: string) => this.projectTimes.get(name)?.start ?? Infinity;
    const lines = [...projects].sort(([a], [b]) => started(a) - started(b)).map(([name, { tests, files, slowest }]) => {
      const slow = slowest ? `; slowest ${slowest.relativeModuleId} ${seconds(wall(this.moduleTimes.get(slowest.moduleId)))}` : '';
      return `${(name || 'tests').padEnd(12)} ${seconds(wall(this.projectTimes.get(name))).padStart(8)}  ${tests} tests in ${files} file${files === 1 ? '' : 's'}${slow}`;
    });
    // Projects of one group overlap: the suite's own wall time, from the first file to the last.
    const spans = [...this.projectTimes.values()];
    if (spans.length > 1) lines.push(`${'suite'.padEnd(12)} ${seconds(Math.max(...spans.map((t) => t.end)) - Math.min(...spans.map((t) => t.start))).padStart(8)}`);
    process.stdout.write(`\n${lines.join('\n')}\n\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
