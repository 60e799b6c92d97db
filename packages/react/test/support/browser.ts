import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

// A real Chromium (/usr/bin/chromium, never downloaded) on a page bundled by esbuild
// from test/fixture/app.tsx: the real React package, SDK and driver.js.

const fixture = fileURLToPath(new URL('../fixture/app.tsx', import.meta.url));
const driverCss = fileURLToPath(import.meta.resolve('driver.js/dist/driver.css'));

export interface FixtureSite {
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startFixtureSite(): Promise<FixtureSite> {
  const bundle = await build({
    entryPoints: [fixture],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.contents;
  const css = readFileSync(driverCss);
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><title>fixture</title>' +
    '<link rel="stylesheet" href="/driver.css"></head>' +
    '<body><div id="root"></div><script type="module" src="/app.js"></script></body></html>';
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const [type, body] =
      path === '/app.js'
        ? ['text/javascript', script]
        : path === '/driver.css'
          ? ['text/css', css]
          : ['text/html', html];
    response.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    browser,
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
