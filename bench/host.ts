/**
 * What the machine itself did during a benchmark: on a shared virtual machine another tenant can take
 * the cores (the hypervisor's "steal" time, /proc/stat on Linux), and then every figure of the run is
 * less certain. The benches print it beside their ratios instead of leaving it to be guessed.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';

interface CpuTimes {
  total: number;
  steal: number;
}

function cpuTimes(): CpuTimes | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice (clock ticks)
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] };
  } catch {
    return undefined;
  }
}

/** Start counting; `stop()` gives the share of CPU time stolen since (0..1), or undefined off Linux. */
export function stealMeter(): { stop: () => number | undefined } {
  const start = cpuTimes();
  return {
    stop() {
      const end = cpuTimes();
      if (!start || !end || end.total <= start.total) return undefined;
      return (end.steal - start.steal) / (end.total - start.total);
    },
  };
}

/** A line about the steal share for a report, or '' when it was negligible or unknown. */
export function stealNote(share: number | undefined): string {
  if (share === undefined) return '';
  const pct = (share * 100).toFixed(1);
  return share >= 0.05
    ? `host CPU steal ${pct}% during the measurements: another tenant of this machine took the cores, so these ratios are less certain (rerun on a quiet machine)`
    : `host CPU steal ${pct}% during the measurements`;
}

/**
 * The machine a run came from, for the first line of a report: instances of one machine kind differ
 * (one CPU model gives a bare server twice the requests of another), and a ratio is read beside it.
 */
export function machineLine(): string {
  const model = cpus()[0]?.model.trim() || 'unknown CPU';
  return `machine: ${availableParallelism()} cores, ${model}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version} on ${process.platform} ${process.arch}`;
}
