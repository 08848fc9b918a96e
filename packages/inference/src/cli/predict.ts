/**
 * classifier-predict: the batch side of the same artifact (SPEC journey 7), so batch and real-time
 * predictions never diverge: same loader (sha256-checked), same Predictor, same session options.
 *
 * usage: classifier-predict --model DIR --input FILE.jsonl|.csv --output FILE.jsonl
 *          [--batch-size 64] [--top-k 1] [--explain 0] [--text-field text] [--id-field id] [--no-progress]
 *
 * Streams: reads a batch, predicts it, writes it (waiting for the output to drain), so memory stays
 * constant whatever the file size. Progress (bytes read) goes to stderr. Bad records are written as
 * {"line", "error"} and counted; the exit code is 2 when any record failed.
 */
import { createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { MAX_EXPLAIN } from '../constants.js';
import { loadModel } from '../model/loadModel.js';
import { lambdaSessionOptions } from '../model/sessionOptions.js';
import { Predictor } from '../predictor/Predictor.js';
import { type InputRecord, readRecords } from './readRecords.js';

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
  const model = await loadModel({ modelUri: join(options.modelDir, 'model.onnx'), sessionOptions: lambdaSessionOptions(1) });
  const predictor = new Predictor(model);
  if (topK < 1 || topK > predictor.labels.length) throw new Error(`--top-k must be 1..${predictor.labels.length}`);
  if (explain < 0 || explain > MAX_EXPLAIN) throw new Error(`--explain must be 0..${MAX_EXPLAIN}`);
  if (explain > 0 && !predictor.supportsExplain) throw new Error('this model does not support explanations (--explain)');

  const total = statSync(options.input).size;
  const bar = options.progress === false ? undefined : new cliProgress.SingleBar(
    { stream: process.stderr, format: 'predict |{bar}| {percentage}% | {records} records | {errors} errors | {eta_formatted} left', hideCursor: false },
    cliProgress.Presets.shades_classic,
  );
  let read = 0;
  bar?.start(total, 0, { records: 0, errors: 0 });

  const out = createWriteStream(options.output);
  const summary = { records: 0, predicted: 0, errors: 0 };
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };

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
  } finally {
    bar?.update(read, { records: summary.records, errors: summary.errors });
    bar?.stop();
    out.end();
    await once(out, 'close');
    await model.release();
  }
  return { ...summary, ms: performance.now() - started };
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const { values } = parseArgs({
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
  if (!values.model || !values.input || !values.output) {
    process.stderr.write('usage: classifier-predict --model DIR --input FILE.jsonl|.csv --output FILE.jsonl [--batch-size 64] [--top-k 1] [--explain 0]\n');
    return 64;
  }
  const summary = await predictFile({
    modelDir: values.model,
    input: values.input,
    output: values.output,
    batchSize: Number(values['batch-size']),
    topK: Number(values['top-k']),
    explain: Number(values.explain),
    textField: values['text-field'],
    idField: values['id-field'],
    progress: !values['no-progress'] && process.stderr.isTTY !== false,
  });
  process.stderr.write(
    `${summary.predicted} predicted, ${summary.errors} errors, ${summary.records} records in ${Math.round(summary.ms)} ms -> ${values.output}\n`,
  );
  return summary.errors > 0 ? 2 : 0;
}
