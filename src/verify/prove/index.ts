// `jitgen prove`: every plan route of a design, in every configuration asked for, proved
// equal to the BPF semantics (obligation.ts), plus the lemmas the proofs rely on.
import { makeSymbolic, type Symbolic } from '../../bv/symbolic.ts';
import type { Config } from '../../config.ts';
import type { Design } from '../../jit/design.ts';
import { CLASSES, proofCases, type ProofCase, type ProofClass } from './cases.ts';
import { proveProductLemma } from './lemmas.ts';
import { proveCoreSequences } from './core-seqs.ts';
import { collectGarbage } from './gc.ts';
import { proveCase, type Obligation, type Status } from './obligation.ts';

export { CLASSES, proofCases, type ProofCase, type ProofClass } from './cases.ts';
export { proveInChunks } from './chunks.ts';
export { proveProductLemma } from './lemmas.ts';
export type { Obligation, Counterexample, Status } from './obligation.ts';

export interface ProveOptions {
  design: Design;
  configs: readonly Config[];
  classes?: ReadonlySet<ProofClass>;
  /** Per-obligation solver limit; a stall becomes `unknown`. */
  timeoutMs: number;
  /** Keep only some cases (tests, mutants). */
  filter?: (c: ProofCase) => boolean;
  /** Skip the lemmas (they do not depend on the design). */
  skipLemmas?: boolean;
  progress?: (done: number, total: number, last: Obligation[]) => void;
  sym?: Symbolic;
}

export interface Counts {
  proved: number;
  failed: number;
  unknown: number;
}

export interface ProveReport extends Counts {
  obligations: Obligation[];
  /** Counts per class and configuration (`lemma` for the lemmas). */
  byClass: Record<string, Record<string, Counts>>;
  ms: number;
}

export async function proveDesign(opts: ProveOptions): Promise<ProveReport> {
  const t0 = Date.now();
  const sym = opts.sym ?? (await makeSymbolic());
  const classes = opts.classes ?? new Set(CLASSES);
  const cases = proofCases(classes).filter(opts.filter ?? (() => true));
  const report: ProveReport = { proved: 0, failed: 0, unknown: 0, obligations: [], byClass: {}, ms: 0 };
  const count = (klass: string, o: Obligation) => {
    report.obligations.push(o);
    report[o.status]++;
    const byConfig = (report.byClass[klass] ??= {});
    const c = (byConfig[o.config] ??= { proved: 0, failed: 0, unknown: 0 });
    c[o.status]++;
  };
  if (!opts.skipLemmas) {
    for (const l of await proveProductLemma(opts.timeoutMs)) {
      count('lemma', { name: l.name, config: 'all', path: 'only path', status: l.status, ms: l.ms });
    }
  }
  const core = classes.has('core') && !opts.filter;
  const total = (cases.length + (core ? 1 : 0)) * opts.configs.length;
  let done = 0;
  for (const config of opts.configs) {
    if (core) {
      const obs = await proveCoreSequences(sym, opts.design, config, opts.timeoutMs);
      for (const o of obs) count('core', o);
      opts.progress?.(++done, total, obs);
    }
    for (const c of cases) {
      const obs = await proveCase(sym, opts.design, config, c, { timeoutMs: opts.timeoutMs });
      for (const o of obs) count(c.class, o);
      opts.progress?.(++done, total, obs);
    }
  }
  // between calls (tests run many small ones in one process): free what Z3 can free
  await collectGarbage();
  report.ms = Date.now() - t0;
  return report;
}

/** Worst status first, for sorting and exit codes. */
export function worst(a: Status, b: Status): Status {
  if (a === 'failed' || b === 'failed') return 'failed';
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return 'proved';
}
