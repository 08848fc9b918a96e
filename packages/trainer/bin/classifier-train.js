#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so the workspace needs no separate build step for it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
