import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { E2eError } from '../src/errors.js';
import { excludedGroups, isLoopback, outputsFlag, resolveTarget } from '../src/target.js';

// Target selection is the one piece of the suite that runs before any stage exists, so it is checked
// on its own: with explicit environments and real outputs files, no stage involved.
const KEY = 'k'.repeat(40);
const dir = mkdtempSync(join(tmpdir(), 'e2e-target-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function outputsFile(content: unknown): string {
  const file = join(dir, `out-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
function errorOf(fn: () => unknown): E2eError {
  try {
    fn();
  } catch (err) {
    if (err instanceof E2eError) return err;
    throw err;
  }
  throw new Error('expected an E2eError');
}

describe('resolveTarget', () => {
  it('starts a local stage when nothing names a stage', () => {
    expect(resolveTarget({}, [])).toEqual({ kind: 'local' });
  });

  it('uses STAGE_URL + API_KEY, without a trailing slash', () => {
    expect(resolveTarget({ STAGE_URL: 'https://abc.execute-api.us-east-1.amazonaws.com/test/', API_KEY: KEY }, [])).toEqual({
      kind: 'deployed',
      url: 'https://abc.execute-api.us-east-1.amazonaws.com/test',
      apiKey: KEY,
      from: 'env',
    });
  });

  it.each([
    [{ STAGE_URL: 'https://x.example/test' }, /API_KEY is not/],
    [{ API_KEY: KEY }, /STAGE_URL is not/],
    [{ STAGE_URL: 'ftp://x/test', API_KEY: KEY }, /http\(s\) URL/],
  ])('refuses a half-given target %#', (env, message) => {
    const err = errorOf(() => resolveTarget(env, []));
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain(KEY);
  });

  it('reads invoke_url and api_key_value from a cdktf outputs file (--outputs FILE or E2E_OUTPUTS)', () => {
    const file = outputsFile({ 'classifier-test': { invoke_url: 'https://abc.execute-api.us-east-1.amazonaws.com/test', api_key_value: KEY, model_version: 'v1' } });
    const expected = { kind: 'deployed', url: 'https://abc.execute-api.us-east-1.amazonaws.com/test', apiKey: KEY, from: 'outputs' };
    expect(resolveTarget({}, ['--outputs', file])).toEqual(expected);
    expect(resolveTarget({}, [`--outputs=${file}`])).toEqual(expected);
    expect(resolveTarget({ E2E_OUTPUTS: file }, [])).toEqual(expected);
  });

  it('finds outputs nested under construct ids and takes the key from API_KEY when cdktf left it out', () => {
    const file = outputsFile({ 'classifier-test': { api: { invoke_url: 'https://abc.example/test' } } });
    expect(resolveTarget({ E2E_OUTPUTS: file, API_KEY: KEY }, [])).toMatchObject({ url: 'https://abc.example/test', apiKey: KEY });
  });

  it('says how to get the key when the outputs file lacks it', () => {
    const file = outputsFile({ 'classifier-test': { invoke_url: 'https://abc.example/test' } });
    expect(errorOf(() => resolveTarget({ E2E_OUTPUTS: file }, [])).message).toMatch(/--outputs-file-include-sensitive-outputs/);
  });

  it('names the stacks an outputs file has when classifier-test is not among them', () => {
    const file = outputsFile({ 'classifier-prod': { invoke_url: 'https://p.example/prod' } });
    expect(errorOf(() => resolveTarget({ E2E_OUTPUTS: file }, [])).message).toMatch(/no outputs of stack classifier-test \(stacks in it: classifier-prod\)/);
  });

  it('refuses two targets at once and an unreadable outputs file', () => {
    const file = outputsFile({});
    expect(errorOf(() => resolveTarget({ STAGE_URL: 'https://a.example/test', API_KEY: KEY, E2E_OUTPUTS: file }, [])).message).toMatch(/choose one/);
    expect(errorOf(() => resolveTarget({}, ['--outputs', join(dir, 'missing.json')])).message).toMatch(/cannot read the outputs file/);
    expect(errorOf(() => resolveTarget({ E2E_OUTPUTS: outputsFile('{not json') }, [])).message).toMatch(/cannot read the outputs file/);
    expect(errorOf(() => outputsFlag(['--outputs'])).message).toMatch(/needs a file/);
  });
});

describe('excludedGroups and isLoopback', () => {
  it('accepts the documented groups and refuses others', () => {
    expect(excludedGroups({ E2E_EXCLUDE: 'gateway-limits, accuracy' })).toEqual(['gateway-limits', 'accuracy']);
    expect(excludedGroups({})).toEqual([]);
    expect(errorOf(() => excludedGroups({ E2E_EXCLUDE: 'auth' })).message).toMatch(/unknown group "auth"/);
  });

  it('tells loopback URLs from others', () => {
    expect(isLoopback('http://127.0.0.1:3000/test')).toBe(true);
    expect(isLoopback('http://localhost:3000/test')).toBe(true);
    expect(isLoopback('https://abc.execute-api.us-east-1.amazonaws.com/test')).toBe(false);
  });
});
