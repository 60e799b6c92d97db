/** What the admin route tests call the real server with (not used by the server itself). */
import assert from 'node:assert/strict';
import type { TestServer } from '../testing/test-server.js';

export type Json = Record<string, unknown>;

export interface Reply {
  status: number;
  body: Json;
  headers: Headers;
}

export const bearer = (key: string): Record<string, string> => ({
  authorization: `Bearer ${key}`,
});

export interface AdminClient {
  /** An admin API call (`path` under /admin/v1); a string body is sent as is. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply>;
  /** Sends one message to /v1/<type> or /v1/batch with the write key; asserts 200. */
  ingest(body: Json): Promise<void>;
}

export function adminClient(server: TestServer): AdminClient {
  return {
    async call(method, path, body, headers = bearer(server.workspace.adminKey)) {
      const response = await fetch(`${server.url}/admin/v1${path}`, {
        method,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined
          ? {}
          : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return {
        status: response.status,
        body: (await response.json()) as Json,
        headers: response.headers,
      };
    },
    async ingest(body) {
      const type = body.batch === undefined ? String(body.type) : 'batch';
      const response = await fetch(`${server.url}/v1/${type}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`,
        },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 200, await response.text());
    },
  };
}

/** The fields an error reply names. */
export function fieldsOf(body: Json): string[] {
  return ((body.errors ?? []) as { field: string }[]).map((error) => error.field);
}
