import { environmentPids, rssBytes } from '../stage/environments.js';
import type { LogTail } from '../stage/logTail.js';
import { maxMemoryUsedMb } from '../stage/logTail.js';
import { slope } from '../stats.js';

export interface RssSample {
  /** Seconds since the soak started. */
  readonly t: number;
  /** VmRSS per execution environment (pid), in MB. */
  readonly rssMb: Readonly<Record<string, number>>;
  /** Highest "Max Memory Used" of the REPORT lines since the previous sample (MB), if any. */
  readonly reportMaxMb?: number;
}

/**
 * Samples the local stage's execution environments: VmRSS from /proc/<pid>/status (the current
 * resident size; Lambda's REPORT "Max Memory Used" is a running peak, so it cannot show memory going
 * down) and, beside it, the REPORT lines' peak.
 */
export class RssSampler {
  readonly samples: RssSample[] = [];
  private reportMax: number | undefined;
  private readonly off: () => void;

  constructor(log: LogTail | undefined, private readonly started = performance.now()) {
    this.off = log?.onLine((line) => {
      const mb = maxMemoryUsedMb(line);
      if (mb !== undefined) this.reportMax = Math.max(this.reportMax ?? 0, mb);
    }) ?? (() => undefined);
  }

  sample(): RssSample {
    const rssMb: Record<string, number> = {};
    for (const pid of environmentPids()) {
      const b = rssBytes(pid);
      if (b !== undefined) rssMb[pid] = b / 1048576;
    }
    const s: RssSample = {
      t: (performance.now() - this.started) / 1000,
      rssMb,
      ...(this.reportMax === undefined ? {} : { reportMaxMb: this.reportMax }),
    };
    this.reportMax = undefined;
    this.samples.push(s);
    return s;
  }

  stop(): void {
    this.off();
  }

  /** RSS slope in MB per minute per environment, over samples at or after `fromSeconds`. */
  slopes(fromSeconds: number): Record<string, { slopeMbPerMin: number; firstMb: number; lastMb: number; samples: number }> {
    const byPid = new Map<string, Array<readonly [number, number]>>();
    for (const s of this.samples) {
      if (s.t < fromSeconds) continue;
      for (const [pid, mb] of Object.entries(s.rssMb)) {
        const list = byPid.get(pid) ?? [];
        list.push([s.t / 60, mb]);
        byPid.set(pid, list);
      }
    }
    const out: Record<string, { slopeMbPerMin: number; firstMb: number; lastMb: number; samples: number }> = {};
    for (const [pid, points] of byPid) {
      out[pid] = {
        slopeMbPerMin: slope(points),
        firstMb: points[0]?.[1] ?? Number.NaN,
        lastMb: points[points.length - 1]?.[1] ?? Number.NaN,
        samples: points.length,
      };
    }
    return out;
  }
}
