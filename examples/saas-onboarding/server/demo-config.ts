import { fileURLToPath } from 'node:url';
import { parseDuration } from '@onramp/core';
import { loadConfigFile } from '@onramp/server';

export type DemoConfig = ReturnType<typeof loadConfigFile>;

/** The demo's config file, examples/saas-onboarding/onramp.yaml. */
export const demoConfigPath = fileURLToPath(new URL('../onramp.yaml', import.meta.url));

export interface DemoConfigOptions {
  path?: string;
  /**
   * Replaces the `for` of every `inactive` trigger (the demo's "5 minutes without activity"),
   * so the help modal can be seen, and tested, without waiting five minutes: "3s", "30s".
   */
  idleAfter?: string;
}

/** Loads (and validates) the config file, with the idle time overridden when asked. */
export function loadDemoConfig(options: DemoConfigOptions = {}): DemoConfig {
  const config = loadConfigFile(options.path ?? demoConfigPath);
  const { idleAfter } = options;
  if (idleAfter === undefined) return config;
  if (parseDuration(idleAfter) === undefined) {
    throw new Error(`idleAfter: "${idleAfter}" is not a duration such as "30s" or "5m"`);
  }
  return {
    ...config,
    rules: config.rules.map((rule) =>
      rule.trigger.type === 'inactive'
        ? { ...rule, trigger: { ...rule.trigger, for: idleAfter } }
        : rule,
    ),
  };
}
