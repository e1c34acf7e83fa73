// `jitgen fuzz` for one configuration: generate, run both ways, count, and shrink and
// save the mismatches. Deterministic for a seed: case i is generated from
// caseSeed(seed, i), the same in every configuration.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Config, ConfigId } from '../config.ts';
import type { Design } from '../jit/design.ts';
import { caseSize, caseToJson, type FuzzCase } from './case.ts';
import { caseProblem } from './defined.ts';
import { generateCase, type GenOptions } from './gen.ts';
import { runCase, type OracleContext, type Verdict } from './oracle.ts';
import { caseSeed } from './rng.ts';
import { shrinkCase } from './shrink.ts';

export interface FuzzOptions {
  cases: number;
  /** Index of the first case (default 0): a run can be split into batches. */
  first?: number;
  seed: number;
  config: Config;
  design: Design;
  harden?: boolean;
  gen?: GenOptions;
  /** Where reproducers are written (none: not saved). */
  saveDir?: string;
  /** Shrink at most this many mismatches (default 5); the rest are counted and listed. */
  maxShrink?: number;
  imageFor?: OracleContext['imageFor'];
  progress?: (line: string) => void;
}

export interface FuzzFailure {
  id: string;
  config: ConfigId;
  expected: number | null;
  got: number | null;
  reason: string;
  /** Instructions before and after shrinking. */
  size: number;
  shrunkSize?: number;
  reproducer?: string;
}

export interface FuzzConfigResult {
  passed: number;
  failed: number;
  skipped: number;
  declined: number;
  seconds: number;
}

/** The JSON of `jitgen fuzz`: the verify shape plus declines and throughput. */
export interface FuzzResult {
  passed: number;
  failed: number;
  skipped: number;
  declined: number;
  configs: Partial<Record<ConfigId, FuzzConfigResult>>;
  failures: FuzzFailure[];
  skips: { id: string; reason: string }[];
  /** Decline reasons with their counts, per configuration. */
  declines: Partial<Record<ConfigId, Record<string, number>>>;
  /** Cases per second (all verdicts counted), per configuration. */
  programs_per_second: Partial<Record<ConfigId, number>>;
}

/** A saved mismatch: enough to replay it (test/regressions/replay.test.ts). */
export interface Reproducer {
  id: string;
  design: string;
  config: ConfigId;
  hardenSeed: number | null;
  expected: number | null;
  got: number | null;
  reason: string;
  foundBy: string;
  case: ReturnType<typeof caseToJson>;
}

const PROGRESS_EVERY_MS = 5000;

/** The identity of case `index` of a run seeded `seed`. */
export const caseId = (seed: number, index: number): string => `fuzz:${seed}:${index}`;

/** The blinding seed of case `index` (`--harden`). */
export const hardenSeedFor = (seed: number, index: number): number => caseSeed(seed ^ 0x5eed, index);

/** The oracle context of case `index`. */
function oracleFor(opts: FuzzOptions, index: number): OracleContext {
  return {
    design: opts.design,
    config: opts.config,
    hardenSeed: opts.harden ? hardenSeedFor(opts.seed, index) : undefined,
    imageFor: opts.imageFor,
  };
}

const stillFails = (ctx: OracleContext) => (c: FuzzCase): boolean => runCase(c, ctx).kind === 'mismatch';

export function fuzzConfig(opts: FuzzOptions): FuzzResult {
  const cfg = opts.config.id;
  const counts: FuzzConfigResult = { passed: 0, failed: 0, skipped: 0, declined: 0, seconds: 0 };
  const failures: FuzzFailure[] = [];
  const skips: { id: string; reason: string }[] = [];
  const declines: Record<string, number> = {};
  const progress = opts.progress ?? (() => {});
  const started = Date.now();
  let last = started;
  let shrunk = 0;
  const first = opts.first ?? 0;
  for (let i = first; i < first + opts.cases; i++) {
    const id = caseId(opts.seed, i);
    const c = generateCase(caseSeed(opts.seed, i), opts.gen);
    const problem = caseProblem(c);
    const ctx = oracleFor(opts, i);
    const v: Verdict = problem ? { kind: 'invalid', reason: `generator: ${problem}` } : runCase(c, ctx, id);
    switch (v.kind) {
      case 'match':
        counts.passed++;
        break;
      case 'declined':
        counts.declined++;
        declines[v.reason] = (declines[v.reason] ?? 0) + 1;
        break;
      case 'invalid':
        counts.skipped++;
        skips.push({ id, reason: v.reason });
        break;
      case 'mismatch': {
        counts.failed++;
        const f: FuzzFailure = { id, config: cfg, expected: v.expected, got: v.got, reason: v.reason, size: caseSize(c) };
        if (shrunk < (opts.maxShrink ?? 5)) {
          shrunk++;
          progress(`fuzz: ${cfg}: ${id} mismatches (${v.reason}); shrinking ${f.size} instructions`);
          const { shrunk: small } = shrinkCase(c, stillFails(ctx));
          f.shrunkSize = caseSize(small);
          if (opts.saveDir) f.reproducer = saveReproducer(opts, id, ctx, small, `jitgen fuzz --seed ${opts.seed} --configs ${cfg} --design ${opts.design.name}${opts.harden ? ' --harden' : ''} (case ${i})`);
        }
        failures.push(f);
        break;
      }
    }
    const now = Date.now();
    if (now - last >= PROGRESS_EVERY_MS) {
      last = now;
      const rate = (i - first + 1) / ((now - started) / 1000);
      progress(`fuzz: ${cfg}: ${i - first + 1}/${opts.cases} programs, ${rate.toFixed(0)}/s, ${counts.failed} mismatches, ${counts.declined} declined`);
    }
  }
  counts.seconds = Math.round((Date.now() - started) / 100) / 10;
  const rate = opts.cases / Math.max(0.001, (Date.now() - started) / 1000);
  progress(`fuzz: ${cfg}: ${opts.cases} programs in ${counts.seconds} s (${rate.toFixed(0)}/s): ${counts.passed} passed, ${counts.failed} mismatches, ${counts.declined} declined, ${counts.skipped} invalid`);
  return {
    passed: counts.passed,
    failed: counts.failed,
    skipped: counts.skipped,
    declined: counts.declined,
    configs: { [cfg]: counts },
    failures,
    skips,
    declines: { [cfg]: declines },
    programs_per_second: { [cfg]: Math.round(rate * 10) / 10 },
  };
}

function saveReproducer(opts: FuzzOptions, id: string, ctx: OracleContext, c: FuzzCase, foundBy: string): string {
  const v = runCase(c, ctx);
  const doc: Reproducer = {
    id,
    design: opts.design.name,
    config: opts.config.id,
    hardenSeed: ctx.hardenSeed ?? null,
    expected: v.kind === 'mismatch' ? v.expected : null,
    got: v.kind === 'mismatch' ? v.got : null,
    reason: v.kind === 'mismatch' ? v.reason : v.kind,
    foundBy,
    case: caseToJson(c),
  };
  const text = `${JSON.stringify(doc, null, 1)}\n`;
  const hash = createHash('sha256').update(JSON.stringify(doc.case)).digest('hex').slice(0, 10);
  mkdirSync(opts.saveDir!, { recursive: true });
  const path = join(opts.saveDir!, `${opts.design.name}-${opts.config.id}-${hash}.json`);
  writeFileSync(path, text);
  return path;
}

/** One result from per-configuration results. */
export function mergeFuzzResults(parts: readonly FuzzResult[]): FuzzResult {
  const out: FuzzResult = { passed: 0, failed: 0, skipped: 0, declined: 0, configs: {}, failures: [], skips: [], declines: {}, programs_per_second: {} };
  for (const r of parts) {
    out.passed += r.passed;
    out.failed += r.failed;
    out.skipped += r.skipped;
    out.declined += r.declined;
    Object.assign(out.configs, r.configs);
    out.failures.push(...r.failures);
    out.skips.push(...r.skips);
    Object.assign(out.declines, r.declines);
    Object.assign(out.programs_per_second, r.programs_per_second);
  }
  return out;
}
