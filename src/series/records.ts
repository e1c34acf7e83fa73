// What the measuring verbs (check --build/--harness/--checkpatch, boot-test) record for
// the cover letter, and the lines the cover letter quotes from those records. Writing and
// reading sit together so the two cannot drift apart.
import type { BuildReport } from '../kernel/checkbuild.ts';
import type { CheckpatchReport } from '../kernel/checkpatch.ts';
import type { MainlineReport } from '../kernel/harness/mainline.ts';
import { gitAt } from '../kernel/git.ts';
import type { HarnessCheckReport } from '../render/harness-check.ts';
import type { JitVerifyResult } from '../verify/jit-verify.ts';
import type { CompareReport } from '../compare/summary.ts';
import { loadResult, saveResult } from '../verify/store.ts';
import { CORPUS_NAMES } from '../verify/corpus/index.ts';

const commandLine = (): string => `jitgen ${process.argv.slice(2).join(' ')}`;

const order = (name: string): number => (CORPUS_NAMES as readonly string[]).indexOf(name);
/** A corpus list as one key, in one order whatever order the command gave. */
const corpusKey = (corpora: readonly string[]): string =>
  [...corpora].sort((a, b) => (order(a) + 1 || 99) - (order(b) + 1 || 99)).join(',');

/** verify's counts per corpus list and configuration, each with the command that measured it. */
interface VerifyRecord {
  runs: Record<string, Record<string, { passed: number; failed: number; skipped: number; declined: number; command: string }>>;
}

/** compare's ratios against mainline per corpus list, design and configuration (whole corpora only). */
interface CompareRecord {
  runs: Record<string, Record<string, Record<string, { pairs: number; words: number | null; steps: number | null }>>>;
}

interface BuildRecord {
  /** The git tree that was built. */
  tree: string;
  configs: Record<string, { ok: boolean; warnings: number; jitWarnings: number }>;
}
/** Harness runs per corpus list and configuration (they add up like verify's). */
interface HarnessRecord {
  runs: Record<string, Record<string, { programs: number; identical: number; differing: number; declined: number }>>;
}
interface MainlineRecord {
  runs: Record<string, Record<string, { jited: number; refused: number; passed: number; failed: number; words: number }>>;
}

/** Merge one run's per-configuration counts into a record's runs under its corpus list. */
function mergeRuns<T>(name: string, corpora: readonly string[], configs: Record<string, T>): Record<string, Record<string, T>> {
  const runs = { ...(loadResult<{ runs: Record<string, Record<string, T>> }>(name)?.result.runs ?? {}) };
  const key = corpusKey(corpora);
  runs[key] = { ...(runs[key] ?? {}), ...configs };
  return runs;
}
interface CheckpatchRecord {
  errors: number;
  warnings: number;
  checks: number;
  justified: number;
}
interface BootConfigRecord {
  summary: string;
  passed: boolean;
  images: { compared: number; equal: number; differ: number } | null;
  /** The git tree (content, not commit: the series' messages quote these records) that was booted. */
  tree: string;
  command: string;
}
/** The last boot of each configuration (runs of one configuration at a time add up). */
export interface BootRecord {
  configs: Record<string, BootConfigRecord>;
}

/** The content of a checkout's HEAD (its tree object): equal for equal files, whatever the commit messages. */
export async function contentOf(tree: string): Promise<string> {
  try {
    return (await gitAt(tree).revparse(['HEAD^{tree}'])).trim();
  } catch {
    return ''; // not a git tree: the record says so by its empty commit
  }
}

/**
 * Keep a verify run for the cover letter: whole corpora only (a --filter run measures a
 * sample), merged per configuration so one-configuration runs add up.
 */
export function recordVerify(design: string, harden: boolean, corpora: readonly string[], r: JitVerifyResult): void {
  const name = `verify-${design}${harden ? '-harden' : ''}`;
  const runs = { ...(loadResult<VerifyRecord>(name)?.result.runs ?? {}) };
  const key = corpusKey(corpora);
  const run = { ...(runs[key] ?? {}) };
  for (const [id, c] of Object.entries(r.configs)) {
    const declined = r.declined?.[id] ?? 0;
    run[id] = { passed: c!.passed, failed: c!.failed, skipped: c!.skipped, declined, command: commandLine() };
  }
  runs[key] = run;
  saveResult<VerifyRecord>(name, commandLine(), { runs });
}

/** The cover letter's lines for the recorded verify runs of a design (with and without --harden). */
export function verifyLines(design: string): string[] {
  const lines: string[] = [];
  for (const harden of [false, true]) {
    const v = loadResult<VerifyRecord>(`verify-${design}${harden ? '-harden' : ''}`);
    for (const [corpora, run] of Object.entries(v?.result.runs ?? {})) {
      lines.push(`  jitgen verify --design ${design}${harden ? ' --harden' : ''}`, `    --corpus ${corpora}:`);
      for (const [id, c] of Object.entries(run).sort(([a], [b]) => (a < b ? -1 : 1))) {
        lines.push(`      ${id}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped${c.declined ? `, ${c.declined} declined` : ''}`);
      }
    }
  }
  return lines;
}

export function recordCompare(r: CompareReport): void {
  if (r.filter !== null || r.baseline === null) return;
  const prev = loadResult<CompareRecord>('compare')?.result.runs ?? {};
  const key = corpusKey(r.corpora);
  const run = { ...(prev[key] ?? {}) };
  for (const [design, vs] of Object.entries(r.corpus.versusBaseline)) {
    if (design === r.baseline) continue;
    run[design] = { ...(run[design] ?? {}) };
    for (const [id, ratio] of Object.entries(vs.perConfig)) run[design]![id] = { pairs: ratio!.pairs, words: ratio!.words, steps: ratio!.steps };
  }
  saveResult<CompareRecord>('compare', commandLine(), { runs: { ...prev, [key]: run } });
}

/** The cover letter's size lines: geometric means of design/mainline per configuration. */
export function compareLines(design: string): string[] {
  const lines: string[] = [];
  const f = (x: number | null): string => (x === null ? '-' : x.toFixed(3));
  for (const [corpora, run] of Object.entries(loadResult<CompareRecord>('compare')?.result.runs ?? {})) {
    const per = run[design];
    if (!per) continue;
    lines.push(`  jitgen compare --corpus ${corpora}:`);
    lines.push(`    ${design} / mainline, geometric means over the programs both pass`);
    for (const [id, r] of Object.entries(per).sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`    ${id}: ${f(r.words)} static, ${f(r.steps)} dynamic (${r.pairs} programs)`);
    }
  }
  return lines;
}

export async function recordBuild(r: BuildReport): Promise<void> {
  const configs = Object.fromEntries(
    Object.entries(r.configs).map(([id, c]) => [id, { ok: c.ok, warnings: c.warnings.length, jitWarnings: c.jitWarnings }]),
  );
  saveResult<BuildRecord>('build', commandLine(), { tree: await contentOf(r.tree), configs });
}

export function recordHarness(design: string, corpora: readonly string[], r: HarnessCheckReport): void {
  const configs = Object.fromEntries(
    Object.entries(r.configs).map(([id, c]) => [id, { programs: c!.programs, identical: c!.identical, differing: c!.differing, declined: c!.declined }]),
  );
  const name = `harness-${design}`;
  saveResult<HarnessRecord>(name, commandLine(), { runs: mergeRuns(name, corpora, configs) });
}

export function recordMainline(corpora: readonly string[], r: MainlineReport): void {
  const configs = Object.fromEntries(
    Object.entries(r.configs).map(([id, c]) => [id, { jited: c!.jited, refused: c!.refused, passed: c!.passed, failed: c!.failed, words: c!.words }]),
  );
  saveResult<MainlineRecord>('harness-mainline', commandLine(), { runs: mergeRuns('harness-mainline', corpora, configs) });
}

export function recordCheckpatch(r: CheckpatchReport): void {
  const sum = (f: (p: CheckpatchReport['patches'][number]) => number): number => r.patches.reduce((n, p) => n + f(p), 0);
  saveResult<CheckpatchRecord>('checkpatch', commandLine(), {
    errors: sum((p) => p.errors),
    warnings: sum((p) => p.warnings),
    checks: sum((p) => p.checks),
    justified: sum((p) => p.justified.length),
  });
}

export async function recordBoot(dir: string, name: string, configs: Record<string, Omit<BootConfigRecord, 'tree' | 'command'>>): Promise<void> {
  const tree = await contentOf(dir);
  const merged = { ...(loadResult<BootRecord>(name)?.result.configs ?? {}) };
  for (const [id, c] of Object.entries(configs)) merged[id] = { ...c, tree, command: commandLine() };
  saveResult<BootRecord>(name, commandLine(), { configs: merged });
}

/**
 * The cover letter's lines for every recorded check and boot (verify's: verifyLines).
 * `series`: the series' own tree, when known, so that builds and boots of exactly this
 * series say so.
 */
export function recordedLines(design: string, series?: string): string[] {
  const at = (tree: string | undefined): string => (!tree ? '' : tree === series ? ' (this series)' : ` (tree ${tree.slice(0, 12)})`);
  const lines: string[] = [];
  const sorted = <T>(o: Record<string, T>): [string, T][] => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
  const harness = loadResult<HarnessRecord>(`harness-${design}`);
  for (const [corpora, run] of sorted(harness?.result.runs ?? {})) {
    lines.push('  jitgen check --harness (the rendered C vs the model)', `    --corpus ${corpora}:`);
    for (const [id, c] of sorted(run)) {
      lines.push(`      ${id}: ${c.identical} of ${c.programs} images equal, ${c.differing} differ, ${c.declined} refused by both`);
    }
  }
  const mainline = loadResult<MainlineRecord>('harness-mainline');
  for (const [corpora, run] of sorted(mainline?.result.runs ?? {})) {
    lines.push('  jitgen check --harness --mainline (the JIT this series replaces)', `    --corpus ${corpora}:`);
    for (const [id, c] of sorted(run)) {
      lines.push(`      ${id}: ${c.jited} JITed, ${c.passed} right, ${c.failed} wrong, ${c.refused} refused; ${c.words} words`);
    }
  }
  const build = loadResult<BuildRecord>('build');
  if (build) {
    lines.push(`  ${build.command}${at(build.result.tree)}:`);
    for (const [id, c] of Object.entries(build.result.configs)) {
      lines.push(`    ${id}: ${c.ok ? 'built' : 'FAILED'}, ${c.jitWarnings} warnings in arch/mips/net (${c.warnings} in all)`);
    }
  }
  const checkpatch = loadResult<CheckpatchRecord>('checkpatch');
  if (checkpatch) {
    const c = checkpatch.result;
    lines.push(`  ${checkpatch.command}:`, `    ${c.errors} errors, ${c.warnings} warnings, ${c.checks} checks (${c.justified} justified below)`);
  }
  const boots: [string, string][] = [
    ['boot-test', 'jitgen boot-test (the series)'],
    ['boot-test-jit-dump', 'jitgen boot-test --jit-dump (the series)'],
    ['boot-test-mainline', 'jitgen boot-test --mainline'],
    ['boot-test-mainline-jit-dump', 'jitgen boot-test --mainline --jit-dump'],
  ];
  for (const [name, label] of boots) {
    const boot = loadResult<BootRecord>(name);
    if (!boot) continue;
    lines.push(`  ${label}:`);
    for (const [id, c] of Object.entries(boot.result.configs).sort(([a], [b]) => (a < b ? -1 : 1))) {
      // one fact a line: commit messages wrap at 75 columns
      lines.push(`    ${id}${at(c.tree)}:`);
      for (const part of c.summary.split('; ')) lines.push(`      ${part}`);
      if (c.images) lines.push(`      dumped images = harness images: ${c.images.equal} of ${c.images.compared}, ${c.images.differ} differ`);
    }
  }
  return lines;
}
