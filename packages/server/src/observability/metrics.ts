import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BatchedCounter, BatchedHistogram } from './batched-metrics.js';

/** Every Prometheus metric of one engine, in its own registry (no global singletons). */
export interface EngineMetrics {
  registry: Registry;
  /** outcome: accepted | duplicate | rejected | no_consent | flagged */
  ingestEvents: Counter<'outcome'>;
  ingestRequests: Counter<'route' | 'status'>;
  ingestDuration: Histogram<'route'>;
  appendDuration: Histogram;
  processedEvents: Counter;
  logLag: Gauge<'partition'>;
  /** Profiles changed in memory and not committed yet (what a crash would replay). */
  profilesDirty: Gauge;
  /** outcome: ok | failed */
  profileFlushes: Counter<'outcome'>;
  profileFlushDuration: Histogram;
  pushConnections: Gauge;
  pushMessages: Counter;
  eventToPush: Histogram;
  processorErrors: Counter;
  ruleFirings: Counter<'rule'>;
  ruleSuppressions: Counter<'rule' | 'reason'>;
  rulePublishes: Counter<'source'>;
  timersFired: Counter;
  timersPending: Gauge;
  segmentChanges: Counter<'segment' | 'on'>;
  segmentPassProfiles: Counter<'kind'>;
  clusteringRuns: Counter<'status'>;
  segmentMembers: Gauge<'workspace' | 'segment'>;
  /** surface: http | push */
  decideRequests: Counter<'surface'>;
  decideDuration: Histogram;
  /** reason: rule | flow | experiment | default | none */
  decisions: Counter<'placement' | 'reason'>;
  /** kind: missing-data | render-error (a template that failed; the placement fell back) */
  templateFailures: Counter<'content' | 'kind'>;
  /** interaction: shown | clicked | dismissed | completed */
  contentInteractions: Counter<'content' | 'interaction'>;
  flowSteps: Counter<'flow' | 'step' | 'event'>;
  flowsCompleted: Counter<'flow'>;
  decisionConnections: Gauge<'transport'>;
  decisionPushes: Counter<'transport'>;
  eventToDecisionPush: Histogram;
}

export function createEngineMetrics(options: { defaultMetrics?: boolean } = {}): EngineMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'onramp_' });
  const registers = [registry];
  const fast = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
  return {
    registry,
    ingestEvents: new BatchedCounter({
      name: 'onramp_ingest_events_total',
      help: 'Events received by ingest, by outcome.',
      labelNames: ['outcome'],
      registers,
    }),
    ingestRequests: new Counter({
      name: 'onramp_ingest_requests_total',
      help: 'Ingest HTTP requests by route and status code.',
      labelNames: ['route', 'status'],
      registers,
    }),
    ingestDuration: new Histogram({
      name: 'onramp_ingest_request_duration_seconds',
      help: 'Ingest request latency, from parsed body to acknowledgement (durable).',
      labelNames: ['route'],
      buckets: fast,
      registers,
    }),
    appendDuration: new BatchedHistogram({
      name: 'onramp_log_append_duration_seconds',
      help: 'Time to commit events to the log (group commit included).',
      buckets: fast,
      registers,
    }),
    processedEvents: new BatchedCounter({
      name: 'onramp_processor_events_total',
      help: 'Events applied to profiles by the processor.',
      registers,
    }),
    logLag: new Gauge({
      name: 'onramp_log_lag_events',
      help: 'Offsets between the head of each log partition and the processor.',
      labelNames: ['partition'],
      registers,
    }),
    pushConnections: new Gauge({
      name: 'onramp_push_connections',
      help: 'Open realtime (SSE) connections.',
      registers,
    }),
    pushMessages: new BatchedCounter({
      name: 'onramp_push_messages_total',
      help: 'Messages pushed to realtime connections.',
      registers,
    }),
    eventToPush: new BatchedHistogram({
      name: 'onramp_event_to_push_seconds',
      help: 'From an event being received to its profile change being pushed.',
      buckets: fast,
      registers,
    }),
    processorErrors: new Counter({
      name: 'onramp_processor_errors_total',
      help: 'Events the processor could not apply (logged with the offset).',
      registers,
    }),
    ruleFirings: new Counter({
      name: 'onramp_rule_firings_total',
      help: 'Rule firings, by rule id (replays after a crash may count a firing again).',
      labelNames: ['rule'],
      registers,
    }),
    ruleSuppressions: new Counter({
      name: 'onramp_rule_suppressed_total',
      help: 'Triggered rules whose condition held but a constraint stopped, by rule and reason.',
      labelNames: ['rule', 'reason'],
      registers,
    }),
    rulePublishes: new Counter({
      name: 'onramp_rule_config_publishes_total',
      help: 'Rule config versions published, by source (file | api).',
      labelNames: ['source'],
      registers,
    }),
    segmentChanges: new Counter({
      name: 'onramp_segment_membership_changes_total',
      help: 'Profiles entering or leaving a segment or cohort band, by segment and direction.',
      labelNames: ['segment', 'on'],
      registers,
    }),
    segmentPassProfiles: new Counter({
      name: 'onramp_segment_pass_profiles_total',
      help: 'Profiles visited by background passes (back-fill, rank, re-band, rebuild, label).',
      labelNames: ['kind'],
      registers,
    }),
    segmentMembers: new Gauge({
      name: 'onramp_segment_members',
      help: 'Members of each segment and cohort band, as last sampled (every minute).',
      labelNames: ['workspace', 'segment'],
      registers,
    }),
    clusteringRuns: new Counter({
      name: 'onramp_clustering_runs_total',
      help: 'Clustering runs, by outcome (done | failed).',
      labelNames: ['status'],
      registers,
    }),
    decideRequests: new BatchedCounter({
      name: 'onramp_decide_requests_total',
      help: 'Decide calls, by surface (http | push).',
      labelNames: ['surface'],
      registers,
    }),
    decideDuration: new BatchedHistogram({
      name: 'onramp_decide_duration_seconds',
      help: 'Time to decide one request (profile lookup, decide, render).',
      buckets: fast,
      registers,
    }),
    decisions: new BatchedCounter({
      name: 'onramp_decisions_total',
      help: 'Decisions returned or pushed, by placement and source (rule | flow | experiment | default | none).',
      labelNames: ['placement', 'reason'],
      registers,
    }),
    templateFailures: new Counter({
      name: 'onramp_template_failures_total',
      help: 'Content that could not be shown (the placement fell back), by content and kind.',
      labelNames: ['content', 'kind'],
      registers,
    }),
    contentInteractions: new Counter({
      name: 'onramp_content_interactions_total',
      help: 'Interaction events applied (Content Shown, Clicked, Dismissed, Completed), by content.',
      labelNames: ['content', 'interaction'],
      registers,
    }),
    flowSteps: new Counter({
      name: 'onramp_flow_steps_total',
      help: 'Flow steps reached, completed, skipped or dismissed by profiles, by flow and step.',
      labelNames: ['flow', 'step', 'event'],
      registers,
    }),
    flowsCompleted: new Counter({
      name: 'onramp_flows_completed_total',
      help: 'Profiles that completed a flow.',
      labelNames: ['flow'],
      registers,
    }),
    decisionConnections: new Gauge({
      name: 'onramp_decision_connections',
      help: 'Open decision streams, by transport (sse | websocket).',
      labelNames: ['transport'],
      registers,
    }),
    decisionPushes: new BatchedCounter({
      name: 'onramp_decision_pushes_total',
      help: 'Changed decisions pushed to open connections, by transport.',
      labelNames: ['transport'],
      registers,
    }),
    eventToDecisionPush: new BatchedHistogram({
      name: 'onramp_event_to_decision_push_seconds',
      help: 'From an event being received to the decision it changed being written to a connection.',
      buckets: fast,
      registers,
    }),
    profilesDirty: new Gauge({
      name: 'onramp_profiles_dirty',
      help: 'Profiles changed in memory and not committed yet: a crash replays their events from the log.',
      registers,
    }),
    profileFlushes: new Counter({
      name: 'onramp_profile_flushes_total',
      help: 'Commits of changed profiles with the log offsets they include, by outcome (ok | failed; a failed one is retried).',
      labelNames: ['outcome'],
      registers,
    }),
    profileFlushDuration: new Histogram({
      name: 'onramp_profile_flush_duration_seconds',
      help: 'From a flush being asked for to its commit (a flush under way waited for included), events being applied meanwhile.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    timersFired: new Counter({
      name: 'onramp_timers_fired_total',
      help: 'Time triggers that fired.',
      registers,
    }),
    timersPending: new Gauge({
      name: 'onramp_timers_scheduled',
      help: 'Time triggers due within the scheduler horizon, held in memory.',
      registers,
    }),
  };
}
