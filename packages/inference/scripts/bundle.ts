/**
 * Builds the Lambda deployment package (docs/contracts.md section 2):
 *   dist/lambda/            the unzipped layout (the local stage can serve it directly)
 *   dist/lambda.zip         the same files, zipped deterministically
 * Layout: index.mjs (+ chunks/ loaded on demand, e.g. the AWS SDK for s3:// URIs), with onnxruntime's
 * JavaScript bundled in, and node_modules/onnxruntime-node holding only its package.json and the
 * linux binaries of one architecture (the native addon and libonnxruntime).
 *
 * usage: tsx scripts/bundle.ts [--arch x64|arm64] [--out DIR]
 */
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';
import yazl from 'yazl';

export type LambdaArch = 'x64' | 'arm64';

export interface BundleOptions {
  arch?: LambdaArch;
  /** Output folder. @default packages/inference/dist */
  outDir?: string;
}

export interface BundleResult {
  zipPath: string;
  dir: string;
  zipBytes: number;
  files: string[];
}

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
/** Lambda's 50 MB limit for a zip uploaded directly (larger ones must come from S3; we stay under). */
export const MAX_ZIP_BYTES = 50 * 1024 * 1024;
/** DOS epoch in local time, so the zip's timestamps are the same in every time zone. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

const require = createRequire(import.meta.url);

/** A package's folder (found from its entry point: not every package exports ./package.json). */
function packageRoot(name: string): string {
  const marker = `${sep}node_modules${sep}${name}${sep}`;
  const entry = require.resolve(name);
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot locate the ${name} package folder from ${entry}`);
  return entry.slice(0, at + marker.length - 1);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out;
}

/** Copies the files of a package that `keep` accepts. */
async function copyRuntimeFiles(from: string, to: string, keep: (rel: string) => boolean): Promise<void> {
  for (const file of await listFiles(from)) {
    const rel = relative(from, file).split(sep).join('/');
    if (!keep(rel)) continue;
    await mkdir(dirname(join(to, rel)), { recursive: true });
    await copyFile(file, join(to, rel));
  }
}

/**
 * Each output file's banner: `require` for the CommonJS code bundled into ESM, and ORT_REQUIRE, a
 * require rooted at the bundle's node_modules/onnxruntime-node/, from index.mjs at the root and from
 * the files in chunks/ (CHUNKS) alike. Which file onnxruntime's code lands in is esbuild's choice.
 */
const CHUNKS = 'chunks';
const ORT_REQUIRE = '__ortRequire';
const BANNER = [
  "import { createRequire as __cr } from 'node:module';",
  'const require = __cr(import.meta.url);',
  `const ${ORT_REQUIRE} = __cr(new URL(/\\/${CHUNKS}\\/[^/]*$/.test(import.meta.url) ? '../node_modules/onnxruntime-node/' : './node_modules/onnxruntime-node/', import.meta.url));`,
].join(' ');

/** Where onnxruntime-node's binding.js loads its native addon from (relative to binding.js). */
const BINDING_REQUIRE = /require\(`\.\.\/bin\/napi-v6\/\$\{process\.platform\}\/\$\{process\.arch\}\/onnxruntime_binding\.node`\)/;

/**
 * Bundles onnxruntime-node's and onnxruntime-common's JavaScript into index.mjs; only the native addon
 * stays a file. Why: loaded from node_modules, their ~30 CommonJS files cost every cold start a
 * module resolution, a compile and an ESM export scan each: 7 ms of init (median of 20 alternating
 * fresh processes, 119.6 -> 112.1 ms).
 *
 * The addon's require (relative to binding.js, which is no longer a file) becomes a require relative
 * to the bundle's own node_modules/onnxruntime-node (ORT_REQUIRE in the banner): a fixed place, so an
 * addon missing from the bundle fails the cold start instead of being found in a parent folder or a
 * layer on NODE_PATH (another version, or another architecture's). esbuild leaves a computed require
 * alone. If a new onnxruntime-node loads its addon otherwise, the bundle fails here, not at a cold start.
 */
const onnxruntimeBinding: Plugin = {
  name: 'onnxruntime-binding',
  setup(b) {
    b.onLoad({ filter: /[\\/]onnxruntime-node[\\/]dist[\\/]binding\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!BINDING_REQUIRE.test(source)) throw new Error(`${args.path} no longer loads its addon as this bundle expects: see onnxruntimeBinding in scripts/bundle.ts`);
      const contents = source.replace(
        BINDING_REQUIRE,
        `${ORT_REQUIRE}(["./bin/napi-v6", process.platform, process.arch, "onnxruntime_binding.node"].join("/"))`,
      );
      return { contents, loader: 'js' };
    });
  },
};

export async function bundle(options: BundleOptions = {}): Promise<BundleResult> {
  const arch = options.arch ?? 'x64';
  const outDir = options.outDir ?? join(PACKAGE_DIR, 'dist');
  const dir = join(outDir, 'lambda');
  const zipPath = join(outDir, 'lambda.zip');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  await build({
    entryPoints: { index: join(PACKAGE_DIR, 'src', 'handler.ts') },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    chunkNames: `${CHUNKS}/[name]-[hash]`,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    plugins: [onnxruntimeBinding],
    minify: true,
    keepNames: true,
    legalComments: 'eof',
    // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
    banner: { js: BANNER },
    logLevel: 'warning',
  });

  // The native addon and libonnxruntime (linux, one architecture); package.json says their version.
  const binDir = `bin/napi-v6/linux/${arch}/`;
  await copyRuntimeFiles(packageRoot('onnxruntime-node'), join(dir, 'node_modules', 'onnxruntime-node'), (rel) => rel === 'package.json' || rel.startsWith(binDir));
  // Both or nothing works: the addon loads libonnxruntime from its own folder (RUNPATH $ORIGIN).
  for (const binary of ['onnxruntime_binding.node', 'libonnxruntime.so.1']) {
    const path = join(dir, 'node_modules', 'onnxruntime-node', binDir, binary);
    if (!(await stat(path).catch(() => undefined))?.isFile()) throw new Error(`onnxruntime-node has no ${binDir}${binary} to bundle`);
  }

  const files = (await listFiles(dir)).map((f) => relative(dir, f).split(sep).join('/')).sort();
  await writeZip(dir, files, zipPath);
  const zipBytes = (await stat(zipPath)).size;
  if (zipBytes > MAX_ZIP_BYTES) throw new Error(`${zipPath} is ${zipBytes} bytes, over Lambda's ${MAX_ZIP_BYTES}`);
  return { zipPath, dir, zipBytes, files };
}

/** Same files in, same bytes out: sorted entries, fixed timestamps and modes, DOS-only times. */
async function writeZip(dir: string, files: string[], zipPath: string): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const rel of files) {
    const data = await readFile(join(dir, rel));
    const executable = rel.endsWith('.node') || rel.includes('.so');
    zip.addBuffer(data, rel, { mtime: FIXED_MTIME, mode: executable ? 0o100755 : 0o100644, compress: true, forceDosTimestamp: true });
  }
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(zipPath);
    zip.outputStream.pipe(out).on('close', resolve).on('error', reject);
    zip.outputStream.on('error', reject);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { arch: { type: 'string', default: 'x64' }, out: { type: 'string' } } });
  if (values.arch !== 'x64' && values.arch !== 'arm64') throw new Error(`--arch must be x64 or arm64, got ${values.arch}`);
  const started = performance.now();
  const result = await bundle({ arch: values.arch, ...(values.out ? { outDir: values.out } : {}) });
  await writeFile(join(dirname(result.zipPath), 'lambda.files.txt'), `${result.files.join('\n')}\n`);
  console.log(
    `${relative(process.cwd(), result.zipPath)}: ${(result.zipBytes / 1024 / 1024).toFixed(1)} MB, ${result.files.length} files, linux-${values.arch}, ${Math.round(performance.now() - started)} ms`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
