#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so the workspace needs no separate build step for it.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli.ts');
// run() sets the exit code and prints an unexpected error as one line, as `tsx src/cli.ts` does.
await run(process.argv.slice(2));
