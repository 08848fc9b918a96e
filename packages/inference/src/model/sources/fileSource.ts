import { readFile } from 'node:fs/promises';
import { ModelLoadError } from '../../errors.js';

/** Reads a local artifact file; the message names the path and the system error code. */
export async function readFileSource(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new ModelLoadError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code}`, { cause });
  }
}
