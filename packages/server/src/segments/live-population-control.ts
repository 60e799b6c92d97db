import { LivePopulation } from '@onramp/core';
import type { PopulationControl } from './population-control.js';

/** A workspace's live population: core's LivePopulation (cohort sketches, cluster models). */
export function createLivePopulation(): PopulationControl {
  return new LivePopulation();
}
