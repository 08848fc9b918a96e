import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { LocalStageError } from '../errors.js';
import type { FunctionCode } from '../stack/model.js';

/** Where unzipped function packages are kept between runs, one folder per zip sha256. */
export const defaultCodeCacheDir = () => join(tmpdir(), 'classifier-local-stage', 'code');

/**
 * The function's code as a directory (Lambda's /var/task). A zip is unpacked once into a cache
 * folder named by its sha256, so a restart with the same package starts at once and a new package
 * never mixes with an old one.
 */
export async function functionCodeDir(code: FunctionCode, cacheDir = defaultCodeCacheDir()): Promise<string> {
  if (code.kind === 'dir') return code.path;
  const bytes = await readFile(code.path);
  const digest = createHash('sha256').update(bytes).digest('hex');
  const target = join(cacheDir, digest);
  if (existsSync(join(target, '.complete'))) return target;
  await mkdir(cacheDir, { recursive: true });
  const staging = await mkdtemp(join(cacheDir, `.${digest.slice(0, 12)}-`));
  try {
    let files: Record<string, Uint8Array>;
    try {
      files = unzipSync(bytes);
    } catch (cause) {
      throw new LocalStageError(`function package ${code.path} (from ${code.from}) is not a readable zip`, { cause });
    }
    for (const [name, data] of Object.entries(files)) {
      const rel = normalize(name);
      if (rel.startsWith('..') || rel.startsWith(sep)) throw new LocalStageError(`zip entry ${name} escapes the package`);
      if (name.endsWith('/')) {
        await mkdir(join(staging, rel), { recursive: true });
        continue;
      }
      await mkdir(dirname(join(staging, rel)), { recursive: true });
      await writeFile(join(staging, rel), data);
    }
    await writeFile(join(staging, '.complete'), digest);
    try {
      await rename(staging, target);
    } catch {
      if (existsSync(join(target, '.complete'))) {
        // Another stage unpacked the same package first: use theirs.
        await rm(staging, { recursive: true, force: true });
      } else {
        // A half-written folder from an interrupted run: replace it.
        await rm(target, { recursive: true, force: true });
        await rename(staging, target);
      }
    }
    return target;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
