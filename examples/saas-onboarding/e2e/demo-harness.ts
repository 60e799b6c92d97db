import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { readEngineEnv, startServer, type RunningServer } from '@onramp/server';
import { loadDemoConfig } from '../server/demo-config.js';
import { demoViteConfig } from '../server/vite-config.js';

/** Where the end-to-end tests save their screenshots (CI keeps the folder as artifacts). */
export const screenshotDir = join(
  process.env['ONRAMP_SCREENSHOT_DIR'] ||
    new URL('../../../artifacts/screenshots', import.meta.url).pathname,
  'saas-onboarding',
);

/** Debian's Chromium; the tests never download a browser. */
export const chromiumPath = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';

export interface DemoHarness {
  /** The demo app (built, served by Vite's preview server with the demo backend). */
  appUrl: string;
  engine: RunningServer;
  browser: Browser;
  close(): Promise<void>;
}

export interface DemoHarnessOptions {
  /** The inactivity rule's wait (the demo's is 5m). */
  idleAfter: string;
}

/**
 * The whole demo, for real: the engine on SQLite in a temporary directory with the demo's
 * config (idle time shortened), the app built with Vite and served with its backend, and
 * Chromium. Everything on ephemeral ports.
 */
export async function startDemoHarness(options: DemoHarnessOptions): Promise<DemoHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'onramp-demo-e2e-'));
  const outDir = mkdtempSync(join(tmpdir(), 'onramp-demo-app-'));
  const cleanups: (() => Promise<unknown> | void)[] = [
    () => rmSync(dataDir, { recursive: true, force: true }),
    () => rmSync(outDir, { recursive: true, force: true }),
  ];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const env = readEngineEnv(
      {},
      {
        port: 0,
        host: '127.0.0.1',
        dataDir,
        logLevel: 'silent',
        durability: 'normal',
        flushIntervalMs: 50,
      },
    );
    const config = loadDemoConfig({ idleAfter: options.idleAfter });
    const [engine] = await Promise.all([
      startServer({ env, config }),
      build({ ...demoViteConfig(), build: { outDir, emptyOutDir: true }, logLevel: 'silent' }),
    ]);
    cleanups.push(() => engine.close());
    const app: PreviewServer = await preview({
      ...demoViteConfig({
        writeKey: engine.workspace.writeKey,
        identitySecret: engine.workspace.identitySecret,
        enginePort: Number(new URL(engine.url).port),
      }),
      build: { outDir },
      preview: { port: 0, host: '127.0.0.1' },
      logLevel: 'silent',
    });
    cleanups.push(() => app.close());
    const appUrl = app.resolvedUrls?.local[0];
    if (appUrl === undefined) throw new Error('the preview server has no URL');
    const browser = await chromium.launch({ executablePath: chromiumPath });
    cleanups.push(() => browser.close());
    mkdirSync(screenshotDir, { recursive: true });
    return { appUrl: appUrl.replace(/\/$/, ''), engine, browser, close };
  } catch (error) {
    await close();
    throw error;
  }
}
