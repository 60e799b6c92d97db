import type { JsonValue } from '../json/json.js';

export type DeadLetterReason = 'invalid' | 'tracking_plan' | 'too_large';

export interface FieldError {
  /** JSON-pointer-like path of the field at fault, e.g. "batch[3].userId" or "properties.plan". */
  field: string;
  message: string;
}

export interface DeadLetter {
  id: number;
  workspaceId: string;
  receivedAt: number;
  reason: DeadLetterReason;
  errors: FieldError[];
  /** The message as received (truncated when huge). */
  payload: JsonValue;
}

export type NewDeadLetter = Omit<DeadLetter, 'id'>;

/** Messages that were refused, kept for inspection and replay. */
export interface DeadLetterStore {
  add(letters: readonly NewDeadLetter[]): Promise<void>;
  /** Newest first; `beforeId` pages backwards. */
  list(workspaceId: string, options: { limit: number; beforeId?: number }): Promise<DeadLetter[]>;
  count(workspaceId: string): Promise<number>;
  close(): Promise<void>;
}
