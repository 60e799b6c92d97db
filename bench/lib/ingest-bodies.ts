/** A deterministic pseudo-random generator (mulberry32): the same bodies on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface BatchSourceOptions {
  /** Events per request body. */
  batchSize: number;
  /** Distinct bodies cycled through (they differ in users, events and properties). */
  templates: number;
  /** Distinct userIds the events are spread over. */
  users: number;
  seed?: number;
}

/**
 * Request bodies for POST /v1/batch. The bodies are pre-generated; what changes
 * per request is only the messageIds, `<run>-<request>-<index>`, spliced in
 * between pre-serialized pieces, so that deduplication never drops an event and
 * building a body costs the load generator a string concatenation.
 */
export interface BatchSource {
  batchSize: number;
  /** Average size of one event in a body, in bytes. */
  bytesPerEvent: number;
  /** The next body, with fresh messageIds. */
  next(): string;
  /** Bodies built so far. */
  readonly count: number;
}

const placeholder = '\u0000ID\u0000';

const trackEvents: readonly { event: string; properties: (random: () => number) => object }[] = [
  {
    event: 'Onboarding Step Completed',
    properties: (random) => ({
      step: 1 + Math.floor(random() * 6),
      flow: 'default',
      skipped: random() < 0.1,
    }),
  },
  {
    event: 'Project Created',
    properties: (random) => ({
      template: random() < 0.5 ? 'blank' : 'starter',
      visibility: 'private',
    }),
  },
  {
    event: 'Teammate Invited',
    properties: (random) => ({ role: random() < 0.7 ? 'member' : 'admin', method: 'email' }),
  },
  {
    event: 'Feature Used',
    properties: (random) => ({
      feature: ['search', 'export', 'share', 'filter'][Math.floor(random() * 4)],
      count: 1,
    }),
  },
  {
    event: 'Button Clicked',
    properties: (random) => ({
      label: 'Continue',
      location: `step-${1 + Math.floor(random() * 6)}`,
    }),
  },
];

/** One Segment track message as a browser library sends it, with a placeholder messageId. */
function sampleEvent(random: () => number, users: number, timestamp: string): object {
  const kind = trackEvents[Math.floor(random() * trackEvents.length)] ?? trackEvents[0];
  const user = Math.floor(random() * users);
  return {
    type: 'track',
    event: kind?.event,
    userId: `bench-user-${user}`,
    anonymousId: `anon-${user.toString(36).padStart(6, '0')}`,
    messageId: placeholder,
    timestamp,
    properties: kind?.properties(random),
    context: {
      library: { name: 'analytics.js', version: '5.2.0' },
      page: {
        path: '/onboarding',
        url: 'https://app.example.com/onboarding',
        title: 'Get started',
      },
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Safari/605.1.15',
      locale: 'en-US',
    },
  };
}

export function createBatchSource(options: BatchSourceOptions): BatchSource {
  const random = seededRandom(options.seed ?? 42);
  const timestamp = new Date().toISOString();
  const templates: string[][] = [];
  for (let t = 0; t < options.templates; t++) {
    const batch = Array.from({ length: options.batchSize }, () =>
      sampleEvent(random, options.users, timestamp),
    );
    templates.push(JSON.stringify({ batch }).split(JSON.stringify(placeholder).slice(1, -1)));
  }
  const run = Math.floor(Math.random() * 36 ** 6).toString(36);
  let count = 0;
  const bytes = templates.reduce((sum, pieces) => sum + pieces.join('').length, 0);
  return {
    batchSize: options.batchSize,
    // + the messageId, about 20 characters.
    bytesPerEvent: bytes / (options.templates * options.batchSize) + 20,
    get count() {
      return count;
    },
    next() {
      const pieces = templates[count % templates.length] as string[];
      const prefix = `${run}-${count.toString(36)}-`;
      count++;
      let body = pieces[0] as string;
      for (let i = 1; i < pieces.length; i++) body += prefix + (i - 1) + (pieces[i] as string);
      return body;
    },
  };
}
