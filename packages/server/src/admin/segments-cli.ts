/**
 * `onramp segments …` and `onramp clusters …`: clients of the segments admin API
 * that print readable lines and tables (or the raw JSON with --json). A usage
 * mistake exits 2, a refusal of the server or an unreachable server 1.
 */
import type { CommandOutput } from './rules-cli.js';

export interface SegmentsCommandOptions {
  url: string;
  adminKey: string | undefined;
  limit?: string;
  after?: string;
  before?: string;
  json?: boolean;
}

export const segmentsUsage = `  onramp segments list | members <id> [--limit N] [--after PROFILE] | size <id>
                  | backfill [id...] | passes   [--url URL] [--admin-key KEY] [--json]
                            segments, their members and sizes, background passes
  onramp clusters run <id> | runs <id> [--limit N] [--before RUN]
                                      [--url URL] [--admin-key KEY] [--json]
                            run a clustering now, or list its runs`;

/** A mistake on the command line: printed with the usage, exit code 2. */
class CommandUsageError extends Error {}

interface Reply {
  ok: boolean;
  status: number;
  body: unknown;
}
type Json = Record<string, unknown>;

/** Runs `segments <subcommand>` or `clusters <subcommand>`; resolves to the exit code. */
export async function runSegmentsCommand(
  command: 'segments' | 'clusters',
  args: string[],
  options: SegmentsCommandOptions,
  out: CommandOutput,
): Promise<number> {
  try {
    const call = planCall(command, args, options);
    if (options.adminKey === undefined || options.adminKey === '') {
      throw new CommandUsageError('No admin key: pass --admin-key or set ONRAMP_ADMIN_KEY.');
    }
    const reply = await request(options, call.method, call.path, call.body);
    if (reply === undefined) {
      out.stderr(`Cannot reach ${options.url}.\n`);
      return 1;
    }
    if (!reply.ok) {
      out.stderr(errorText(reply));
      return 1;
    }
    if (options.json === true) {
      out.stdout(`${JSON.stringify(reply.body, null, 2)}\n`);
    } else {
      out.stdout(await call.format(reply.body as Json, options));
    }
    return call.exitCode?.(reply.body as Json) ?? 0;
  } catch (error) {
    if (!(error instanceof CommandUsageError)) throw error;
    out.stderr(`${error.message}\n\nUsage:\n${segmentsUsage}\n`);
    return 2;
  }
}

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  format: (body: Json, options: SegmentsCommandOptions) => string | Promise<string>;
  exitCode?: (body: Json) => number;
}

function planCall(command: string, args: string[], options: SegmentsCommandOptions): Call {
  const [sub, ...rest] = args;
  const one = (): string => {
    if (rest.length !== 1 || rest[0] === undefined || rest[0] === '') {
      throw new CommandUsageError(`${command} ${sub ?? ''} takes one id.`);
    }
    return encodeURIComponent(rest[0]);
  };
  const none = () => {
    if (rest.length > 0) throw new CommandUsageError(`${command} ${sub ?? ''} takes no id.`);
  };
  const limit = limitOf(options.limit);
  if (command === 'segments') {
    switch (sub) {
      case 'list':
        none();
        return { method: 'GET', path: '/segments', format: formatList };
      case 'members': {
        const query = new URLSearchParams({
          ...(limit === undefined ? {} : { limit: String(limit) }),
          ...(options.after === undefined ? {} : { after: options.after }),
        }).toString();
        const path = `/segments/${one()}/members${query === '' ? '' : `?${query}`}`;
        return { method: 'GET', path, format: formatMembers };
      }
      case 'size':
        return { method: 'GET', path: `/segments/${one()}/size`, format: formatSize };
      case 'backfill':
        return {
          method: 'POST',
          path: '/segments/backfill',
          body: rest.length === 0 ? {} : { segments: rest },
          format: (pass) => `Queued: ${passLine(pass)}\nFollow it with: onramp segments passes\n`,
        };
      case 'passes':
        none();
        return { method: 'GET', path: '/segments/passes', format: formatPasses };
    }
  } else {
    switch (sub) {
      case 'run':
        return {
          method: 'POST',
          path: `/clusterings/${one()}/runs?trigger=cli`,
          format: formatRun,
          exitCode: (run) => (run.status === 'done' ? 0 : 1),
        };
      case 'runs': {
        const query = new URLSearchParams({
          ...(limit === undefined ? {} : { limit: String(limit) }),
          ...(options.before === undefined ? {} : { before: options.before }),
        }).toString();
        const path = `/clusterings/${one()}/runs${query === '' ? '' : `?${query}`}`;
        return { method: 'GET', path, format: formatRuns };
      }
    }
  }
  throw new CommandUsageError(
    sub === undefined ? `${command} needs a subcommand.` : `Unknown command: ${command} ${sub}.`,
  );
}

function limitOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > 1000) {
    throw new CommandUsageError('--limit must be an integer from 1 to 1000.');
  }
  return limit;
}

async function request(
  options: SegmentsCommandOptions,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Reply | undefined> {
  let response: Response;
  try {
    response = await fetch(`${options.url.replace(/\/+$/, '')}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.adminKey ?? ''}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    return undefined;
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // Not JSON: shown as is.
  }
  return { ok: response.ok, status: response.status, body: parsed };
}

function errorText({ status, body }: Reply): string {
  const { code, message, errors } = (body ?? {}) as {
    code?: string;
    message?: string;
    errors?: { field: string; message: string }[];
  };
  const lines = [`${status} ${code ?? ''} ${message ?? JSON.stringify(body)}`.replace(/ +/g, ' ')];
  for (const error of errors ?? []) lines.push(`  ${error.field}: ${error.message}`);
  return `${lines.join('\n')}\n`;
}

/** Rows as columns: the first left-aligned, numbers (all digits) right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^[\d.%/]+$/.test(r[i] ?? '')),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) =>
        numeric[i] === true ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

async function formatList(body: Json, options: SegmentsCommandOptions): Promise<string> {
  const segments = (body.segments ?? []) as { id: string; name?: string }[];
  if (segments.length === 0) return `No segments in config version ${String(body.version)}.\n`;
  // One size request per segment: lists are short, and sizes have no bulk route.
  const sizes = await Promise.all(
    segments.map(async ({ id }) => {
      const reply = await request(options, 'GET', `/segments/${encodeURIComponent(id)}/size`);
      const size = (reply?.body as Json | undefined)?.size;
      return reply?.ok === true && typeof size === 'number' ? String(size) : '?';
    }),
  );
  const rows = segments.map((s, i) => [s.id, sizes[i] ?? '?', s.name ?? '']);
  return `${table(['segment', 'members', 'name'], rows)}\n\n${segments.length} segments, config version ${String(body.version)}\n`;
}

function formatMembers(body: Json): string {
  const members = (body.members ?? []) as { profileId: string; userId?: string; since: string }[];
  if (members.length === 0) return 'No members.\n';
  const rows = members.map((m) => [m.profileId, m.userId ?? '', m.since]);
  const next = body.nextAfter === undefined ? '' : `\nMore: --after ${String(body.nextAfter)}\n`;
  return `${table(['profile', 'user', 'since'], rows)}\n${next}`;
}

function formatSize(body: Json): string {
  return `${String(body.segment)}: ${String(body.size)} members (config version ${String(body.version)})\n`;
}

function passLine(pass: Json): string {
  const targets = [
    ...((pass.segments as string[] | undefined) ?? []),
    ...((pass.cohorts as string[] | undefined) ?? []),
    ...(pass.clustering === undefined ? [] : [String(pass.clustering)]),
  ];
  const target = targets.length === 0 ? 'all' : targets.join(', ');
  return `pass ${String(pass.id)} ${String(pass.kind)} of ${target} (${String(pass.reason)}, version ${String(pass.version)}): ${String(pass.state)}`;
}

function formatPasses(body: Json): string {
  const passes = (body.passes ?? []) as Json[];
  if (passes.length === 0) return 'No background passes.\n';
  const rows = passes.map((p) => [
    String(p.id),
    String(p.kind),
    String(p.state),
    `${String(p.scanned)}/${String(p.total)}`,
    String(p.changed),
    String(p.entered),
    String(p.exited),
    [
      ...((p.segments as string[] | undefined) ?? []),
      ...((p.cohorts as string[] | undefined) ?? []),
    ]
      .concat(p.clustering === undefined ? [] : [String(p.clustering)])
      .join(',') || 'all',
    `${String(p.reason)}${p.error === undefined ? '' : `: ${String(p.error)}`}`,
  ]);
  return `${table(['id', 'kind', 'state', 'scanned', 'changed', 'entered', 'exited', 'target', 'reason'], rows)}\n`;
}

function formatRun(run: Json): string {
  const head = `Clustering ${String(run.clusteringId)} run ${String(run.run)}: ${String(run.status)}`;
  if (run.status !== 'done') return `${head}: ${String(run.error)}\n`;
  const clusters = (run.clusters ?? []) as {
    label: string;
    size: number;
    share: number;
    distinguishing: { feature: string; z: number }[];
  }[];
  const rows = clusters.map((c) => [
    c.label,
    String(c.size),
    `${(c.share * 100).toFixed(1)}%`,
    c.distinguishing.length === 0
      ? '(close to the population mean)'
      : c.distinguishing
          .map((d) => `${d.feature} ${d.z >= 0 ? '+' : ''}${d.z.toFixed(1)}σ`)
          .join(', '),
  ]);
  return [
    `${head}, k=${String(run.k)}, ${String(run.sampled)} of ${String(run.population)} profiles sampled`,
    '',
    table(['cluster', 'size', 'share', 'distinguishing features'], rows),
    '',
    'Labels are written to profiles in the background: onramp segments passes',
    '',
  ].join('\n');
}

function formatRuns(body: Json): string {
  const runs = (body.runs ?? []) as Json[];
  if (runs.length === 0) return 'No runs.\n';
  const rows = runs.map((r) => [
    String(r.run),
    String(r.status),
    String(r.k),
    String(r.sampled),
    String(r.trigger),
    String(r.startedAt),
    r.error === undefined ? '' : String(r.error),
  ]);
  const next = body.nextBefore === undefined ? '' : `\nMore: --before ${String(body.nextBefore)}\n`;
  return `${table(['run', 'status', 'k', 'sampled', 'trigger', 'started', 'error'], rows)}\n${next}`;
}
