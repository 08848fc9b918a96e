import { type LocalStageOptions, startLocalStage } from '@org/classifier-local-stage';
import { STACK } from '../constants.js';
import { LogTail } from './logTail.js';
import { requireSynthesizedStack, synthDir as defaultSynthDir } from './synthDir.js';

export interface StartedStage {
  readonly url: string;
  readonly apiKey: string;
  readonly summary: string;
  /** Where the stage will not behave as AWS would (e.g. another Node.js major than the runtime's), one line each. */
  readonly warnings: readonly string[];
  readonly log: LogTail;
  close(): Promise<void>;
}

export type StageStartOptions = Omit<LocalStageOptions, 'stack' | 'log'> & { readonly stack?: string };

/** Starts a local stage from a synthesized stack, capturing its log (nothing is printed). */
export async function startStage(options: StageStartOptions = {}): Promise<StartedStage> {
  const dir = options.synthDir ?? defaultSynthDir();
  const stack = options.stack ?? STACK;
  requireSynthesizedStack(dir, stack);
  const log = new LogTail();
  const stage = await startLocalStage({ ...options, stack, synthDir: dir, log: log.push });
  return { url: stage.url, apiKey: stage.apiKey, summary: stage.summary, warnings: stage.warnings, log, close: () => stage.close() };
}
