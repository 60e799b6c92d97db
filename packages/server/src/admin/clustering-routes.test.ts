import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { adminClient, bearer, fieldsOf, type AdminClient, type Json } from './admin-test-client.js';

const HOUR = 3_600_000;

let server: TestServer;
let client: AdminClient;

/** Three behaviour groups of 20: feature users, page readers, and people who come back often. */
const groups = {
  builder: { feature: 8, pages: 1, sessions: 1 },
  reader: { feature: 0, pages: 8, sessions: 1 },
  returner: { feature: 1, pages: 1, sessions: 6 },
} as const;
type Group = keyof typeof groups;

before(async () => {
  server = await startTestServer();
  client = adminClient(server);
  const now = Date.now();
  for (const [group, shape] of Object.entries(groups)) {
    for (let i = 0; i < 20; i++) {
      const userId = `${group}-${i}`;
      // Sessions are 2 h apart (the session timeout is shorter); a little jitter per person.
      const at = (session: number, n: number) =>
        new Date(now - (shape.sessions - session) * 2 * HOUR - n * 1000 - i * 7).toISOString();
      const batch: Json[] = [{ type: 'identify', userId, traits: { group }, timestamp: at(0, 0) }];
      for (let n = 0; n < shape.feature; n++) {
        batch.push({ type: 'track', userId, event: 'Feature Used', timestamp: at(0, n + 1) });
      }
      for (let n = 0; n < shape.pages; n++) {
        batch.push({ type: 'page', userId, name: 'Docs', timestamp: at(0, n + 20) });
      }
      for (let s = 1; s < shape.sessions; s++) {
        batch.push({ type: 'track', userId, event: 'Login', timestamp: at(s, 0) });
      }
      await client.ingest({ batch });
    }
  }
  await server.engine.flush();
});

after(async () => {
  await server.close();
});

const call: AdminClient['call'] = (...args) => client.call(...args);
const clustering = {
  id: 'behaviour',
  features: ['events.Feature Used', 'events.$page', 'sessions.count'],
  k: { min: 2, max: 5 },
  minProfiles: 30,
  trait: 'persona',
};

describe('clustering runs', () => {
  test('a run finds the three groups and every profile gets its label trait', async () => {
    const created = await call('POST', '/clusterings', clustering);
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const run = await call('POST', '/clusterings/behaviour/runs');
    assert.equal(run.status, 201, JSON.stringify(run.body));
    assert.equal(run.body.status, 'done', String(run.body.error));
    assert.equal(run.body.run, 1);
    assert.equal(run.body.trigger, 'api');
    assert.equal(run.body.k, 3);
    assert.equal(run.body.sampled, 60);
    assert.deepEqual(run.body.features, clustering.features);
    const clusters = run.body.clusters as Json[];
    assert.deepEqual(
      clusters.map((c) => c.size),
      [20, 20, 20],
    );
    assert.ok((run.body.candidates as Json[]).some((c) => c.k === 3));
    assert.equal(typeof run.body.startedAt, 'string');
    assert.equal(((run.body.model as Json).labels as string[]).length, 3);

    await server.engine.segments.idle(server.workspace.id);
    const labels = new Map<Group, Set<string>>();
    for (const group of Object.keys(groups) as Group[]) {
      for (let i = 0; i < 20; i++) {
        const profile = await call('GET', `/profiles/user/${group}-${i}`);
        assert.equal(profile.status, 200);
        const persona = (profile.body.traits as Json).persona;
        assert.equal(typeof persona, 'string', `${group}-${i} has a label`);
        labels.set(group, (labels.get(group) ?? new Set()).add(String(persona)));
      }
    }
    for (const [group, seen] of labels) assert.equal(seen.size, 1, `one label for ${group}`);
    assert.equal(new Set([...labels.values()].flatMap((seen) => [...seen])).size, 3);
    const label = ((await call('GET', '/segments/passes')).body.passes as Json[]).find(
      (p) => p.kind === 'label',
    );
    assert.equal(label?.state, 'done');
    assert.equal(label?.clustering, 'behaviour');
  });

  test('runs are listed newest first, paged, and read one by one or as latest', async () => {
    const second = await call('POST', '/clusterings/behaviour/runs?trigger=cli');
    assert.equal(second.status, 201);
    assert.equal(second.body.run, 2);
    assert.equal(second.body.trigger, 'cli');
    const page = await call('GET', '/clusterings/behaviour/runs?limit=1');
    assert.equal(page.status, 200);
    assert.deepEqual(
      (page.body.runs as Json[]).map((r) => r.run),
      [2],
    );
    assert.equal(page.body.nextBefore, 2);
    const next = await call('GET', '/clusterings/behaviour/runs?limit=1&before=2');
    assert.deepEqual(
      (next.body.runs as Json[]).map((r) => r.run),
      [1],
    );
    assert.equal(next.body.nextBefore, undefined);
    assert.equal((await call('GET', '/clusterings/behaviour/runs/1')).body.run, 1);
    assert.equal((await call('GET', '/clusterings/behaviour/runs/latest')).body.run, 2);
    const missing = await call('GET', '/clusterings/behaviour/runs/99');
    assert.equal(missing.status, 404);
    assert.match(String(missing.body.message), /99/);
    await server.engine.segments.idle(server.workspace.id);
  });

  test('a run with too few profiles is recorded as failed, still a 201', async () => {
    const put = await call('PUT', '/clusterings/tiny', {
      id: 'tiny',
      features: ['eventCount'],
      minProfiles: 1000,
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const run = await call('POST', '/clusterings/tiny/runs');
    assert.equal(run.status, 201);
    assert.equal(run.body.status, 'failed');
    assert.match(String(run.body.error), /minProfiles/);
    assert.equal(run.body.k, 0);
    assert.deepEqual(run.body.clusters, []);
    assert.equal((await call('GET', '/clusterings/tiny/runs/latest')).body.status, 'failed');
  });

  test('unknown clusterings, bad ids, bad queries and other keys are refused', async () => {
    const unknown = await call('POST', '/clusterings/nope/runs');
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.body.message), /"nope"/);
    assert.equal((await call('GET', '/clusterings/nope/runs')).status, 404);
    assert.equal((await call('GET', '/clusterings/nope/runs/latest')).status, 404);
    for (const [path, field] of [
      ['/clusterings/behaviour/runs/zero', 'params.run'],
      ['/clusterings/behaviour/runs/0', 'params.run'],
      ['/clusterings/bad%20id/runs', 'params.id'],
      ['/clusterings/behaviour/runs?limit=501', 'querystring.limit'],
      ['/clusterings/behaviour/runs?before=0', 'querystring.before'],
    ] as const) {
      const reply = await call('GET', path);
      assert.equal(reply.status, 400, path);
      assert.deepEqual(fieldsOf(reply.body), [field], path);
    }
    const trigger = await call('POST', '/clusterings/behaviour/runs?trigger=schedule');
    assert.deepEqual(fieldsOf(trigger.body), ['querystring.trigger']);
    const wrongKey = await call(
      'POST',
      '/clusterings/behaviour/runs',
      undefined,
      bearer('ak_nope'),
    );
    assert.equal(wrongKey.status, 401);
    const runs = await call('GET', '/clusterings/behaviour/runs');
    assert.equal((runs.body.runs as Json[]).length, 2, 'no run was started by a refused call');
  });
});
