// Segment storage costs of the SQLite profile store, run by hand:
//   node --import tsx packages/server/src/storage/sqlite/sqlite-profile-store-segments.bench.ts [profiles]
// 1. Commit: 20 commits of 1 000 profiles each, without membership writes, then with
//    5 per profile entering (every write inserts a row), the same commits replayed
//    (no write changes anything) and 5 leaving (every write deletes a row).
//    Durability 'normal'.
// 2. scanProfiles over `profiles` stored profiles (default 100 000), pages of 1 000.
// Prints ms per commit and profiles/s (wall clock); CPU time alongside.
import type { MembershipWrite, ProfileCommit, ProfileState, ProfileWrite } from '@onramp/core';
import { profileWrite, systemClock } from '@onramp/core';
import { createSqliteProfileStore } from './sqlite-profile-store.js';
import { openTempDatabase } from './temp-database.js';

const stored = Number(process.argv[2] ?? 100_000);
const perCommit = 1_000;
const rounds = 20;
const segments = ['active', 'trial', 'pro', 'engagement:top', 'cluster:c2', 'churn-risk'];

/** A profile of realistic size (~1 KB of JSON). */
function profile(n: number, version: number): ProfileState {
  const at = 1_767_225_600_000 + n;
  return {
    id: `profile-${String(n).padStart(7, '0')}`,
    userId: `user-${n}`,
    anonymousIds: [`anon-${n}-a`, `anon-${n}-b`],
    version,
    firstSeen: at,
    lastSeen: at + version,
    traits: { plan: n % 3 === 0 ? 'pro' : 'free', seats: n % 17, company: `Company ${n % 500}` },
    events: {
      'Page Viewed': [at, at + version, 40 + version],
      'Project Created': [at, at + version, 3],
      'Invite Sent': [at, at + version, 1],
    },
    untrackedEvents: 0,
    eventCount: 44 + version,
    sessions: {
      count: 5,
      totalDurationMs: 1_200_000,
      previousDurationMs: 300_000,
      start: at,
      last: at,
      events: 9,
    },
  };
}

function commitOf(first: number, version: number, memberships?: MembershipWrite[]): ProfileCommit {
  const profiles: ProfileWrite[] = [];
  for (let n = first; n < first + perCommit; n++) {
    profiles.push(profileWrite('w1', profile(n, version)));
  }
  return {
    profiles,
    identities: [],
    deletedProfiles: [],
    checkpoints: new Map([[0, version]]),
    ...(memberships && { memberships }),
  };
}

/** 5 writes per profile of the commit, to 5 of the 6 segments (which ones: `round`). */
function membershipsOf(first: number, round: number, member: boolean): MembershipWrite[] {
  const writes: MembershipWrite[] = [];
  for (let n = first; n < first + perCommit; n++) {
    for (let s = 0; s < 5; s++) {
      writes.push({
        workspaceId: 'w1',
        profileId: profile(n, 0).id,
        segment: segments[(s + round) % segments.length] as string,
        member,
        at: 1_767_225_600_000 + round,
      });
    }
  }
  return writes;
}

async function time(label: string, count: number, body: () => Promise<void>, unit = 'commit') {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await body();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  // Per profile in µs, per commit in ms.
  const scale = unit === 'commit' ? 1 : 1000;
  const shown = unit === 'commit' ? 'ms/commit' : `µs/${unit}`;
  console.log(
    `${label.padEnd(48)} ${((ms * scale) / count).toFixed(2)} ${shown} ` +
      `(CPU ${((cpuMs * scale) / count).toFixed(2)})`,
  );
  return ms;
}

const temp = openTempDatabase('normal');
const store = createSqliteProfileStore({ db: temp.db, clock: systemClock });
// Warm-up: the profiles exist before the timed commits, as in steady state.
for (let r = 0; r < rounds; r++) await store.commit(commitOf(r * perCommit, 1));

const plain = Array.from({ length: rounds }, (_, r) => commitOf(r * perCommit, 2));
const withWrites = Array.from({ length: rounds }, (_, r) =>
  commitOf(r * perCommit, 3, membershipsOf(r * perCommit, r, true)),
);
const leaving = Array.from({ length: rounds }, (_, r) =>
  commitOf(r * perCommit, 4, membershipsOf(r * perCommit, r, false)),
);
await time('1 000 profiles, no membership writes', rounds, async () => {
  for (const commit of plain) await store.commit(commit);
});
await time('1 000 profiles × 5 writes (entering)', rounds, async () => {
  for (const commit of withWrites) await store.commit(commit);
});
await time('1 000 profiles × 5 writes (replayed, no change)', rounds, async () => {
  for (const commit of withWrites) await store.commit(commit);
});
await time('1 000 profiles × 5 writes (leaving)', rounds, async () => {
  for (const commit of leaving) await store.commit(commit);
});
console.log('member counts', Object.fromEntries(await store.countMembers('w1')));

for (let first = rounds * perCommit; first < stored; first += perCommit) {
  await store.commit(commitOf(first, 1));
}
const total = await store.countProfiles('w1');
let scanned = 0;
const ms = await time(
  `scanProfiles of ${total} profiles, pages of 1 000`,
  total,
  async () => {
    let after: string | undefined;
    for (;;) {
      const page = await store.scanProfiles('w1', { after, limit: 1_000 });
      scanned += page.length;
      if (page.length < 1_000) return;
      after = page.at(-1)?.id;
    }
  },
  'profile',
);
console.log(
  `${scanned} profiles scanned: ${Math.round(scanned / (ms / 1000)).toLocaleString('en-US')} profiles/s`,
);
await store.close();
temp.dispose();
