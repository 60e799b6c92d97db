import {
  createSeededRandom,
  type Processor,
  type ProfileMetric,
  type ProfileStore,
} from '@onramp/core';

export interface SampleFeaturesOptions {
  store: Pick<ProfileStore, 'scanProfiles'>;
  processor: Pick<Processor, 'visitProfiles'>;
  workspaceId: string;
  features: readonly ProfileMetric[];
  sampleSize: number;
  seed: number;
  now: number;
  pageSize?: number;
}

/**
 * The feature vectors of a uniform sample of a workspace's profiles (reservoir
 * sampling, seeded: the same population gives the same sample). A missing feature
 * reads as 0. Pages are read under the processor's lock, between event batches.
 */
export async function sampleFeatures(options: SampleFeaturesOptions): Promise<number[][]> {
  const { store, processor, workspaceId, features, sampleSize, now } = options;
  const random = createSeededRandom(options.seed);
  const sample: number[][] = [];
  let seen = 0;
  let after: string | undefined;
  const limit = options.pageSize ?? 1000;
  for (;;) {
    const page = await store.scanProfiles(workspaceId, {
      limit,
      ...(after === undefined ? {} : { after }),
    });
    if (page.length === 0) break;
    await processor.visitProfiles(workspaceId, page, (profile) => {
      seen++;
      const slot = seen <= sampleSize ? seen - 1 : Math.floor(random() * seen);
      if (slot >= sampleSize) return;
      const vector = features.map((feature) => {
        const value = feature(profile, now);
        return value !== undefined && Number.isFinite(value) ? value : 0;
      });
      sample[slot] = vector;
    });
    after = page[page.length - 1]?.id;
    if (page.length < limit) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return sample;
}
