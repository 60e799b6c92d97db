import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'data/**', '.tmp/**', '**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    // The domain does no I/O and never imports the HTTP layer or an adapter.
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@onramp/server', '@onramp/server/*', '**/server/**'],
              message: 'core must not import server.',
            },
            {
              group: [
                'fastify',
                'fastify/*',
                '@fastify/*',
                'better-sqlite3',
                'pg',
                'ioredis',
                '@nats-io/*',
              ],
              message: 'core does no I/O.',
            },
            {
              group: [
                'node:fs',
                'node:fs/*',
                'fs',
                'node:net',
                'node:http',
                'node:child_process',
                'node:worker_threads',
              ],
              message: 'core does no I/O.',
            },
          ],
        },
      ],
    },
  },
  {
    // The SDK runs in browsers and Node and has no runtime dependencies; React has the SDK as a peer.
    files: [
      'packages/sdk/src/**/*.ts',
      'packages/react/src/**/*.{ts,tsx}',
      'examples/**/*.{ts,tsx}',
    ],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    files: ['packages/sdk/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@onramp/*', 'node:*'],
              message: 'the SDK has no runtime dependencies and runs in browsers.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
