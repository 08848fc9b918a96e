import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeStackFixture } from './helpers/stackFixture.js';

const BIN = fileURLToPath(new URL('../bin/classifier-local-stage.js', import.meta.url));

describe('classifier-local-stage CLI', () => {
  it('prints STAGE_URL and API_KEY when ready, serves, and shuts down on SIGTERM', async () => {
    const f = writeStackFixture({ handlerSource: 'export const handler = async () => ({ statusCode: 200, body: "[\\"ok\\"]" });' });
    const child = spawn(process.execPath, [BIN, '--stack', f.stackName, '--synth-dir', f.synthDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const ready = await new Promise<{ url: string; key: string }>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
        const url = /^STAGE_URL=(.+)$/m.exec(stdout)?.[1];
        const key = /^API_KEY=(.+)$/m.exec(stdout)?.[1];
        if (url && key) resolve({ url, key });
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/test$/);
    const res = await fetch(`${ready.url}/predict`, { method: 'POST', body: '[]', headers: { 'x-api-key': ready.key } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(['ok']);
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr).toContain('POST   /predict  (x-api-key)');
    expect(stderr).toContain('REPORT RequestId:');
    expect(stderr).not.toContain(ready.key); // the key is printed once, on stdout
    expect(stdout.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('exits 1 with a message when the stack is missing', async () => {
    const child = spawn(process.execPath, [BIN, '--stack', 'classifier-none', '--synth-dir', '/nonexistent'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('npm run synth');
  });

  it.each(['abc', '0', '1.5'])('exits 2 naming --environments when it is %s', async (value) => {
    const child = spawn(process.execPath, [BIN, '--stack', 'classifier-test', '--environments', value], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toBe('--environments must be a positive integer\n');
  });
});
