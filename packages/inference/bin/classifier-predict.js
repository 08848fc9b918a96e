#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (a workspace dev tool), like the rest of the workspace's bins.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/predict.ts');
try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`classifier-predict: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
