import { spawnSync } from 'node:child_process';

/**
 * A python3 that has scikit-learn (Debian's python3-sklearn lives under /usr/bin/python3, which a
 * pyenv shim earlier on PATH can hide), or undefined when none does.
 */
export function pythonWithSklearn(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(candidate, ['-c', 'import sklearn'], { stdio: 'ignore' });
    if (r.status === 0) return candidate;
  }
  return undefined;
}
