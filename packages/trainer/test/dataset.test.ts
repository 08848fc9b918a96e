import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DatasetError, loadNewsgroups } from '../src/index.js';
import { makeArchive, tinyCorpus } from './helpers/fixtures.js';

describe('loadNewsgroups on small archives made by the test', () => {
  it('reads groups as sorted labels and posts in sorted order', async () => {
    const data = await loadNewsgroups({ archive: await makeArchive(tinyCorpus()) });
    expect(data.labels).toEqual(['rec.autos', 'sci.space']);
    expect(data.train.texts).toHaveLength(6);
    expect(Array.from(data.train.targets)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(data.archive.origin).toBe('flag');
  });

  it('decodes every byte as Latin-1, including bytes that are not valid UTF-8', async () => {
    const files: Record<string, string | Uint8Array> = tinyCorpus();
    files['20news-bydate-train/rec.autos/2000'] = Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff, 0xc3, 0x28]);
    const data = await loadNewsgroups({ archive: await makeArchive(files) });
    expect(data.train.texts).toContain('caf\u00e9 \u00ff\u00c3(');
  });

  it('fails clearly on a missing archive', async () => {
    await expect(loadNewsgroups({ archive: '/nonexistent/news.tar.gz' })).rejects.toThrow(
      /--archive points to \/nonexistent\/news.tar.gz, which does not exist/,
    );
  });

  it('fails clearly on an archive path that is a directory (no bare EISDIR)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'archive-dir-'));
    const run = loadNewsgroups({ archive: dir });
    await expect(run).rejects.toThrow(DatasetError);
    await expect(run).rejects.toThrow(/--archive points to .*archive-dir-.*, which is not a file/);
  });

  it('refuses an empty --archive instead of falling back to the shared archive', async () => {
    const run = loadNewsgroups({ archive: '' });
    await expect(run).rejects.toThrow(DatasetError);
    await expect(run).rejects.toThrow(/--archive is empty/);
  });

  it('fails clearly on a truncated archive', async () => {
    const path = await makeArchive(tinyCorpus());
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(loadNewsgroups({ archive: path })).rejects.toThrow(DatasetError);
  });

  it('fails clearly on an empty file', async () => {
    const path = await makeArchive({});
    await writeFile(path, '');
    await expect(loadNewsgroups({ archive: path })).rejects.toThrow(/cannot read .* as a \.tar\.gz archive|holds no files/);
  });

  it('fails clearly on an archive of the wrong shape', async () => {
    const path = await makeArchive({ 'readme.txt': 'hello' });
    await expect(loadNewsgroups({ archive: path })).rejects.toThrow(/is it the 20 Newsgroups bydate archive/);
  });

  it('names a newsgroup that has no posts in a split', async () => {
    const files = tinyCorpus();
    for (const key of Object.keys(files)) if (key.startsWith('20news-bydate-test/sci.space/')) delete files[key];
    files['20news-bydate-test/sci.space/'] = '';
    const path = await makeArchive(Object.fromEntries(Object.entries(files).filter(([k]) => !k.endsWith('/'))));
    await expect(loadNewsgroups({ archive: path })).rejects.toThrow(/different newsgroups|sci\.space has no posts/);
  });
});

describe('classifier-train CLI', () => {
  const cli = fileURLToPath(new URL('../bin/classifier-train.js', import.meta.url));

  it('prints one actionable line and exits 1 for a bad archive, without a stack trace', async () => {
    const path = await makeArchive({ 'readme.txt': 'hello' });
    const r = spawnSync(process.execPath, [cli, '--config', 'seed', '--archive', path, '--out', '/tmp/never'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('classifier-train:'))).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  /** Runs the bin; `stderr` lines that are the CLI's own (not node's warnings about the tiny archive). */
  const runCli = (args: string[], nodeArgs: string[] = []) => {
    const started = performance.now();
    const r = spawnSync(process.execPath, [...nodeArgs, cli, ...args], { encoding: 'utf8', timeout: 60_000 });
    return { ...r, seconds: (performance.now() - started) / 1000, own: r.stderr.split('\n').filter((l) => l.startsWith('classifier-train:')) };
  };
  const tinyConfig = async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'cli-')), 'tiny.json');
    await writeFile(path, JSON.stringify({ name: 'tiny', featurizer: {}, model: { C: [10], maxIter: 30 } }));
    return path;
  };

  it('prints an error that is not a TrainerError as one line, without a stack trace, and exits 1', async () => {
    // A preloaded module breaks Date#toISOString, which train() calls for the manifest's createdAt:
    // an error none of the trainer's own checks expects, after a real (tiny) training.
    const breakClock = 'data:text/javascript,Date.prototype.toISOString=()=>{throw new Error("clock broken")}';
    const out = join(await mkdtemp(join(tmpdir(), 'cli-')), 'out');
    const r = runCli(['--config', await tinyConfig(), '--archive', await makeArchive(tinyCorpus()), '--out', out], ['--import', breakClock]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.own).toEqual(['classifier-train: unexpected error: clock broken']);
    expect(r.stderr).not.toContain('    at ');
  });

  it('refuses an --archive that is a directory with one line, exit 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'archive-dir-'));
    const r = runCli(['--config', await tinyConfig(), '--archive', dir, '--out', join(dir, 'out')]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.own).toHaveLength(1);
    expect(r.own[0]).toMatch(/--archive points to .*, which is not a file/);
    expect(r.stderr).not.toContain('    at ');
  });

  it('refuses an --out it cannot create before loading any data, with one line, exit 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-'));
    await writeFile(join(dir, 'file'), '');
    const r = runCli(['--config', await tinyConfig(), '--archive', await makeArchive(tinyCorpus()), '--out', join(dir, 'file', 'sub')]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.own).toHaveLength(1);
    expect(r.own[0]).toMatch(/cannot write the artifact to .*file\/sub: .*file is not a directory/);
    expect(r.stderr).not.toContain('    at ');
    // Nothing was loaded or trained: no progress line, and well within the time of a real training.
    expect(r.stderr).not.toMatch(/^(load|featurize|train)/m);
    expect(r.seconds).toBeLessThan(15);
  });

  it('refuses an empty --archive and an empty --out with one line, exit 1', async () => {
    const config = await tinyConfig();
    // An out folder of the test's own: were the empty --archive taken for none, this would train.
    const archive = runCli(['--config', config, '--archive', '', '--out', join(await mkdtemp(join(tmpdir(), 'cli-')), 'out')]);
    expect(archive.status, archive.stderr).toBe(1);
    expect(archive.own).toEqual([expect.stringMatching(/--archive is empty/)]);
    const out = runCli(['--config', config, '--archive', await makeArchive(tinyCorpus()), '--out', '']);
    expect(out.status, out.stderr).toBe(1);
    expect(out.own).toEqual([expect.stringMatching(/--out is empty/)]);
    expect(out.stderr).not.toMatch(/^load/m);
  });

  it('exits 2 with usage on an unknown flag and 0 for --help', () => {
    expect(spawnSync(process.execPath, [cli, '--bogus'], { encoding: 'utf8' }).status).toBe(2);
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--config/);
  });

  it('names the invalid field of a config file', async () => {
    const path = `${await makeArchive(tinyCorpus())}.json`;
    await writeFile(path, JSON.stringify({ name: 'x', featurizer: {}, model: { C: [-1] } }));
    const r = spawnSync(process.execPath, [cli, '--config', path], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/model\.C\.0/);
  });
});

describe('sharedArchiveCandidates', () => {
  it('looks beside the checkout and beside each parent folder, then at the workplace copy', async () => {
    const { sharedArchiveCandidates } = await import('../src/index.js');
    expect(sharedArchiveCandidates('/tmp/clone-x')).toEqual([
      '/tmp/shared/data/20news-bydate.tar.gz',
      '/shared/data/20news-bydate.tar.gz',
      '/work/shared/data/20news-bydate.tar.gz',
    ]);
  });
});
