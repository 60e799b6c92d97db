import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import type { InlineConfig, Plugin } from 'vite';
import { createDemoBackend, type DemoBackendOptions } from './demo-backend.js';

/** The demo app's folder: index.html and src/. */
export const appRoot = fileURLToPath(new URL('..', import.meta.url));

/** Mounts the demo backend (/api/*) on Vite's dev server and on its preview server. */
export function demoBackendPlugin(options: DemoBackendOptions): Plugin {
  const backend = createDemoBackend(options);
  return {
    name: 'onramp-demo-backend',
    configureServer(server) {
      server.middlewares.use(backend);
    },
    configurePreviewServer(server) {
      server.middlewares.use(backend);
    },
  };
}

/**
 * The Vite config of the demo app, inline (no vite.config file): the launcher
 * (server/start-demo.ts) serves it in development, the end-to-end tests build and preview it.
 */
export function demoViteConfig(backend?: DemoBackendOptions): InlineConfig {
  return {
    configFile: false,
    root: appRoot,
    appType: 'spa',
    plugins: [react(), ...(backend === undefined ? [] : [demoBackendPlugin(backend)])],
    optimizeDeps: {
      // Pre-bundled at start, so the first page load does not find them and reload.
      include: [
        'react',
        'react-dom/client',
        'react/jsx-runtime',
        'react/jsx-dev-runtime',
        'driver.js',
      ],
    },
  };
}
