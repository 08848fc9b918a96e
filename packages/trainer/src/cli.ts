import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_ARTIFACT_DIR } from '@org/classifier-artifact';
import cliProgress from 'cli-progress';
import { loadConfig } from './config.js';
import { TrainerError } from './errors.js';
import type { Progress } from './progress.js';
import { train } from './train.js';

const HELP = `classifier-train: train the newsgroups classifier and export model.onnx + manifest.json

usage: classifier-train [--config seed|default|FILE.json] [--archive PATH] [--out DIR]

  --config   seed (the article's pipeline), default (1-2 grams, sublinear tf, idf squared, C tuned on validation) or a JSON file
             (default: default)
  --archive  20news-bydate.tar.gz (default: NEWSGROUPS_ARCHIVE, the workspace's shared data, the cache
             directory, else the canonical download with its sha256 checked)
  --out      output directory (default: ${DEFAULT_ARTIFACT_DIR})

exit codes: 0 trained and verified; 1 bad data, config or parity failure; 2 bad usage`;

/** Bars on a terminal; one line per phase elsewhere (CI logs stay readable). */
function terminalProgress(): Progress {
  if (!process.stderr.isTTY) {
    let name = '';
    let total = 0;
    let last = 0;
    return {
      phase: (n, t) => {
        name = n;
        total = t;
        last = performance.now();
      },
      // A line at most every 10 s, so long phases show they are alive without flooding the log.
      update(done, detail) {
        if (performance.now() - last < 10_000) return;
        last = performance.now();
        process.stderr.write(`${name}: ${done}/${total}${detail ? ` ${detail}` : ''}\n`);
      },
      done: (summary) => process.stderr.write(`${name}: ${summary}\n`),
    };
  }
  let bar: cliProgress.SingleBar | undefined;
  let name = '';
  return {
    phase(n, total) {
      name = n;
      bar = new cliProgress.SingleBar(
        { format: `${n.padEnd(16)} [{bar}] {value}/{total} {detail}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { detail: '' });
    },
    update: (done, detail) => bar?.update(done, { detail: detail ?? '' }),
    done(summary) {
      bar?.stop();
      process.stderr.write(`${name}: ${summary}\n`);
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`classifier-train: ${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  try {
    const config = await loadConfig(args.values.config ?? 'default');
    const outDir = args.values.out ?? DEFAULT_ARTIFACT_DIR;
    const result = await train({ config, archive: args.values.archive, outDir, progress: terminalProgress() });
    const m = result.metrics;
    process.stdout.write(
      `model ${result.manifest.name} ${result.manifest.version} (${config.name}): test accuracy ${(100 * m.accuracy).toFixed(2)}%, ` +
        `macro-F1 ${(100 * m.macroF1).toFixed(2)}%, ${result.manifest.featurizer?.vocabularySize} terms, ` +
        `fit ${result.fitSeconds.toFixed(1)} s, model.onnx ${(result.modelBytes / 1e6).toFixed(1)} MB\n` +
        `wrote ${outDir} (model.onnx, manifest.json, report.html)\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof TrainerError || (err as Error).name === 'ArtifactError') {
      process.stderr.write(`classifier-train: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      archive: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
}

/**
 * Whether `script` (process.argv[1]) is the module at `moduleUrl`, so that `tsx src/cli.ts` runs and
 * an import (bin/classifier-train.js, tests) does not. import.meta.url is percent-encoded and names
 * the real file, while argv[1] is a plain path that may pass through a symlink: comparing it with
 * `file://${argv[1]}` failed from a checkout path with a space or non-ASCII letters, and the CLI then
 * trained nothing and exited 0.
 */
export function isMainModule(moduleUrl: string, script: string | undefined): boolean {
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    // argv[1] names no file (node -e, a REPL): this module was imported.
    return false;
  }
}

/**
 * main() with its exit code set, and any error it did not expect printed as one line: both entry
 * points (`tsx src/cli.ts` and bin/classifier-train.js) run through this, so neither prints a stack.
 */
export async function run(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (err) {
    process.stderr.write(`classifier-train: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  }
}

if (isMainModule(import.meta.url, process.argv[1])) await run(process.argv.slice(2));
