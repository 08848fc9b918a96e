/**
 * What a consumer installs: the packed tarball. These checks need dist/ built; the package's `test`
 * script builds first.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { beforeAll, describe, expect, it } from 'vitest';
import * as source from '../src/index.js';

const run = promisify(execFile);
const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const distDir = join(pkgDir, 'dist');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>;
// npm, publint and attw each pack the package; on a busy 2-core machine that takes seconds.
const SLOW = 60_000;

beforeAll(() => {
  if (!existsSync(join(distDir, 'index.js'))) {
    throw new Error('dist/ is missing: run `npm test -w @org/classifier-client` (it builds first)');
  }
});

describe('Package: contents', () => {
  it(
    'packs only dist/, README.md, LICENSE and package.json',
    async () => {
      const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkgDir });
      const [packed] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
      const paths = (packed?.files ?? []).map((f) => f.path).sort();

      expect(paths).toContain('dist/index.js');
      expect(paths).toContain('dist/index.d.ts');
      expect(paths).toContain('README.md');
      expect(paths).toContain('LICENSE');
      expect(paths).toContain('package.json');
      expect(paths.filter((p) => !p.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json'].includes(p))).toEqual([]);
      // No source maps pointing at sources the tarball does not have, no tests.
      expect(paths.filter((p) => p.endsWith('.map') || p.includes('test'))).toEqual([]);
    },
    SLOW,
  );

  it('builds dist/ before packing, so a publish from a fresh clone ships it', () => {
    const scripts = pkg.scripts as Record<string, string>;

    expect(scripts.prepack).toBe('npm run build');
    expect(scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
  });

  it('can be required as well as imported (Node versions with require(esm)), types first', () => {
    const exportsField = pkg.exports as Record<string, Record<string, string>>;
    const require = createRequire(import.meta.url);

    // The workspace links @org/classifier-client to this package, so this resolves through "exports".
    const required = require('@org/classifier-client') as typeof source;

    expect(Object.keys(exportsField['.'] ?? {})).toEqual(['types', 'default']);
    expect(typeof required.ClassifierClient).toBe('function');
  });

  it('has no runtime dependencies', () => {
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.peerDependencies).toBeUndefined();
    expect(pkg.optionalDependencies).toBeUndefined();
  });

  it('ships code that needs no Node built-ins, so it runs in browsers too', () => {
    for (const file of readdirSync(distDir).filter((f) => f.endsWith('.js'))) {
      // Comments may name Node things (the TSDoc examples use process.env); code may not.
      const code = readFileSync(join(distDir, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|[^:'"])\/\/.*$/gm, '$1');
      expect({ file, nodeImport: /from ['"]node:|import\(['"]node:|require\(/.test(code) }).toEqual({ file, nodeImport: false });
      expect({ file, nodeGlobal: /\b(process|Buffer|__dirname)\b/.test(code) }).toEqual({ file, nodeGlobal: false });
    }
  });

  it('exports from dist exactly what src/index.ts exports', async () => {
    const built = (await import(join(distDir, 'index.js'))) as Record<string, unknown>;

    expect(Object.keys(built).sort()).toEqual(Object.keys(source).sort());
    const { ClassifierClient } = built as typeof source;
    expect(new ClassifierClient({ baseUrl: 'http://127.0.0.1:1/test', apiKey: 'k' }).baseUrl).toBe('http://127.0.0.1:1/test');
  });
});

describe('Package: linters', () => {
  it(
    'passes publint with no errors, warnings or suggestions',
    async () => {
      const { messages, pkg: packed } = await publint({ pkgDir, level: 'suggestion', pack: 'npm', strict: true });

      expect(messages.map((m) => formatMessage(m, packed) ?? m.code)).toEqual([]);
    },
    SLOW,
  );

  it(
    'passes are-the-types-wrong (esm-only profile): types resolve for node16 ESM and bundlers',
    async () => {
      const require = createRequire(import.meta.url);
      const attw = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist', 'index.js');
      // Packed here without scripts: `attw --pack` runs `npm pack`, whose prepack would rebuild dist/
      // under the other tests (and the e2e suite) reading it.
      const packDir = mkdtempSync(join(tmpdir(), 'classifier-client-pack-'));

      try {
        const { stdout: packed } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], { cwd: pkgDir });
        const [{ filename } = { filename: '' }] = JSON.parse(packed) as Array<{ filename: string }>;
        // attw exits non-zero on any problem the profile does not ignore; execFile rejects then.
        const { stdout } = await run(process.execPath, [attw, join(packDir, filename), '--profile', 'esm-only', '--format', 'json'], {
          cwd: pkgDir,
          maxBuffer: 64 * 1024 * 1024,
        });
        assessAttw(stdout);
      } finally {
        rmSync(packDir, { recursive: true, force: true });
      }
    },
    SLOW,
  );
});

/** What attw's JSON report must say. */
function assessAttw(stdout: string): void {
  const { analysis } = JSON.parse(stdout) as {
    analysis: {
      types: { kind: string } | false;
      problems: Array<{ kind: string; resolutionKind?: string }>;
      entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }>;
    };
  };

  // Exit code 0 also means "no types at all"; make sure they are there and are ours.
  expect(analysis.types).toEqual({ kind: 'included' });
  const resolutions = analysis.entrypoints['.']?.resolutions ?? {};
  for (const kind of ['node16-esm', 'bundler']) {
    expect(resolutions[kind]?.resolution?.fileName).toMatch(/\/dist\/index\.d\.ts$/);
  }
  // esm-only ignores CommonJS resolutions (node10, node16-cjs): the package ships ESM only; CommonJS
  // callers reach it through require(esm), which TypeScript's node16-cjs mode does not model.
  expect(analysis.problems.filter((p) => p.resolutionKind !== 'node10' && p.resolutionKind !== 'node16-cjs')).toEqual([]);
}
