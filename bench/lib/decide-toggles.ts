import { liveContentOf, type ToggleSide } from './decide-config.js';

/** A toggle event sent and not yet seen pushed. */
interface Outstanding {
  content: string;
  sentAt: number;
  /** Sent after the warm-up: its latency is a sample. */
  measured: boolean;
}

/**
 * Matches pushed decisions of one user's `live` placement to the toggle events
 * that caused them. Toggles alternate the content (`live-a`, `live-b`), and at
 * most two are outstanding, so a pushed content names the toggles it reflects:
 * the latest outstanding one showing that content and every one before it (a
 * push may coalesce two changes).
 */
export class ToggleTracker {
  private readonly outstanding: Outstanding[] = [];
  private current: string | undefined;
  private primed = false;

  /** The most toggles in flight per user; more would make a pushed content ambiguous. */
  static readonly maxOutstanding = 2;

  /** The first (full) message arrived: the stream is open and its live content known. */
  prime(content: string | undefined): void {
    this.primed = true;
    this.current = content;
  }

  get isPrimed(): boolean {
    return this.primed;
  }

  /** Toggles sent whose push has not arrived; `measuredOnly` counts the samples-to-be only. */
  pending(measuredOnly = false): number {
    return measuredOnly
      ? this.outstanding.filter((toggle) => toggle.measured).length
      : this.outstanding.length;
  }

  /**
   * The side of the next toggle (the other content than the one expected last),
   * or undefined when too many are in flight: send something else then.
   */
  nextSide(): ToggleSide | undefined {
    if (this.outstanding.length >= ToggleTracker.maxOutstanding) return undefined;
    const last = this.outstanding.at(-1)?.content ?? this.current;
    return last === liveContentOf('a') ? 'b' : 'a';
  }

  /** Records a toggle of `side` written at `sentAt` (ms, performance.now()). */
  sent(side: ToggleSide, sentAt: number, measured: boolean): void {
    this.outstanding.push({ content: liveContentOf(side), sentAt, measured });
  }

  /**
   * A push showing `content` in the live placement arrived at `arrivedAt`; returns
   * the latencies (ms) of the measured toggles it reflects.
   */
  pushed(content: string | undefined, arrivedAt: number): number[] {
    this.current = content;
    let last = -1;
    for (let i = 0; i < this.outstanding.length; i++) {
      if (this.outstanding[i]?.content === content) last = i;
    }
    const samples: number[] = [];
    for (const toggle of this.outstanding.splice(0, last + 1)) {
      if (toggle.measured) samples.push(arrivedAt - toggle.sentAt);
    }
    return samples;
  }
}

/** The content id of the live placement in a pushed `decisions` message; null: not in it. */
export function liveContentIn(data: string, placement: string): string | undefined | null {
  const message = JSON.parse(data) as {
    decisions?: Record<string, { content?: { id?: unknown } | null } | null>;
  };
  const decisions = message.decisions ?? {};
  if (!Object.hasOwn(decisions, placement)) return null;
  const id = decisions[placement]?.content?.id;
  return typeof id === 'string' ? id : undefined;
}
