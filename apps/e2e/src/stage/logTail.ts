/**
 * Keeps the last lines a local stage logs (function output and START/END/REPORT lines), so a
 * failing case can quote them and fault runs can look for the init error. The stage's log never holds
 * the API key: the gateway logs request ids, and the function logs no headers.
 */
export class LogTail {
  private readonly lines: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();

  constructor(private readonly capacity = 2000) {}

  readonly push = (line: string): void => {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    for (const listener of this.listeners) listener(line);
  };

  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  all(): readonly string[] {
    return this.lines;
  }

  matching(pattern: RegExp): string[] {
    return this.lines.filter((l) => pattern.test(l));
  }

  last(n = 20): string {
    return this.lines.slice(-n).join('\n');
  }
}

/** `Max Memory Used: N MB` of a Lambda REPORT line, or undefined for other lines. */
export function maxMemoryUsedMb(line: string): number | undefined {
  if (!line.startsWith('REPORT ')) return undefined;
  const m = /Max Memory Used: (\d+) MB/.exec(line);
  return m ? Number(m[1]) : undefined;
}
