import { readFileSync } from 'node:fs';

/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) this reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }[];
  startTime: number;
  endTime: number;
}

export interface CpuCost {
  /** `function (file:line)` or a file. */
  name: string;
  /** Share of all samples, 0..1 (idle and GC included in the total). */
  share: number;
}

/** Self time of a CPU profile aggregated by function and by file, largest first. */
export function summarizeCpuProfile(
  path: string,
  top = 15,
  root = '',
): { functions: CpuCost[]; files: CpuCost[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = shortFile(url, root);
    const name =
      file === ''
        ? `(${functionName || 'native'})`
        : `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    const fileKey = file === '' ? `(${functionName || 'native'})` : file;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + hits);
  }
  const rank = (costs: Map<string, number>) =>
    [...costs]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, share: total === 0 ? 0 : hits / total }));
  return { functions: rank(byFunction), files: rank(byFile) };
}

function shortFile(url: string, root: string): string {
  let file = url.replace(/^file:\/\//, '');
  if (root !== '' && file.startsWith(root)) file = file.slice(root.length);
  const modules = file.lastIndexOf('node_modules/');
  return modules === -1 ? file : file.slice(modules);
}
