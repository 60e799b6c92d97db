/**
 * The config file's rules, segments and content (what a config version holds), kept
 * in step with the engine: published at start when they differ from the last version
 * that came from the file, and again whenever the file changes (fs.watch on its
 * directory, debounced; SIGHUP forces a check).
 * An invalid file is logged and ignored: the running version stays.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { RuleConfigVersion } from '@onramp/core';
import type { Engine } from '../engine/engine.js';
import {
  ConfigError,
  canonicalJson,
  digestRules,
  loadConfigFile,
  behaviourOf,
  type ConfigFile,
} from './config-file.js';

export interface ConfigWatcher {
  /** Re-reads the file now and publishes its rules if they changed; resolves when done. */
  reload(): Promise<void>;
  close(): void;
}

export interface WatchConfigOptions {
  path: string;
  /** The config the server started with (its non-rule settings are the running ones). */
  config: ConfigFile;
  engine: Engine;
  workspaceId: string;
  logger: Logger;
  debounceMs?: number;
}

/**
 * At start: the config's rules published if they changed since the file last
 * published them, then the file watched. Without a file and without rules, nothing.
 */
export async function startConfigSync(
  options: Omit<WatchConfigOptions, 'path'> & { path?: string },
): Promise<ConfigWatcher | undefined> {
  const { path, config, engine, workspaceId, logger } = options;
  const { rules, segments, cohorts, clusterings, content, placements, flows, flags } = config;
  const lists = [rules, segments, cohorts, clusterings, content, placements, flows, flags];
  const empty = [...lists, config.experiments].every((list) => list.length === 0);
  if (path === undefined && empty) return undefined;
  await syncConfigRules(engine, workspaceId, config, logger);
  return path === undefined ? undefined : watchConfig({ ...options, path });
}

/** Publishes the config's rules when they differ from the latest file-sourced version. */
export async function syncConfigRules(
  engine: Engine,
  workspaceId: string,
  config: ConfigFile,
  logger: Logger,
): Promise<RuleConfigVersion | undefined> {
  const fileDigest = digestRules(config);
  const latest = await latestFromFile(engine, workspaceId);
  if (latest?.fileDigest === fileDigest) return undefined;
  const published = await engine.rules.publish(workspaceId, {
    ...behaviourOf(config),
    source: 'file',
    fileDigest,
  });
  logger.info(
    { workspace: workspaceId, version: published.version, rules: published.rules.length },
    'config file rules published',
  );
  return published;
}

/** Watches the config file and publishes its rules on change; returns a handle to stop. */
export function watchConfig(options: WatchConfigOptions): ConfigWatcher {
  const { engine, workspaceId, logger } = options;
  const path = resolve(options.path);
  const startedSettings = settingsDigest(options.config);
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const check = async (): Promise<void> => {
    let config: ConfigFile;
    try {
      config = loadConfigFile(path);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      logger.warn(
        { file: path, errors: error.message.split('\n') },
        'config file is invalid: keeping the running rules',
      );
      return;
    }
    if (settingsDigest(config) !== startedSettings) {
      logger.warn(
        { file: path },
        'config file settings other than rules changed: they apply after a restart',
      );
    }
    await syncConfigRules(engine, workspaceId, config, logger);
  };
  const reload = (): Promise<void> => {
    // One check at a time, in order: a burst of saves ends with the file's last state.
    running = running.then(check).catch((error: unknown) => {
      logger.error({ err: error, file: path }, 'config file reload failed');
    });
    return running;
  };
  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), options.debounceMs ?? 200);
  };

  // The directory, not the file: editors save by writing a new file and renaming it.
  const name = basename(path);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      if (changed === null || changed.toString() === name) schedule();
    });
    watcher.on('error', (error) => logger.warn({ err: error, file: path }, 'config watch failed'));
  } catch (error) {
    logger.warn({ err: error, file: path }, 'cannot watch the config file: reload with SIGHUP');
  }
  const onHangup = () => {
    logger.info({ file: path }, 'SIGHUP: reloading the config file');
    void reload();
  };
  process.on('SIGHUP', onHangup);

  return {
    reload,
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
      process.off('SIGHUP', onHangup);
    },
  };
}

/** The newest version published from the config file, if any (API versions may be newer). */
async function latestFromFile(
  engine: Engine,
  workspaceId: string,
): Promise<RuleConfigVersion | undefined> {
  let before: number | undefined;
  for (;;) {
    const page = await engine.rules.versions(workspaceId, {
      limit: 100,
      ...(before === undefined ? {} : { before }),
    });
    const found = page.find((version) => version.source === 'file');
    if (found !== undefined) return found;
    const last = page[page.length - 1];
    if (last === undefined || page.length < 100) return undefined;
    before = last.version;
  }
}

/** The digest of what only a restart applies: everything but the parts a config version holds. */
function settingsDigest(config: ConfigFile): string {
  const {
    rules: _rules,
    ruleSettings: _ruleSettings,
    segments: _segments,
    cohorts: _cohorts,
    clusterings: _clusterings,
    content: _content,
    placements: _placements,
    flows: _flows,
    contentSettings: _contentSettings,
    flags: _flags,
    experiments: _experiments,
    ...rest
  } = config;
  return canonicalJson(rest);
}
