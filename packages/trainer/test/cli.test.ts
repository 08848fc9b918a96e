import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, realpath, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMainModule } from '../src/cli.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx/cli');
// What `npm run train` runs (tsx src/cli.ts), with --help: usage on stdout only if cli.ts knows it is
// the main module; otherwise it does nothing and exits 0.
const runHelp = (cwd: string, script: string) =>
  spawnSync(process.execPath, [tsx, script, '--help'], { cwd, encoding: 'utf8', timeout: 30_000 });

describe('isMainModule', () => {
  it('matches a script path with a space and non-ASCII letters, directly and through a symlink', async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'main module é ')));
    const file = join(dir, 'cli.ts');
    await writeFile(file, '');
    await symlink(dir, `${dir}-link`);
    const url = pathToFileURL(file).href;
    expect(url).toContain('%20');
    expect(isMainModule(url, file)).toBe(true);
    expect(isMainModule(url, join(`${dir}-link`, 'cli.ts'))).toBe(true);
    expect(isMainModule(url, join(dir, 'other.ts'))).toBe(false);
    expect(isMainModule(url, undefined)).toBe(false);
  });
});

describe('tsx src/cli.ts (npm run train)', () => {
  it('runs from a checkout whose path has a space and non-ASCII letters', async () => {
    // A copy of the package's sources under such a path; dependencies resolve through a node_modules link.
    const root = join(await mkdtemp(join(tmpdir(), 'trainer-')), 'my checkout é');
    await mkdir(root);
    for (const entry of ['src', 'configs', 'package.json']) await cp(join(packageDir, entry), join(root, entry), { recursive: true });
    await symlink(join(packageDir, '..', '..', 'node_modules'), join(root, 'node_modules'));
    const r = runHelp(root, 'src/cli.ts');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^classifier-train: train the newsgroups classifier/);
    expect(r.stdout).toMatch(/exit codes: 0 trained and verified/);
  });

  it('runs through a symlinked directory', async () => {
    const link = join(await mkdtemp(join(tmpdir(), 'trainer-')), 'linked trainer');
    await symlink(packageDir, link);
    const r = runHelp(packageDir, join(link, 'src', 'cli.ts'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/usage: classifier-train/);
  });
});
