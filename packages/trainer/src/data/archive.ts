import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetError } from '../errors.js';

/** Both archives known to hold the 18,846 bydate posts (see shared/data/README.md). */
export const KNOWN_ARCHIVE_DIGESTS: ReadonlyMap<string, string> = new Map([
  ['9f82a4a02c69b694ff61ffa2178454e660ca1a1c7df55fcec20202dc2e3135b2', 'the shared 20news-bydate.tar.gz'],
  ['8f1b2514ca22a5ade8fbb9cfa5727df95fa587f4c87b786e15c759fa66d95610', 'the canonical figshare archive'],
]);
export const CANONICAL_URL = 'https://ndownloader.figshare.com/files/5975967';
export const ARCHIVE_FILE = '20news-bydate.tar.gz';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Where the team's shared copy of the archive may be: `shared/data/` beside the checkout or beside any
 * of its parent folders (a clone in a temporary folder still finds the workplace copy), then the
 * workplace's fixed location. These machines have no internet, so this copy is the one tests and CI use.
 */
export function sharedArchiveCandidates(root = REPO_ROOT): string[] {
  const out: string[] = [];
  let dir = resolve(root);
  for (;;) {
    out.push(join(dirname(dir), 'shared', 'data', ARCHIVE_FILE));
    if (dirname(dir) === dir) break;
    dir = dirname(dir);
  }
  out.push(join('/work', 'shared', 'data', ARCHIVE_FILE));
  return [...new Set(out)];
}

export function cacheDir(): string {
  return process.env.CLASSIFIER_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'classifier');
}

export interface ArchiveSource {
  path: string;
  origin: 'flag' | 'env' | 'shared' | 'cache' | 'download';
}

/**
 * Finds the archive: `--archive`, then NEWSGROUPS_ARCHIVE, then the team's shared data, then the
 * cache directory, and only then the canonical download (checked against the known digests).
 */
export async function locateArchive(flag?: string, fetchImpl: typeof fetch = fetch): Promise<ArchiveSource> {
  // An empty --archive (an unset shell variable, `--archive "$ARCHIVE"`) is refused, not taken for
  // no flag: falling back to the shared archive would train on data the caller did not name.
  if (flag === '') throw new DatasetError(`--archive is empty; pass the path of ${ARCHIVE_FILE}`);
  if (flag !== undefined) return { path: mustExist(resolve(flag), '--archive'), origin: 'flag' };
  const env = process.env.NEWSGROUPS_ARCHIVE;
  if (env) return { path: mustExist(resolve(env), 'NEWSGROUPS_ARCHIVE'), origin: 'env' };
  const shared = sharedArchiveCandidates().find((p) => existsSync(p));
  if (shared) return { path: shared, origin: 'shared' };
  const cached = join(cacheDir(), ARCHIVE_FILE);
  if (existsSync(cached)) return { path: cached, origin: 'cache' };
  return { path: await download(cached, fetchImpl), origin: 'download' };
}

function mustExist(path: string, from: string): string {
  if (!existsSync(path)) {
    throw new DatasetError(`${from} points to ${path}, which does not exist; pass the path of ${ARCHIVE_FILE}`);
  }
  // A folder (the extracted archive, or the data folder itself) would otherwise fail later, reading it
  // for its digest, with a bare EISDIR.
  if (!statSync(path).isFile()) {
    throw new DatasetError(`${from} points to ${path}, which is not a file (a directory?); pass the path of ${ARCHIVE_FILE}`);
  }
  return path;
}

async function download(target: string, fetchImpl: typeof fetch): Promise<string> {
  let bytes: Uint8Array;
  try {
    const res = await fetchImpl(CANONICAL_URL, { redirect: 'follow' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (cause) {
    throw new DatasetError(
      `no ${ARCHIVE_FILE} found and the download from ${CANONICAL_URL} failed (${(cause as Error).message}); ` +
        `pass --archive PATH or set NEWSGROUPS_ARCHIVE`,
      { cause },
    );
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (!KNOWN_ARCHIVE_DIGESTS.has(digest)) {
    throw new DatasetError(`the downloaded archive has an unknown sha256 ${digest}; refusing to train on it`);
  }
  await mkdir(dirname(target), { recursive: true });
  await writeFile(`${target}.part`, bytes);
  await rename(`${target}.part`, target);
  return target;
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
