import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleConfigStore, RuleConfigVersion } from './rule-config-store.js';
import { RuleVersionConflictError } from './rule-config-store.js';
import type { RuleDefinition } from './rule-schema.js';

export interface RuleConfigStoreHarness {
  store: RuleConfigStore;
  /** Closes the store and its storage, then opens them again. Durable stores only. */
  reopen?: () => Promise<RuleConfigStore>;
  /** Closes whatever is still open and removes temporary files. */
  dispose(): Promise<void>;
}

function rule(id: string): RuleDefinition {
  return {
    id,
    enabled: true,
    priority: 0,
    trigger: { type: 'event', event: 'Signed Up' },
    condition: { 'traits.plan': 'free' },
    actions: [{ type: 'message', channel: 'email', template: 'welcome' }],
    constraints: { once: true },
  };
}

/** Version `version` of a workspace's rules: one rule per version so far. */
function configVersion(
  workspaceId: string,
  version: number,
  fields: Partial<RuleConfigVersion> = {},
): RuleConfigVersion {
  return {
    workspaceId,
    version,
    rules: Array.from({ length: version }, (_, i) => rule(`r${i + 1}`)),
    settings: { defaultTimezone: 'UTC', maxChainDepth: 3 },
    segments: version % 2 === 0 ? [{ id: `s${version}`, condition: { 'traits.plan': 'pro' } }] : [],
    cohorts:
      version === 2
        ? [
            {
              id: 'engagement',
              metric: 'engagement',
              bands: [
                { id: 'top', percent: 20 },
                { id: 'rest', percent: 80 },
              ],
              minPopulation: 20,
            },
          ]
        : [],
    clusterings: [],
    ...decideParts(version),
    createdAt: 1_767_225_600_000 + version,
    source: 'api',
    ...fields,
  };
}

/** Version 2 has content, a placement, a flow and content settings; the others none. */
function decideParts(version: number): Partial<RuleConfigVersion> {
  if (version !== 2) return { content: [], placements: [], flows: [] };
  return {
    content: [
      {
        id: 'welcome',
        type: 'banner',
        fields: { title: 'Hi {{ traits.name | default: "there" }}', cta: { label: 'Go' } },
        locales: { fr: { title: 'Salut' } },
      },
    ],
    placements: [{ id: 'home-banner', default: 'welcome', types: ['banner'] }],
    flows: [
      {
        id: 'setup',
        placement: 'home-banner',
        steps: [
          {
            id: 'invite',
            content: 'welcome',
            completion: { event: 'Teammate Invited' },
            required: true,
            priority: 0,
          },
        ],
      },
    ],
    contentSettings: { defaultLocale: 'fr', consentCategory: 'personalization' },
  };
}

/** The behaviour every RuleConfigStore shares. `open` creates an empty store. */
export function describeRuleConfigStoreContract(
  name: string,
  open: () => Promise<RuleConfigStoreHarness>,
): void {
  async function withStore(body: (harness: RuleConfigStoreHarness) => Promise<void>) {
    const harness = await open();
    try {
      await body(harness);
    } finally {
      await harness.dispose();
    }
  }

  async function appendVersions(store: RuleConfigStore, workspaceId: string, count: number) {
    for (let version = 1; version <= count; version++) {
      await store.append(configVersion(workspaceId, version));
    }
  }

  describe(`RuleConfigStore contract: ${name}`, () => {
    it('starts empty', () =>
      withStore(async ({ store }) => {
        assert.equal(await store.latest('w1'), undefined);
        assert.equal(await store.get('w1', 1), undefined);
        assert.deepEqual(await store.list('w1', { limit: 10 }), []);
      }));

    it('appends versions and reads them back whole, per workspace', () =>
      withStore(async ({ store }) => {
        const first = configVersion('w1', 1, { source: 'file', fileDigest: 'ab12', note: 'v1' });
        await store.append(first);
        await store.append(configVersion('w1', 2));
        await store.append(configVersion('w2', 1, { note: 'other workspace' }));
        assert.deepEqual(await store.get('w1', 1), first);
        assert.deepEqual(await store.get('w1', 2), configVersion('w1', 2));
        assert.deepEqual(await store.latest('w1'), configVersion('w1', 2));
        assert.deepEqual(
          await store.latest('w2'),
          configVersion('w2', 1, { note: 'other workspace' }),
        );
        assert.equal(await store.get('w1', 3), undefined);
        assert.equal(await store.get('w2', 2), undefined);
        assert.equal(await store.latest('w3'), undefined);
      }));

    it('reads a version stored without segments or content as having none', () =>
      withStore(async ({ store }) => {
        const bare: RuleConfigVersion = {
          workspaceId: 'w1',
          version: 1,
          rules: [rule('r1')],
          settings: { defaultTimezone: 'UTC', maxChainDepth: 3 },
          createdAt: 1,
          source: 'file',
        };
        await store.append(bare);
        const loaded = await store.latest('w1');
        assert.deepEqual(loaded, {
          ...bare,
          segments: [],
          cohorts: [],
          clusterings: [],
          content: [],
          placements: [],
          flows: [],
        });
        assert.equal(loaded !== undefined && 'contentSettings' in loaded, false);
      }));

    it('lists newest first, paging back with `before` (exclusive) and `limit`', () =>
      withStore(async ({ store }) => {
        await appendVersions(store, 'w1', 5);
        await appendVersions(store, 'w2', 2);
        const versions = async (options: { before?: number; limit: number }) =>
          (await store.list('w1', options)).map((entry) => entry.version);
        assert.deepEqual(await versions({ limit: 10 }), [5, 4, 3, 2, 1]);
        assert.deepEqual(await versions({ limit: 2 }), [5, 4]);
        assert.deepEqual(await versions({ before: 4, limit: 2 }), [3, 2]);
        assert.deepEqual(await versions({ before: 2, limit: 2 }), [1]);
        assert.deepEqual(await versions({ before: 1, limit: 2 }), []);
        assert.deepEqual(await versions({ limit: 0 }), []);
        assert.deepEqual((await store.list('w1', { limit: 1 }))[0], configVersion('w1', 5));
      }));

    it('refuses a bad limit or cursor', () =>
      withStore(async ({ store }) => {
        for (const limit of [-1, 1.5, Number.NaN]) {
          await assert.rejects(store.list('w1', { limit }), RangeError);
        }
        await assert.rejects(store.list('w1', { before: Number.NaN, limit: 1 }), RangeError);
      }));

    it('refuses a version that is not latest + 1, and writes nothing', () =>
      withStore(async ({ store }) => {
        await assert.rejects(store.append(configVersion('w1', 2)), (error: unknown) => {
          assert.ok(error instanceof RuleVersionConflictError);
          assert.equal(error.expected, 1);
          assert.equal(error.actual, 0);
          return true;
        });
        await appendVersions(store, 'w1', 2);
        for (const version of [1, 2, 4, 0, -1, 2.5]) {
          await assert.rejects(
            store.append(configVersion('w1', version, { note: 'late' })),
            RuleVersionConflictError,
          );
        }
        assert.deepEqual(await store.latest('w1'), configVersion('w1', 2));
        assert.deepEqual(await store.get('w1', 1), configVersion('w1', 1));
        assert.deepEqual(
          (await store.list('w1', { limit: 10 })).map((entry) => entry.version),
          [2, 1],
        );
      }));

    it('lets exactly one of two concurrent appends of the same version win', () =>
      withStore(async ({ store }) => {
        await appendVersions(store, 'w1', 1);
        const results = await Promise.allSettled([
          store.append(configVersion('w1', 2, { note: 'first' })),
          store.append(configVersion('w1', 2, { note: 'second' })),
        ]);
        assert.deepEqual(
          results.map((result) => result.status),
          ['fulfilled', 'rejected'],
        );
        assert.equal((await store.latest('w1'))?.note, 'first');
      }));

    it('copies versions in and out', () =>
      withStore(async ({ store }) => {
        const version = configVersion('w1', 1);
        await store.append(version);
        (version.rules[0] as RuleDefinition).id = 'changed';
        const loaded = (await store.get('w1', 1)) as RuleConfigVersion;
        assert.equal(loaded.rules[0]?.id, 'r1');
        (loaded.rules[0] as RuleDefinition).id = 'changed';
        assert.equal((await store.latest('w1'))?.rules[0]?.id, 'r1');
        const withContent = configVersion('w1', 2);
        await store.append(withContent);
        (withContent.content?.[0]?.fields as Record<string, unknown>).title = 'changed';
        (withContent.contentSettings as { defaultLocale: string }).defaultLocale = 'de';
        const read = (await store.get('w1', 2)) as RuleConfigVersion;
        assert.deepEqual(read, configVersion('w1', 2));
        (read.flows?.[0]?.steps[0] as { id: string }).id = 'changed';
        assert.deepEqual(await store.get('w1', 2), configVersion('w1', 2));
      }));

    it('keeps every version across a restart', async (t) => {
      const harness = await open();
      try {
        if (!harness.reopen) return t.skip('not a durable store');
        await harness.store.append(configVersion('w1', 1, { source: 'file', fileDigest: 'ab' }));
        await harness.store.append(configVersion('w1', 2));
        const store = await harness.reopen();
        assert.deepEqual(
          await store.get('w1', 1),
          configVersion('w1', 1, { source: 'file', fileDigest: 'ab' }),
        );
        assert.deepEqual(await store.latest('w1'), configVersion('w1', 2));
        await assert.rejects(store.append(configVersion('w1', 2)), RuleVersionConflictError);
        await store.append(configVersion('w1', 3));
        assert.equal((await store.latest('w1'))?.version, 3);
      } finally {
        await harness.dispose();
      }
    });

    it('refuses to work once closed', () =>
      withStore(async ({ store }) => {
        await store.close();
        await assert.rejects(store.append(configVersion('w1', 1)));
        await assert.rejects(store.latest('w1'));
      }));
  });
}
