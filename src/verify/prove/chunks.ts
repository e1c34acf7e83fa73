// A whole proof run in child processes, one per configuration and class. Z3's WASM heap
// only grows (2 GB at most) and its async solver runs on a worker thread that JS
// finalizers can race with; a run of thousands of obligations in one process ends in an
// out-of-memory abort or a corrupted heap sooner or later. A child per chunk starts clean;
// a chunk whose child dies is run once more, then reported as `unknown`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config.ts';
import type { ProofClass } from './cases.ts';
import type { Obligation } from './obligation.ts';
import type { Counts, ProveReport } from './index.ts';

const CLI = fileURLToPath(new URL('../../../bin/jitgen.js', import.meta.url));

export interface ChunkOptions {
  design: string;
  configs: readonly Config[];
  classes: readonly ProofClass[];
  timeoutMs: number;
  match?: string;
  jobs: number;
  progress?: (done: number, total: number, last: Obligation[], what: string) => void;
}

interface Chunk {
  config: Config;
  klass: ProofClass;
  /** k of n: every n-th case of the class, when the whole class is too big for one process. */
  part?: [number, number];
}

/** A chunk whose process died twice is run again in this many parts (Z3's WASM heap is 2 GB). */
const SPLIT = 4;

/** Run `jitgen prove --json` for one chunk in a child; undefined when the child died. */
function runChild(o: ChunkOptions, c: Chunk): Promise<ProveReport | string> {
  const args = [CLI, 'prove', '--json', '--in-process', '--no-lemmas', '--cex-dir', '', '--design', o.design, '--configs', c.config.id, '--class', c.klass, '--timeout', String(o.timeoutMs / 1000)];
  if (o.match) args.push('--match', o.match);
  if (c.part) args.push('--part', `${c.part[0]}/${c.part[1]}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as ProveReport);
      } catch {
        const last = err.split(/[\r\n]/).filter((l) => /Error|error/.test(l)).pop() ?? 'no output';
        resolve(last.trim().slice(0, 300));
      }
    });
  });
}

/** A chunk's obligations; a chunk whose process dies twice is run again in parts. */
async function runOrSplit(o: ChunkOptions, c: Chunk): Promise<Obligation[][]> {
  let r = await runChild(o, c);
  if (typeof r === 'string') r = await runChild(o, c);
  if (typeof r !== 'string') return [r.obligations];
  if (!c.part) {
    const parts: Obligation[][] = [];
    for (let k = 0; k < SPLIT; k++) parts.push(...(await runOrSplit(o, { ...c, part: [k, SPLIT] })));
    return parts;
  }
  const what = `${c.klass} (part ${c.part[0] + 1} of ${c.part[1]})`;
  return [[{ name: what, config: c.config.id, path: 'all paths', status: 'unknown', ms: 0, reason: `the prover's process died twice: ${r}` }]];
}

export async function proveInChunks(o: ChunkOptions): Promise<ProveReport> {
  const t0 = Date.now();
  const chunks: Chunk[] = o.configs.flatMap((config) => o.classes.map((klass) => ({ config, klass })));
  const report: ProveReport = { proved: 0, failed: 0, unknown: 0, obligations: [], byClass: {}, ms: 0 };
  const results: Obligation[][] = new Array(chunks.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= chunks.length) return;
      const c = chunks[i]!;
      const obs: Obligation[] = [];
      for (const part of await runOrSplit(o, c)) obs.push(...part);
      results[i] = obs;
      o.progress?.(++done, chunks.length, obs, `${c.config.id} ${c.klass}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, worker));
  chunks.forEach((c, i) => {
    for (const ob of results[i]!) {
      report.obligations.push(ob);
      report[ob.status]++;
      const byConfig = (report.byClass[c.klass] ??= {});
      const n: Counts = (byConfig[ob.config] ??= { proved: 0, failed: 0, unknown: 0 });
      n[ob.status]++;
    }
  });
  report.ms = Date.now() - t0;
  return report;
}
