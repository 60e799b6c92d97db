import { readFileSync } from 'node:fs';

/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) this reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }[];
}

export interface CpuCost {
  /** `function file:line`, a file, or a V8 pseudo-frame such as `(garbage collector)`. */
  name: string;
  /** Share of the busy samples (all but idle), 0..1. */
  share: number;
}

export interface CpuProfileSummary {
  functions: CpuCost[];
  files: CpuCost[];
  /** Samples that were not idle; the thread that did the work has the most. */
  busySamples: number;
  totalSamples: number;
}

/**
 * Self time of a CPU profile, by function and by file, largest first. Paths are
 * shown relative to `root` (and from node_modules/ for dependencies).
 */
export function summarizeCpuProfile(path: string, top = 15, root = ''): CpuProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += hits;
    const file = shortFile(url, root);
    const name =
      file === ''
        ? `(${functionName || 'native'})`.replace(/^\(\((.*)\)\)$/, '($1)')
        : `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
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
    files: rank(byFile),
    busySamples: busy,
    totalSamples: total,
  };
}

function shortFile(url: string, root: string): string {
  let file = url.replace(/^file:\/\//, '');
  if (root !== '' && file.startsWith(root)) file = file.slice(root.length);
  const modules = file.lastIndexOf('node_modules/');
  return modules === -1 ? file : file.slice(modules);
}
