import { readFileSync } from 'node:fs';
import { createSourceLineResolver } from './source-lines.js';

/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) this reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
    children?: number[];
  }[];
}

export interface CpuCost {
  /** `function file:line`, a file, or a V8 pseudo-frame such as `(garbage collector)`. */
  name: string;
  /** Share of the busy samples (all but idle), 0..1. */
  share: number;
}

export interface CpuProfileSummary {
  /** Self time. */
  functions: CpuCost[];
  /** Total time (callees included) of the functions of the repository's packages/. */
  ownTotals: CpuCost[];
  files: CpuCost[];
  /** Samples that were not idle; the thread that did the work has the most. */
  busySamples: number;
  totalSamples: number;
}

/**
 * Self time of a CPU profile by function and by file, and total time of the
 * repository's own functions, largest first. Paths are shown relative to
 * `root` (and from node_modules/ for dependencies).
 */
export function summarizeCpuProfile(path: string, top = 15, root = ''): CpuProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const sourceLine = createSourceLineResolver();
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += hits;
    const file = shortFile(url, root);
    const name = nameOf(node.callFrame);
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    const fileKey = file === '' ? name : file;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + hits);
  }
  const rank = (costs: Map<string, number>) =>
    [...costs]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, share: busy === 0 ? 0 : hits / busy }));
  return {
    functions: rank(byFunction),
    ownTotals: rank(ownTotals(profile, nameOf)),
    files: rank(byFile),
    busySamples: busy,
    totalSamples: total,
  };

  function nameOf(frame: CpuProfile['nodes'][number]['callFrame']): string {
    const { functionName, url, lineNumber, columnNumber } = frame;
    const file = shortFile(url, root);
    return file === ''
      ? `(${functionName || 'native'})`.replace(/^\(\((.*)\)\)$/, '($1)')
      : `${functionName || '(anonymous)'} ${file}:${lineOf(url, lineNumber, columnNumber)}`;
  }

  function lineOf(url: string, line: number, column: number): number {
    const path = url.replace(/^file:\/\//, '');
    return (line === 0 ? sourceLine(path, column) : undefined) ?? line + 1;
  }
}

/** Samples under each function of packages/ (each sample counted once per function, recursion aside). */
function ownTotals(
  profile: CpuProfile,
  nameOf: (frame: CpuProfile['nodes'][number]['callFrame']) => string,
): Map<string, number> {
  const parents = new Map<number, number>();
  const byId = new Map<number, CpuProfile['nodes'][number]>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parents.set(child, node.id);
  }
  const totals = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parents.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (frame === undefined || !frame.url.includes('/packages/')) continue;
      const name = nameOf(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      totals.set(name, (totals.get(name) ?? 0) + hits);
    }
  }
  return totals;
}

function shortFile(url: string, root: string): string {
  let file = url.replace(/^file:\/\//, '');
  if (root !== '' && file.startsWith(root)) file = file.slice(root.length);
  const modules = file.lastIndexOf('node_modules/');
  return modules === -1 ? file : file.slice(modules);
}
