// `npm start`: the Onramp engine with the demo's config, and the demo app (Vite dev server
// with the demo backend) beside it. Prints both URLs. Ctrl-C stops both.
//
//   PORT (4000)            the engine's port; every ONRAMP_* variable works as for `onramp start`
//   DEMO_PORT (5173)       the app's port
//   DEMO_IDLE_AFTER        e.g. 30s: the "inactive 5 minutes" rule waits this long instead
//                          (until onramp.yaml is edited while running, which reloads its 5m)
import { relative } from 'node:path';
import { readEngineEnv, startServer } from '@onramp/server';
import { createServer } from 'vite';
import { demoConfigPath, loadDemoConfig } from './demo-config.js';
import { demoViteConfig } from './vite-config.js';

async function main(): Promise<void> {
  const configPath = process.env['ONRAMP_CONFIG'] || demoConfigPath;
  const idleAfter = process.env['DEMO_IDLE_AFTER'] || undefined;
  const appPort = Number(process.env['DEMO_PORT'] || 5173);
  // Quiet by default: the request log of every decide call would drown the URLs.
  const env = readEngineEnv({
    ONRAMP_LOG_LEVEL: 'warn',
    ...process.env,
    ONRAMP_CONFIG: configPath,
  });
  const config = loadDemoConfig({
    path: configPath,
    ...(idleAfter === undefined ? {} : { idleAfter }),
  });
  const engine = await startServer({ env, config });
  const { workspace } = engine;
  const viteless = {
    sigterm: process.listeners('SIGTERM'),
    stdinEnd: process.stdin.listeners('end'),
  };
  const app = await createServer({
    ...demoViteConfig({
      writeKey: workspace.writeKey,
      identitySecret: workspace.identitySecret,
      enginePort: Number(new URL(engine.url).port),
    }),
    server: { port: appPort, strictPort: true },
    logLevel: 'warn',
  });
  await app.listen();
  // Vite exits the process on SIGTERM (and when stdin ends) once it closed itself, before
  // the engine has closed: the process's own stop below closes both, then exits.
  for (const listener of process.listeners('SIGTERM')) {
    if (!viteless.sigterm.includes(listener)) process.off('SIGTERM', listener);
  }
  for (const listener of process.stdin.listeners('end')) {
    if (!viteless.stdinEnd.includes(listener)) {
      process.stdin.off('end', listener as (...args: unknown[]) => void);
    }
  }
  const appUrl = app.resolvedUrls?.local[0] ?? `http://localhost:${appPort}/`;
  process.stdout.write(
    [
      '',
      '  Onramp SaaS onboarding demo',
      `  app         ${appUrl}   <- open this, sign up, pick a role`,
      `  engine      ${engine.url}   (config ${relative(process.cwd(), configPath)})`,
      `  workspace   ${workspace.id} (${workspace.name})`,
      `  write key   ${workspace.writeKey}`,
      `  admin key   ${workspace.adminKey}${engine.generatedKeys ? '   (generated; kept in the data directory)' : ''}`,
      `  API docs    ${engine.url}/docs`,
      ...(idleAfter === undefined ? [] : [`  idle help   after ${idleAfter} without activity`]),
      '',
    ].join('\n') + '\n',
  );
  const stop = () => {
    Promise.allSettled([app.close(), engine.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
