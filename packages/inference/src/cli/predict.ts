/**
 * classifier-predict: the batch side of the same artifact (SPEC journey 7), so batch and real-time
 * predictions never diverge: same loader (sha256-checked), same Predictor, same session options.
 *
 * usage: classifier-predict --model DIR --input FILE.jsonl|.csv --output FILE.jsonl
 *          [--batch-size 64] [--top-k 1] [--explain 0] [--text-field text] [--id-field id] [--no-progress]
 *
 * Streams: reads a batch, predicts it, writes it (waiting for the output to drain), so memory stays
 * constant whatever the file size. Progress (bytes read) goes to stderr. Bad records are written as
 * {"line", "error"} and counted; the exit code is 2 when any record failed, 64 (EX_USAGE) for a bad
 * command line, 1 for any other failure (one line on stderr, from bin/classifier-predict.js).
 */
import { createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { DEFAULT_LIMITS, MAX_EXPLAIN } from '../constants.js';
import { loadModel } from '../model/loadModel.js';
import { lambdaSessionOptions } from '../model/sessionOptions.js';
import { Predictor } from '../predictor/Predictor.js';
import { type InputRecord, readRecords } from './readRecords.js';

const USAGE = 'usage: classifier-predict --model DIR --input FILE.jsonl|.csv --output FILE.jsonl [--batch-size 64] [--top-k 1] [--explain 0]';

/**
 * Most texts per batch: the function's own limit per request, the largest batch whose memory has been
 * measured. A larger one would not run faster (the predictor splits big batches into runs anyway)
 * but would hold more records at once.
 */
export const MAX_BATCH_SIZE = DEFAULT_LIMITS.maxTexts;

/** A bad command line (flag value): main prints it with the usage and exits 64, like missing flags. */
export class UsageError extends Error {}

/** Throws a UsageError unless `value` is an integer in min..max (NaN and fractions included). */
function checkRange(flag: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${flag} must be an integer in ${min}..${max}, got ${value}`);
}

export interface PredictFileOptions {
  modelDir: string;
  input: string;
  output: string;
  batchSize?: number;
  topK?: number;
  explain?: number;
  textField?: string;
  idField?: string;
  progress?: boolean;
}

export interface PredictFileSummary {
  records: number;
  predicted: number;
  errors: number;
  ms: number;
}

export async function predictFile(options: PredictFileOptions): Promise<PredictFileSummary> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 64;
  const topK = options.topK ?? 1;
  const explain = options.explain ?? 0;
  // Checked before the model loads: a NaN batch size would never flush (the whole file in memory).
  checkRange('--batch-size', batchSize, 1, MAX_BATCH_SIZE);
  checkRange('--explain', explain, 0, MAX_EXPLAIN);
  const model = await loadModel({ modelUri: join(options.modelDir, 'model.onnx'), sessionOptions: lambdaSessionOptions(1) });
  try {
    const predictor = new Predictor(model);
    checkRange('--top-k', topK, 1, predictor.labels.length);
    if (explain > 0 && !predictor.supportsExplain) throw new UsageError('--explain: this model does not support explanations');
    const total = statSync(options.input).size;
    return await predictStream(predictor, options, { batchSize, topK, explain, total, started });
  } finally {
    await model.release();
  }
}

async function predictStream(
  predictor: Predictor,
  options: PredictFileOptions,
  { batchSize, topK, explain, total, started }: { batchSize: number; topK: number; explain: number; total: number; started: number },
): Promise<PredictFileSummary> {
  const out = createWriteStream(options.output);
  // Settles on the stream's first error (an 'error' listener, so none is ever uncaught) or when it
  // closes; it is awaited while waiting for 'drain' too, which never comes after an error.
  const done = finished(out);
  done.catch(() => {}); // handled where awaited; this only keeps an early failure from counting as unhandled
  // An output that cannot be opened (no directory, no permission) fails here, before any input is read.
  await Promise.race([once(out, 'open'), done]);
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), done]);
  };

  const bar = options.progress === false ? undefined : new cliProgress.SingleBar(
    { stream: process.stderr, format: 'predict |{bar}| {percentage}% | {records} records | {errors} errors | {eta_formatted} left', hideCursor: false },
    cliProgress.Presets.shades_classic,
  );
  let read = 0;
  bar?.start(total, 0, { records: 0, errors: 0 });
  const summary = { records: 0, predicted: 0, errors: 0 };

  // Error records wait in the batch too, so the output keeps the input's order.
  let batch: InputRecord[] = [];
  let pending = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const ok = batch.filter((r): r is Extract<InputRecord, { text: string }> => !('error' in r));
    const { predictions } = await predictor.predict(ok.map((r) => r.text), { topK, explain });
    let text = '';
    let j = 0;
    for (const r of batch) {
      if ('error' in r) {
        text += `${JSON.stringify(r)}\n`;
        continue;
      }
      const p = predictions[j++];
      text += `${JSON.stringify({ line: r.line, ...(r.id !== undefined ? { id: r.id } : {}), ...p, ...(topK === 1 ? { top: undefined } : {}) })}\n`;
    }
    summary.predicted += ok.length;
    batch = [];
    pending = 0;
    await write(text);
  };

  let failure: { error: unknown } | undefined;
  try {
    for await (const record of readRecords(options.input, {
      ...(options.textField ? { textField: options.textField } : {}),
      ...(options.idField ? { idField: options.idField } : {}),
      onBytes: (n) => {
        read += n;
      },
    })) {
      summary.records++;
      batch.push(record);
      if ('error' in record) summary.errors++;
      else pending++;
      // Bounded either way: a run of bad lines cannot grow the batch without limit.
      if (pending >= batchSize || batch.length >= 4 * batchSize) await flush();
      if (summary.records % 256 === 0) bar?.update(read, { records: summary.records, errors: summary.errors });
    }
    await flush();
  } catch (error) {
    failure = { error };
  }
  bar?.update(read, { records: summary.records, errors: summary.errors });
  bar?.stop();
  out.end();
  // A write error (ENOSPC, EPIPE) fails the run, unless it already failed (the first error is the cause).
  await done.catch((error: unknown) => {
    failure ??= { error };
  });
  if (failure) throw failure.error;
  return { ...summary, ms: performance.now() - started };
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`classifier-predict: ${error.message}\n${USAGE}\n`);
    return 64;
  }
}

/** A flag's integer value: digits only, so "abc", "2.5", "1e1" or "" are refused, never NaN or a fraction. */
function intFlag(flag: string, raw: string): number {
  if (!/^[0-9]+$/.test(raw)) throw new UsageError(`${flag} must be an integer, got "${raw}"`);
  return Number(raw);
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        input: { type: 'string' },
        output: { type: 'string' },
        'batch-size': { type: 'string', default: '64' },
        'top-k': { type: 'string', default: '1' },
        explain: { type: 'string', default: '0' },
        'text-field': { type: 'string', default: 'text' },
        'id-field': { type: 'string', default: 'id' },
        'no-progress': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    // Unknown flags and missing values are usage errors too.
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
}

async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv);
  if (!values.model || !values.input || !values.output) {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  const summary = await predictFile({
    modelDir: values.model,
    input: values.input,
    output: values.output,
    batchSize: intFlag('--batch-size', values['batch-size']),
    topK: intFlag('--top-k', values['top-k']),
    explain: intFlag('--explain', values.explain),
    textField: values['text-field'],
    idField: values['id-field'],
    progress: !values['no-progress'] && process.stderr.isTTY !== false,
  });
  process.stderr.write(
    `${summary.predicted} predicted, ${summary.errors} errors, ${summary.records} records in ${Math.round(summary.ms)} ms -> ${values.output}\n`,
  );
  return summary.errors > 0 ? 2 : 0;
}
