import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { ModelLoadError } from '../../errors.js';

/** Bytes asked of each read past the size a file reported (one that grew, or reports no size). */
const MORE = 64 * 1024;

/**
 * Reads a local artifact file; the message names the path and the system error code.
 *
 * Hand-written instead of `readFile` because init reads the model while the main thread is busy
 * loading onnxruntime (handler.ts): `readFile` reads in 512 KB steps, each waiting for the main
 * thread to ask for the next, so it made no progress meanwhile. One read of the file's whole size
 * runs in the thread pool by itself; then it reads on to the end, as `readFile` does, in case the
 * size was wrong.
 *
 * Only regular files: the open does not block (a FIFO would wait for a writer past Lambda's init
 * timeout, with no log line), and anything else is refused by name.
 */
export async function readFileSource(path: string): Promise<Uint8Array> {
  try {
    const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stat = await file.stat();
      if (!stat.isFile()) throw new ModelLoadError(`cannot read ${path}: not a regular file`);
      const bytes = Buffer.allocUnsafe(stat.size);
      let filled = 0;
      while (filled < bytes.length) {
        const { bytesRead } = await file.read(bytes, filled, bytes.length - filled, filled);
        // Shorter than it said (it shrank meanwhile): what there is; the sha256 check judges it.
        if (bytesRead === 0) return bytes.subarray(0, filled);
        filled += bytesRead;
      }
      // The size it reported is read: one more read says whether it goes on (it grew, or it reports
      // no size, as /proc files do).
      const more: Buffer[] = [];
      for (;;) {
        const chunk = Buffer.allocUnsafe(MORE);
        const { bytesRead } = await file.read(chunk, 0, MORE, filled);
        if (bytesRead === 0) break;
        more.push(chunk.subarray(0, bytesRead));
        filled += bytesRead;
      }
      return more.length === 0 ? bytes : Buffer.concat([bytes, ...more]);
    } finally {
      await file.close();
    }
  } catch (cause) {
    if (cause instanceof ModelLoadError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new ModelLoadError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code}`, { cause });
  }
}
