/**
 * `npm run e2e [-- --outputs FILE] [vitest filters]`: vitest's CLI refuses options it does not know,
 * so `--outputs FILE` is taken off here and handed to the global setup as E2E_OUTPUTS.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const env = { ...process.env };
const rest: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i] as string;
  if (arg === '--outputs') env.E2E_OUTPUTS = args[++i] ?? '';
  else if (arg.startsWith('--outputs=')) env.E2E_OUTPUTS = arg.slice('--outputs='.length);
  else rest.push(arg);
}
if (env.E2E_OUTPUTS === '') {
  process.stderr.write('--outputs needs a file: npm run e2e -- --outputs out.json\n');
  process.exit(2);
}
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const child = spawn(process.execPath, [vitest, 'run', ...rest], { stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
