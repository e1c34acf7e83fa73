// Corpus measurements of one configuration, per design, through the functions verify and
// `check --harness --mainline` use: runTestJit for the model's presets, mainlineReport for
// the tree's real C. Nothing here compiles or runs a program any other way.
import type { TestProgram } from '../bpf/program.ts';
import type { Config } from '../config.ts';
import type { Design } from '../jit/design.ts';
import { mainlineReport } from '../kernel/harness/mainline.ts';
import { loadAnyCorpus, type CorpusName } from '../verify/corpus/index.ts';
import { corpusBinding, helpersFor, imagePrograms, runTestJit } from '../verify/jit-runner.ts';
import { featureOf } from './features.ts';

export type Status = 'pass' | 'fail' | 'declined';

/** One program's outcome under one design in one configuration. */
export interface ProgramOutcome {
  id: string;
  status: Status;
  /** Static words of the program's own image (JITed programs). */
  words?: number;
  /** Instructions of the images executed over all sub-tests (tail-call targets' too). */
  steps?: number;
  /** Calls of kernel functions and helpers made over all sub-tests (not in `steps`). */
  kcalls?: number;
  reason?: string;
  /** The feature the design declined (when the message names the instruction). */
  declinedFeature?: string;
}

export interface CorpusSelection {
  treeDir: string;
  corpora: readonly CorpusName[];
  /** Keep only programs whose identity matches. */
  filter?: RegExp;
  budget?: number;
  corpusCacheRoot?: string;
}

/** The selected, non-skipped corpus programs of one byte order, and the skipped ones. */
/** The selected programs as verify loads them (mainlineReport binds its own copies). */
export async function selectPrograms(
  sel: CorpusSelection,
  config: Config,
): Promise<{ programs: TestProgram[]; skipped: { id: string; reason: string }[] }> {
  const programs: TestProgram[] = [];
  const skipped: { id: string; reason: string }[] = [];
  for (const c of sel.corpora) {
    const all = await loadAnyCorpus(sel.treeDir, c, config.endian, sel.corpusCacheRoot ? { cacheRoot: sel.corpusCacheRoot } : {});
    for (const p of all) {
      if (sel.filter && !sel.filter.test(p.id)) continue;
      if (p.skip !== undefined) skipped.push({ id: p.id, reason: p.skip });
      else programs.push(p);
    }
  }
  return { programs, skipped };
}

/** Which feature a decline message names: `<id>: insn <n> (<hex>): ...` of prog or a tail-call member. */
function declinedFeature(prog: TestProgram, reason: string): string | undefined {
  const m = /^(.*): insn (\d+) \(/.exec(reason);
  if (!m) return undefined;
  const owner = imagePrograms(prog).find((p) => p.id === m[1]) ?? prog;
  const insn = owner.insns[Number(m[2])];
  return insn ? featureOf(insn) : undefined;
}

/** A model preset on the selected programs: what `jitgen verify --design NAME` runs. */
export function runModel(
  design: Design,
  config: Config,
  programs: readonly TestProgram[],
  opts: { budget?: number; progress?: (line: string) => void } = {},
): ProgramOutcome[] {
  const binding = corpusBinding();
  const out: ProgramOutcome[] = [];
  const started = Date.now();
  let last = started;
  for (const [n, prog] of programs.entries()) {
    const o = runTestJit(prog, { design, config, binding, budget: opts.budget }, helpersFor(prog));
    const cost = { words: o.words, steps: o.steps, kcalls: o.kcalls };
    if (o.ok) out.push({ id: prog.id, status: 'pass', ...cost });
    else if (o.declined) {
      const reason = o.reason ?? 'declined';
      const f = declinedFeature(prog, reason);
      out.push({ id: prog.id, status: 'declined', reason, ...(f ? { declinedFeature: f } : {}) });
    } else out.push({ id: prog.id, status: 'fail', ...cost, reason: o.reason ?? 'wrong result' });
    const now = Date.now();
    if (now - last >= 5000) {
      last = now;
      opts.progress?.(`compare: ${config.id} ${design.name}: ${n + 1}/${programs.length} programs, ${((now - started) / 1000).toFixed(0)} s`);
    }
  }
  opts.progress?.(`compare: ${config.id} ${design.name}: ${programs.length} programs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return out;
}

/** Mainline's real C on the selected programs, through mainlineReport. */
export async function runMainline(
  sel: CorpusSelection,
  config: Config,
  programs: readonly TestProgram[],
  opts: { cacheRoot?: string; progress?: (line: string) => void } = {},
): Promise<ProgramOutcome[]> {
  const report = await mainlineReport(sel.treeDir, [config], {
    corpora: sel.corpora,
    cacheRoot: opts.cacheRoot,
    corpusCacheRoot: sel.corpusCacheRoot,
    progress: opts.progress,
    ...(sel.filter ? { filter: (p: TestProgram) => sel.filter!.test(p.id) } : {}),
  });
  const byId = new Map((report.configs[config.id]?.results ?? []).map((r) => [r.id, r]));
  return programs.map((prog) => {
    const r = byId.get(prog.id);
    if (!r) return { id: prog.id, status: 'declined', reason: 'not in the harness report' };
    if (!r.jited) {
      const reason = r.error ?? 'refused';
      // mainline names the opcode it does not know: "unknown opcode d7"
      const code = /opcode (?:0x)?([0-9a-f]{2})\b/i.exec(reason);
      const insn = code ? prog.insns.find((i) => i.code === parseInt(code[1]!, 16)) : undefined;
      return { id: prog.id, status: 'declined', reason, ...(insn ? { declinedFeature: featureOf(insn) } : {}) };
    }
    const base = {
      id: prog.id,
      words: r.words,
      ...(r.steps !== undefined ? { steps: r.steps } : {}),
      ...(r.kcalls !== undefined ? { kcalls: r.kcalls } : {}),
    };
    return r.passed ? { ...base, status: 'pass' } : { ...base, status: 'fail', reason: r.reason ?? 'wrong result' };
  });
}
