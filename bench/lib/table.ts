/** One line of a benchmark report. */
export interface ResultRow {
  measurement: string;
  value: number;
  unit: string;
  /** e.g. "≥ 100 000" */
  target?: string;
  /** Whether the target is met; undefined when there is none. */
  met?: boolean;
  /** Free text: a ratio to a peer, the sample size… */
  note?: string;
}

/** Thousands separated by thin spaces; fewer decimals as values grow. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const [whole = '', fraction] = value.toFixed(digits).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** A plain-text table: numbers right-aligned, text left-aligned. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const numeric = headers.map((_, column) =>
    rows.every((row) => /^[-−]?[\d .,]+%?$/.test(row[column] ?? '') || (row[column] ?? '') === ''),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return numeric[column] === true ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '─'.repeat(width)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** The report table of a suite's rows. */
export function formatResultRows(rows: readonly ResultRow[]): string {
  return formatTable(
    ['measurement', 'value', 'unit', 'target', 'status', 'note'],
    rows.map((row) => [
      row.measurement,
      formatNumber(row.value),
      row.unit,
      row.target ?? '',
      row.met === undefined ? '' : row.met ? 'ok' : 'MISSED',
      row.note ?? '',
    ]),
  );
}
