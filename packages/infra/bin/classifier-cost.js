#!/usr/bin/env node
// Thin launcher: the workspace runs TypeScript sources through tsx (no build step for private packages).
import { register } from 'tsx/esm/api';

register();
const { runCostCli } = await import('../src/costCli.ts');
process.exitCode = runCostCli(process.argv.slice(2));
