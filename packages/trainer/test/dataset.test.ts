import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
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
