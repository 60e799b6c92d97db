/**
 * The one check every store's paged read makes: a page size is a non-negative safe
 * integer and a cursor, when given, a number (not NaN). Throws RangeError.
 */
export function checkPage(limit: number, cursor: number | undefined): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`invalid limit ${limit}`);
  if (cursor !== undefined && (typeof cursor !== 'number' || Number.isNaN(cursor))) {
    throw new RangeError(`invalid cursor ${String(cursor)}`);
  }
}
