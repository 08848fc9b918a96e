import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

/** Writes a .tar.gz with the given files (path -> bytes) and returns its path. */
export async function makeArchive(files: Record<string, string | Uint8Array>, name = 'news.tar.gz'): Promise<string> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => p.on('end', () => resolve()));
  for (const [path, content] of Object.entries(files)) {
    p.entry({ name: path }, typeof content === 'string' ? content : Buffer.from(content));
  }
  p.finalize();
  await done;
  const dir = await mkdtemp(join(tmpdir(), 'trainer-'));
  const file = join(dir, name);
  await writeFile(file, gzipSync(Buffer.concat(chunks)));
  return file;
}

/** A tiny bydate-shaped corpus: two groups, a few posts each, in both splits. */
export function tinyCorpus(): Record<string, string> {
  const files: Record<string, string> = {};
  const posts = {
    'rec.autos': ['the engine and the wheels of my car', 'car engine oil and brakes', 'my car needs new tires and brakes'],
    'sci.space': ['the orbit of the moon and the shuttle', 'shuttle launch into orbit', 'nasa plans a moon mission'],
  };
  for (const split of ['20news-bydate-train', '20news-bydate-test']) {
    for (const [group, texts] of Object.entries(posts)) {
      texts.forEach((t, i) => {
        files[`${split}/${group}/${1000 + i}`] = `From: someone\nSubject: ${group}\n\n${t}\n`;
      });
    }
  }
  return files;
}
