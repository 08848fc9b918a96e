import { constants } from 'node:fs';
import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { TrainerError } from './errors.js';

/**
 * Checks, before any data is loaded, that `dir` is a folder the artifact can be written to, or can be
 * created in one: without it, `--out <a file>/sub` trained for minutes and only then failed. Nothing is
 * created here (a training that fails writes nothing); the nearest existing folder must be writable.
 */
export async function checkOutputDir(dir: string): Promise<void> {
  if (dir === '') throw new TrainerError('--out is empty; pass the folder to write model.onnx and manifest.json to');
  let path = resolve(dir);
  for (;;) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      // ENOTDIR: a file on the way (`file/sub`); the walk up reaches it and names it below.
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(path) !== path) {
        path = dirname(path);
        continue;
      }
      throw new TrainerError(`cannot write the artifact to ${dir}: ${(cause as Error).message}`, { cause });
    }
    if (!info.isDirectory()) throw new TrainerError(`cannot write the artifact to ${dir}: ${path} is not a directory`);
    try {
      await access(path, constants.W_OK | constants.X_OK);
    } catch (cause) {
      throw new TrainerError(`cannot write the artifact to ${dir}: ${path} is not writable`, { cause });
    }
    return;
  }
}

/** One file of the artifact: its final name in the output folder and its bytes. */
export type ArtifactFile = readonly [name: string, content: string | Uint8Array];

/**
 * Writes the artifact's files as one unit, as far as a folder allows: every file goes to a temporary
 * name (`<name>.tmp`) and is fsynced before any is renamed into place, so a failure while writing
 * (a full disk, a path that cannot be written) leaves the previous model.onnx and manifest.json as
 * they were, and the temporary files written are removed. Renaming one file at a time as it was
 * written (model first) replaced the model and then, on a failure writing the manifest, left the new
 * model beside the old manifest: a pair the loader refuses, and no working pair left.
 * The renames come last, model first; a rename within one folder does not fail for want of space.
 */
export async function writeArtifact(dir: string, files: readonly ArtifactFile[]): Promise<void> {
  const temporary = (name: string) => join(dir, `${name}.tmp`);
  const pending: string[] = [];
  let renamed = 0;
  try {
    await mkdir(dir, { recursive: true });
    for (const [name, content] of files) {
      const handle = await open(temporary(name), 'w');
      pending.push(temporary(name));
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (const [name] of files) {
      await rename(temporary(name), join(dir, name));
      pending.shift();
      renamed++;
    }
  } catch (cause) {
    // Only the files this call created: a directory or file squatting on a temporary name is not ours.
    await Promise.all(pending.map((path) => rm(path, { force: true })));
    const left = renamed === 0 ? 'the previous artifact, if any, is unchanged' : `only ${files.slice(0, renamed).map(([n]) => n).join(', ')} replaced`;
    throw new TrainerError(`cannot write the artifact to ${dir}: ${(cause as Error).message}; ${left}`, { cause });
  }
  await syncDirectory(dir);
}

/** Makes the renames durable; best effort (some platforms cannot open a directory to fsync it). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The files themselves were fsynced; only the rename's durability across a power loss is at stake.
  }
}
