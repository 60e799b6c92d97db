// Builds the browser bundles into dist/: ESM (onramp.mjs) and IIFE (onramp.iife.js, global
// `Onramp`), minified, and prints their sizes. Run: node --import tsx scripts/build-bundle.ts
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface BundleSize {
  file: string;
  bytes: number;
  gzipBytes: number;
}

export async function buildBundle(outdir = join(root, 'dist')): Promise<BundleSize[]> {
  const common: BuildOptions = {
    entryPoints: [join(root, 'src/index.ts')],
    bundle: true,
    minify: true,
    target: 'es2020',
    platform: 'browser',
    legalComments: 'none',
    logLevel: 'silent',
  };
  const esm = join(outdir, 'onramp.mjs');
  const iife = join(outdir, 'onramp.iife.js');
  await build({ ...common, format: 'esm', outfile: esm });
  await build({ ...common, format: 'iife', globalName: 'Onramp', outfile: iife });
  const files = [esm, iife];
  return files.map((file) => {
    const bytes = readFileSync(file);
    return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { file, bytes, gzipBytes } of await buildBundle()) {
    console.log(`${file}: ${bytes} bytes, ${gzipBytes} bytes gzipped`);
  }
}
