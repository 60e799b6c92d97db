import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';

/**
 * The engine's process settings. This is the one module that reads the
 * environment; everything else receives the frozen result.
 */
export const EngineEnvSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65_535, default: 4000 }),
    host: Type.String({ minLength: 1, default: '0.0.0.0' }),
    dataDir: Type.String({ minLength: 1, default: './data' }),
    configPath: Type.Optional(Type.String({ minLength: 1 })),
    writeKey: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
    adminKey: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })),
    identitySecret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) =>
        Type.Literal(level),
      ),
      { default: 'info' },
    ),
    partitions: Type.Integer({ minimum: 1, maximum: 256, default: 1 }),
    durability: Type.Union([Type.Literal('full'), Type.Literal('normal')], {
      default: 'full',
      description:
        'full: fsync every group commit (survives power loss); normal: survives process crashes.',
    }),
    flushIntervalMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000 }),
  },
  { additionalProperties: false },
);

export type EngineEnv = Readonly<Static<typeof EngineEnvSchema>>;

const variables: Record<string, { key: keyof EngineEnv; number?: boolean }> = {
  PORT: { key: 'port', number: true },
  HOST: { key: 'host' },
  ONRAMP_DATA_DIR: { key: 'dataDir' },
  ONRAMP_CONFIG: { key: 'configPath' },
  ONRAMP_WRITE_KEY: { key: 'writeKey' },
  ONRAMP_ADMIN_KEY: { key: 'adminKey' },
  ONRAMP_IDENTITY_SECRET: { key: 'identitySecret' },
  ONRAMP_LOG_LEVEL: { key: 'logLevel' },
  ONRAMP_PARTITIONS: { key: 'partitions', number: true },
  ONRAMP_DURABILITY: { key: 'durability' },
  ONRAMP_FLUSH_INTERVAL_MS: { key: 'flushIntervalMs', number: true },
};

export const environmentVariables = Object.keys(variables);

const validate = new Ajv({ useDefaults: true, allErrors: true }).compile<EngineEnv>(
  EngineEnvSchema,
);

export class EnvError extends Error {
  override name = 'EnvError';
}

/** Reads the environment, applies overrides (CLI flags), validates and freezes. */
export function readEngineEnv(
  env: NodeJS.ProcessEnv,
  overrides: Partial<Record<keyof EngineEnv, string | number>> = {},
): EngineEnv {
  const raw: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const [name, { key, number }] of Object.entries(variables)) {
    names[key] = name;
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[key] = number === true && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) raw[key] = value;
  }
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((error) => {
      const key = error.instancePath.slice(1);
      return `${names[key] ?? key}: ${error.message ?? 'is invalid'}`;
    });
    throw new EnvError(`Invalid environment: ${problems.join('; ')}`);
  }
  return Object.freeze(raw as EngineEnv);
}
