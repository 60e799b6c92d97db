import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Value } from '@sinclair/typebox/value';
import {
  WorkspaceSettingsSchema,
  addAnonymousId,
  applyEvent,
  compileProfilePlan,
  createProfile,
  settledHeap,
  type OnrampEvent,
  type ProfileState,
  type WorkspaceSettings,
} from '@onramp/core';
import { createOnboardingHistories, onboardingEventsPerProfile } from './onboarding-events.js';

export interface ProfileMemory {
  profiles: number;
  eventsPerProfile: number;
  /** Heap per profile with its identity links (u:userId, a:anonymousId → profile id). */
  bytesPerProfile: number;
  /** Heap per profile, the profile state alone. */
  stateBytesPerProfile: number;
  buildSeconds: number;
}

/**
 * Bytes of hot state per active profile, in this process: builds `count`
 * profiles with the core's createProfile/applyEvent and default settings, each
 * from a 30-event onboarding history read from JSON as the log stores it, kept
 * as the processor keeps them (profiles by id, identity links), then compares
 * the settled heap before and after.
 */
export function measureProfileMemory(count: number): ProfileMemory {
  const settings = Value.Default(WorkspaceSettingsSchema, {}) as WorkspaceSettings;
  const plan = compileProfilePlan(settings.profiles);
  const historyOf = createOnboardingHistories();
  const endAt = Date.now();
  const profiles = new Map<string, ProfileState>();
  // As the processor's ProfileCache keeps links: one map per kind, keyed by the raw id
  // string the profile itself holds.
  const users = new Map<string, string>();
  const anonymous = new Map<string, string>();

  const before = settledHeap();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const events = historyOf(i, endAt);
    const profile = createProfile(randomUUID(), (events[0] as OnrampEvent).receivedAt);
    for (const event of events) {
      if (event.userId !== undefined && profile.userId === undefined) {
        profile.userId = event.userId;
        users.set(event.userId, profile.id);
      }
      if (event.anonymousId !== undefined && profile.anonymousIds.length === 0) {
        addAnonymousId(profile, event.anonymousId, 25);
        anonymous.set(event.anonymousId, profile.id);
      }
      applyEvent(profile, event, plan, event.receivedAt);
    }
    profiles.set(profile.id, profile);
  }
  const buildSeconds = (performance.now() - started) / 1000;
  const withLinks = settledHeap() - before;
  users.clear();
  anonymous.clear();
  const stateOnly = settledHeap() - before;
  if (profiles.size !== count)
    throw new Error(`built ${profiles.size} profiles, expected ${count}`);
  return {
    profiles: count,
    eventsPerProfile: onboardingEventsPerProfile,
    bytesPerProfile: withLinks / count,
    stateBytesPerProfile: stateOnly / count,
    buildSeconds,
  };
}
