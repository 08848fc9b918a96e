import { readFileSync, readdirSync } from 'node:fs';

/**
 * The local stage runs each Lambda execution environment as a child process of the process that
 * called `startLocalStage` (packages/local-stage/src/lambda/executionEnvironment.ts forks
 * `runtime/bootstrap.mjs`). The stage exposes no handle on them, so they are found in /proc: children
 * of this process whose command line names the bootstrap.
 */
export function environmentPids(parent = process.pid): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may hold spaces, so
      // parse after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1');
      if (cmdline.includes('bootstrap.mjs')) pids.push(Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  return pids.sort((a, b) => a - b);
}

/** VmRSS of a process in bytes (what Lambda meters as memory used), or undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
