/**
 * Vitest global setup: the packaging tests read dist/, so build it when it is missing or older than
 * its sources. Under turbo, `test` depends on this package's `build` (turbo.json), dist is fresh and
 * nothing is rebuilt here, so a concurrent reader of dist (the e2e suite) never sees it half-written.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const pkgDir = fileURLToPath(new URL('../..', import.meta.url));

function mtimes(dir: string): number[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs);
}

export function distIsStale(): boolean {
  const dist = join(pkgDir, 'dist');
  if (!existsSync(join(dist, 'index.js'))) return true;
  const inputs = [
    ...mtimes(join(pkgDir, 'src')),
    statSync(join(pkgDir, 'tsconfig.build.json')).mtimeMs,
    statSync(join(pkgDir, '..', '..', 'tsconfig.base.json')).mtimeMs,
  ];
  return Math.max(...inputs) > Math.min(...mtimes(dist));
}

export default async function setup(): Promise<void> {
  if (!distIsStale()) return;
  await promisify(execFile)('npm', ['run', 'build'], { cwd: pkgDir });
}
