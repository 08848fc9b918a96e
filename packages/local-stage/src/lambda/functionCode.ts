import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
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
  if (existsSync(join(target, '.complete'))) {
    await markUsed(target);
    return target;
  }
  await mkdir(cacheDir, { recursive: true });
  await pruneCodeCache(cacheDir);
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

/** Packages kept however old, the most recently used first; older ones go once unused for an hour. */
export const CODE_CACHE_KEEP = 8;
const CODE_CACHE_IDLE_MS = 60 * 60 * 1000;

/** Records a use of an unpacked package (its `.complete` time), which `pruneCodeCache` ranks by. */
async function markUsed(dir: string): Promise<void> {
  const now = new Date();
  await utimes(join(dir, '.complete'), now, now).catch(() => undefined);
}

/**
 * Removes unpacked packages beyond the `CODE_CACHE_KEEP` most recently used that nobody used for an
 * hour, and staging folders an interrupted unpack left behind. Every new bundle (each build) is a new
 * 40-50 MB folder: without this the cache grew to hundreds of megabytes on a developer's machine. The
 * hour spares a package a stage started earlier may still spawn environments from.
 */
export async function pruneCodeCache(cacheDir: string, now = Date.now()): Promise<void> {
  const entries = await readdir(cacheDir).catch(() => [] as string[]);
  const used: { path: string; at: number }[] = [];
  for (const name of entries) {
    const path = join(cacheDir, name);
    if (name.startsWith('.')) {
      // A staging folder: an unpack in progress, or one an interrupted run left.
      const at = (await stat(path).catch(() => undefined))?.mtimeMs ?? now;
      if (now - at > CODE_CACHE_IDLE_MS) await rm(path, { recursive: true, force: true });
      continue;
    }
    const at = (await stat(join(path, '.complete')).catch(() => undefined))?.mtimeMs ?? now;
    used.push({ path, at });
  }
  used.sort((a, b) => b.at - a.at);
  for (const [rank, entry] of used.entries()) {
    if (rank >= CODE_CACHE_KEEP && now - entry.at > CODE_CACHE_IDLE_MS) await rm(entry.path, { recursive: true, force: true });
  }
}
