import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_ARTIFACT_DIR, MODEL_FILE } from '@org/classifier-artifact';
import { Predictor, loadModel } from '@org/classifier-inference';
import { loadNewsgroups } from '@org/classifier-trainer';
import { E2eError } from './errors.js';

/** The artifact the offline labels come from: `CLASSIFIER_MODEL_DIR` (as the infra synth), else the trainer's. */
export function artifactDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.CLASSIFIER_MODEL_DIR ? resolve(env.CLASSIFIER_MODEL_DIR) : DEFAULT_ARTIFACT_DIR;
}

export interface OfflineModel {
  readonly version: string;
  readonly labels: readonly string[];
  /** Labels for `texts`, in order, predicted in-process with the inference package's Predictor. */
  predict(texts: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Loads the artifact with the same loader and Predictor the Lambda handler and the batch CLI use, so
 * "offline" means the artifact's own answer, not a second implementation of the model.
 */
export async function loadOfflineModel(dir = artifactDir()): Promise<OfflineModel> {
  const modelPath = join(dir, MODEL_FILE);
  if (!existsSync(modelPath)) {
    throw new E2eError(`no model artifact at ${modelPath}: run npm run train -w @org/classifier-trainer (or set CLASSIFIER_MODEL_DIR)`);
  }
  const loaded = await loadModel({ modelUri: modelPath });
  const predictor = new Predictor(loaded);
  return {
    version: loaded.manifest.version,
    labels: loaded.manifest.labels,
    async predict(texts) {
      const out: string[] = [];
      // Small batches: the graph pads a batch to its longest post, so memory grows with batch size.
      for (let i = 0; i < texts.length; i += 32) {
        const { predictions } = await predictor.predict(texts.slice(i, i + 32));
        for (const p of predictions) out.push(p.label);
      }
      return out;
    },
    close: () => loaded.session.release(),
  };
}

/**
 * `n` posts of the 20 Newsgroups test split, spread evenly over it (the split is ordered by class,
 * so every class is represented), with their true labels.
 */
export async function sampleTestSplit(n: number): Promise<{ texts: string[]; truth: string[] }> {
  const data = await loadNewsgroups();
  const total = data.test.texts.length;
  const step = total / n;
  const texts: string[] = [];
  const truth: string[] = [];
  for (let i = 0; i < n && i < total; i++) {
    const j = Math.floor(i * step);
    texts.push(data.test.texts[j] as string);
    truth.push(data.labels[data.test.targets[j] as number] as string);
  }
  return { texts, truth };
}
