import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { DatasetError } from '../errors.js';
import { type ArchiveSource, KNOWN_ARCHIVE_DIGESTS, fileSha256, locateArchive } from './archive.js';

export interface Split {
  texts: string[];
  /** Index into `labels`. */
  targets: Int32Array;
}

export interface Newsgroups {
  labels: string[];
  train: Split;
  test: Split;
  archive: ArchiveSource & { sha256: string };
}

const gunzipAsync = promisify(gunzip);
const SPLITS = { train: '20news-bydate-train', test: '20news-bydate-test' } as const;

/**
 * Loads the bydate split as scikit-learn's `fetch_20newsgroups` does: Latin-1 text, labels are the
 * sorted newsgroup folder names, posts in sorted file order per class. (scikit-learn then shuffles the
 * training list; a deterministic full-batch optimiser does not depend on order, so this does not.)
 */
export async function loadNewsgroups(options: { archive?: string; onProgress?: (files: number) => void } = {}): Promise<Newsgroups> {
  const source = await locateArchive(options.archive);
  const sha256 = await fileSha256(source.path).catch((cause: unknown) => {
    throw new DatasetError(`cannot read ${source.path}: ${(cause as Error).message}`, { cause });
  });
  const files = await readPosts(source.path, options.onProgress);

  const byGroup = { train: new Map<string, Array<[string, string]>>(), test: new Map<string, Array<[string, string]>>() };
  for (const [path, text] of files) {
    const parts = path.replace(/^\.\//, '').split('/');
    if (parts.length !== 3 || !parts[2]) continue;
    const [top, group, name] = parts as [string, string, string];
    const split = top === SPLITS.train ? 'train' : top === SPLITS.test ? 'test' : undefined;
    if (!split) continue;
    const list = byGroup[split].get(group) ?? [];
    list.push([name, text]);
    byGroup[split].set(group, list);
  }
  const labels = [...byGroup.train.keys()].sort();
  if (labels.length < 2) {
    throw new DatasetError(`${source.path} has no ${SPLITS.train}/<group>/<post> files; is it the 20 Newsgroups bydate archive?`);
  }
  const testGroups = [...byGroup.test.keys()].sort();
  if (testGroups.join('\n') !== labels.join('\n')) {
    throw new DatasetError(`${source.path}: the train and test splits name different newsgroups`);
  }
  const toSplit = (groups: Map<string, Array<[string, string]>>): Split => {
    const texts: string[] = [];
    const targets: number[] = [];
    labels.forEach((label, k) => {
      const posts = (groups.get(label) ?? []).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (posts.length === 0) throw new DatasetError(`${source.path}: newsgroup ${label} has no posts`);
      for (const [, text] of posts) {
        texts.push(text);
        targets.push(k);
      }
    });
    return { texts, targets: Int32Array.from(targets) };
  };
  const result = { labels, train: toSplit(byGroup.train), test: toSplit(byGroup.test), archive: { ...source, sha256 } };
  if (!KNOWN_ARCHIVE_DIGESTS.has(sha256)) {
    process.emitWarning(`${source.path} is not one of the known 20 Newsgroups archives (sha256 ${sha256.slice(0, 12)}...)`);
  }
  return result;
}

async function readPosts(path: string, onProgress?: (files: number) => void): Promise<Array<[string, string]>> {
  const files: Array<[string, string]> = [];
  const tar = extract();
  tar.on('entry', (header, stream, next) => {
    if (header.type !== 'file') {
      stream.resume();
      stream.on('end', next);
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      // The posts are Latin-1 (scikit-learn decodes them so); bytes above 0x7f map 1:1 to U+0080..U+00FF.
      files.push([header.name, Buffer.concat(chunks).toString('latin1')]);
      if (files.length % 1000 === 0) onProgress?.(files.length);
      next();
    });
  });
  // The archive is read whole and decompressed in one call (about 14 MB in, 50 MB out): zlib then
  // reports a truncated or corrupt file as one rejected promise, where a streamed pipeline into the
  // tar extractor (a streamx stream) re-emitted the error as an uncaught exception.
  let tarBytes: Buffer;
  try {
    tarBytes = await gunzipAsync(await readFile(path));
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'it ends early (truncated?)' : (cause as Error).message;
    throw new DatasetError(`cannot read ${path} as a .tar.gz archive: ${reason}`, { cause });
  }
  await new Promise<void>((resolve, reject) => {
    tar.on('finish', resolve);
    tar.on('error', (cause: Error) => reject(new DatasetError(`cannot read ${path} as a tar archive: ${cause.message}`, { cause })));
    tar.end(tarBytes);
  });
  onProgress?.(files.length);
  if (files.length === 0) throw new DatasetError(`${path} holds no files`);
  return files;
}
