import { open } from 'node:fs/promises';
import { ModelLoadError } from '../../errors.js';

/**
 * Reads a local artifact file; the message names the path and the system error code.
 *
 * Hand-written instead of `readFile` because init reads the model while the main thread is busy
 * loading onnxruntime (handler.ts): `readFile` reads in 512 KB steps, each waiting for the main
 * thread to ask for the next, so it made no progress meanwhile. One read of the file's whole size
 * runs in the thread pool by itself.
 */
export async function readFileSource(path: string): Promise<Uint8Array> {
  try {
    const file = await open(path, 'r');
    try {
      const size = (await file.stat()).size;
      const bytes = Buffer.allocUnsafe(size);
      let filled = 0;
      // A read may return fewer bytes than asked (and 0 at the end, if the file shrank meanwhile).
      while (filled < size) {
        const { bytesRead } = await file.read(bytes, filled, size - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === size ? bytes : bytes.subarray(0, filled);
    } finally {
      await file.close();
    }
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new ModelLoadError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code}`, { cause });
  }
}
