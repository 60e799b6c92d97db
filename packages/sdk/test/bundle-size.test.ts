import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildBundle } from '../scripts/build-bundle.js';

/** The size budget of the minified browser bundle, gzipped. */
const budgetBytes = 12 * 1024;

describe('browser bundle', () => {
  it(`builds ESM and IIFE bundles under ${budgetBytes} bytes gzipped, with no imports left`, async () => {
    const sizes = await buildBundle();
    for (const { file, bytes, gzipBytes } of sizes) {
      console.log(`${file.split('/').pop()}: ${bytes} bytes, ${gzipBytes} bytes gzipped`);
      assert.ok(gzipBytes <= budgetBytes, `${file} is ${gzipBytes} bytes gzipped`);
    }
    const [esm, iife] = sizes.map(({ file }) => readFileSync(file, 'utf8'));
    assert.ok(!/\bimport\s*[{("']/.test(esm ?? ''), 'no runtime dependency is imported');
    assert.ok(/export\s*\{/.test(esm ?? ''), 'the ESM bundle exports');
    assert.ok(iife?.includes('var Onramp='), 'the IIFE bundle sets the global Onramp');
  });
});
