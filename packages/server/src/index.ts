export { startServer, type RunningServer, type StartOptions } from './start-server.js';
export {
  createEngine,
  compileWorkspace,
  type EngineOptions,
  type EngineStorage,
} from './engine/create-engine.js';
export type { Engine, WorkspaceRuntime, IngestReport, IngestRequest } from './engine/engine.js';
export { buildApp } from './http/app.js';
export { readEngineEnv, type EngineEnv } from './config/env.js';
export { loadConfigFile, parseConfig, ConfigError } from './config/config-file.js';
export { signUserToken, verifyUserToken } from './realtime/user-token.js';
