// Code quality of the `jitgen` design against mainline's, from one run: for each
// configuration, every test_bpf program is JITed by `jitgen` and by `johan` (the preset
// that equals mainline's C word for word, checked by scripts/johan-vs-mainline.ts), both
// images run in the simulator, and over the programs both pass we take the geometric
// mean of the per-program ratios of static size (words) and of dynamic MIPS
// instructions executed (simulator steps). The static instruction mix of both designs
// says where the remaining words are.
import { config as configOf, type ConfigId } from '../src/config.ts';
import type { TestProgram } from '../src/bpf/program.ts';
import type { Design } from '../src/jit/design.ts';
import { jitgen } from '../src/jit/designs/jitgen.ts';
import { johan } from '../src/jit/designs/johan.ts';
import { decode } from '../src/mips/codec.ts';
import { defaultTreeDir, loadCorpus, type CorpusName } from '../src/verify/corpus/index.ts';
import { corpusBinding, helpersFor, loadMachine, runTestJit, type JitOutcome } from '../src/verify/jit-runner.ts';

export interface CodeSizeOptions {
  configs: ConfigId[];
  corpus?: CorpusName;
  /** Only programs with at most this many BPF instructions (0: all). */
  maxInsns?: number;
  /** Only programs whose id contains this text. */
  filter?: string;
  /** Also print the static instruction mix (opcode counts), most different first. */
  mix?: boolean;
  /** Print the N programs with the worst static ratio. */
  worst?: number;
  progress?: (line: string) => void;
}

export interface ConfigCodeSize {
  config: ConfigId;
  /** Programs both designs pass (the ratios are over these). */
  both: number;
  onlyJohanPasses: number;
  onlyJitgenPasses: number;
  staticRatio: number;
  dynamicRatio: number;
  words: { jitgen: number; johan: number };
  steps: { jitgen: number; johan: number };
  mix: Map<string, { jitgen: number; johan: number }>;
  perProgram: { id: string; words: [number, number]; steps: [number, number] }[];
}

function outcome(p: TestProgram, design: Design, id: ConfigId): JitOutcome {
  return runTestJit(p, { design, config: configOf(id), binding: corpusBinding() }, helpersFor(p));
}

function countMix(id: ConfigId, into: Map<string, { jitgen: number; johan: number }>, key: 'jitgen' | 'johan', words: Uint32Array): void {
  const isa = configOf(id).isa;
  for (const w of words) {
    const name = w === 0 ? 'nop' : (decode(w, isa)?.op ?? '?');
    const e = into.get(name) ?? { jitgen: 0, johan: 0 };
    e[key]++;
    into.set(name, e);
  }
}

export function measureCodeSize(id: ConfigId, opts: Omit<CodeSizeOptions, 'configs'>): ConfigCodeSize {
  const cfg = configOf(id);
  const progress = opts.progress ?? (() => {});
  const progs = loadCorpus(defaultTreeDir, opts.corpus ?? 'test_bpf', cfg.endian).filter(
    (p) =>
      p.skip === undefined &&
      (!opts.maxInsns || p.insns.length <= opts.maxInsns) &&
      (!opts.filter || p.id.includes(opts.filter)),
  );
  const r: ConfigCodeSize = {
    config: id, both: 0, onlyJohanPasses: 0, onlyJitgenPasses: 0, staticRatio: 1, dynamicRatio: 1,
    words: { jitgen: 0, johan: 0 }, steps: { jitgen: 0, johan: 0 }, mix: new Map(), perProgram: [],
  };
  let logStatic = 0;
  let logDynamic = 0;
  let last = Date.now();
  for (const [n, p] of progs.entries()) {
    const a = outcome(p, jitgen, id);
    const b = outcome(p, johan, id);
    if (a.ok && !b.ok) r.onlyJitgenPasses++;
    if (!a.ok && b.ok) r.onlyJohanPasses++;
    if (!a.ok || !b.ok) continue;
    const wa = a.words!;
    const wb = b.words!;
    const sa = a.steps!;
    const sb = b.steps!;
    r.both++;
    r.words.jitgen += wa;
    r.words.johan += wb;
    r.steps.jitgen += sa;
    r.steps.johan += sb;
    logStatic += Math.log(wa / wb);
    // a program whose image never runs (steps 0 in both) counts as equal
    logDynamic += Math.log(Math.max(sa, 1) / Math.max(sb, 1));
    r.perProgram.push({ id: p.id, words: [wa, wb], steps: [sa, sb] });
    if (Date.now() - last > 5000) {
      last = Date.now();
      progress(`code-size ${id}: ${n + 1}/${progs.length}`);
    }
  }
  if (opts.mix) {
    // the mix needs the images themselves: JIT once more outside the runs
    for (const p of progs) {
      if (!r.perProgram.some((q) => q.id === p.id)) continue;
      for (const [key, design] of [['jitgen', jitgen], ['johan', johan]] as const) {
        const words = imageWords(p, design, id);
        if (words) countMix(id, r.mix, key, words);
      }
    }
  }
  r.staticRatio = Math.exp(logStatic / Math.max(r.both, 1));
  r.dynamicRatio = Math.exp(logDynamic / Math.max(r.both, 1));
  return r;
}

/** The image runTestJit ran (helper calls bound the same way). */
function imageWords(p: TestProgram, design: Design, id: ConfigId): Uint32Array | undefined {
  try {
    const m = loadMachine(p, { design, config: configOf(id), binding: corpusBinding() }, helpersFor(p));
    return m.images[m.self];
  } catch {
    return undefined;
  }
}

export function formatCodeSize(r: ConfigCodeSize, opts: Pick<CodeSizeOptions, 'mix' | 'worst'> = {}): string[] {
  const lines = [
    `${r.config}: ${r.both} programs both pass (only johan ${r.onlyJohanPasses}, only jitgen ${r.onlyJitgenPasses}); ` +
      `geomean jitgen/johan static ${r.staticRatio.toFixed(3)}, dynamic ${r.dynamicRatio.toFixed(3)}; ` +
      `totals words ${r.words.jitgen}/${r.words.johan}, steps ${r.steps.jitgen}/${r.steps.johan}`,
  ];
  if (opts.mix) {
    const rows = [...r.mix.entries()].sort((x, y) => Math.abs(y[1].jitgen - y[1].johan) - Math.abs(x[1].jitgen - x[1].johan));
    lines.push(`  mix (jitgen vs johan): ${rows.slice(0, 24).map(([op, c]) => `${op} ${c.jitgen}/${c.johan}`).join(', ')}`);
  }
  if (opts.worst) {
    const worst = [...r.perProgram].sort((x, y) => y.words[0] / y.words[1] - x.words[0] / x.words[1]).slice(0, opts.worst);
    for (const w of worst) lines.push(`  ${w.id}: words ${w.words[0]}/${w.words[1]}, steps ${w.steps[0]}/${w.steps[1]}`);
    const worstDyn = [...r.perProgram].sort((x, y) => y.steps[0] / Math.max(y.steps[1], 1) - x.steps[0] / Math.max(x.steps[1], 1)).slice(0, opts.worst);
    for (const w of worstDyn) lines.push(`  dyn ${w.id}: words ${w.words[0]}/${w.words[1]}, steps ${w.steps[0]}/${w.steps[1]}`);
  }
  return lines;
}

/** The bench section: be-r2, programs below 3000 instructions (a quick figure). */
export async function benchCodeSize(): Promise<string[]> {
  return formatCodeSize(measureCodeSize('be-r2', { maxInsns: 3000 }));
}
