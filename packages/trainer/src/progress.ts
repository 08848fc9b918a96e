/** How long-running phases report progress; the CLI draws bars, tests and libraries pass nothing. */
export interface Progress {
  phase(name: string, total: number): void;
  update(done: number, detail?: string): void;
  done(summary: string): void;
}

export const silentProgress: Progress = { phase() {}, update() {}, done() {} };
