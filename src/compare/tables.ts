// The report's tables as rows of strings, shared by the markdown and HTML renderers so
// the two always show the same numbers.
import type { ConfigId } from '../config.ts';
import type { CompareReport, Extreme } from './summary.ts';

export interface Table {
  title: string;
  /** One sentence under the title: what the numbers are. */
  caption?: string;
  headers: string[];
  rows: string[][];
}

export const fmtRatio = (r: number | null | undefined): string => (r === null || r === undefined ? '–' : r.toFixed(3));
const fmtInt = (n: number): string => String(n);
const pct = (a: number, b: number): string => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)}%`);

/** The configuration the per-feature tables show (the first measured). */
export function shownConfig(r: CompareReport): ConfigId | undefined {
  return r.configs[0];
}

/** A value per configuration as one cell: `v` when all agree, else `be-r2 v / le-r2 w ...`. */
function perConfigCell(values: Partial<Record<ConfigId, number | null>>, configs: readonly ConfigId[]): string {
  const shown = configs.map((c) => values[c]);
  const text = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : String(v));
  if (shown.every((v) => v === shown[0])) return text(shown[0]);
  return configs.map((c, i) => `${c} ${text(shown[i])}`).join(' / ');
}

export function registerTables(r: CompareReport): Table[] {
  return (['be', 'le'] as const).map((endian) => ({
    title: `Register map (${endian === 'be' ? 'big' : 'little'} endian)`,
    caption: 'BPF register -> MIPS register pair, written hi:lo.',
    headers: ['BPF', ...r.designs],
    rows: (r.facts[0]?.registers ?? []).map((row, i) => [row.bpf, ...r.facts.map((f) => f.registers[i]?.[endian] ?? '–')]),
  }));
}

export function registerUseTable(r: CompareReport): Table {
  return {
    title: 'Temporaries and callee-saved registers',
    headers: ['design', 'JIT temporaries', 'callee-saved (saved by the prologue when used)'],
    rows: r.facts.map((f) => [f.name, f.temporaries.join(', '), f.calleeSaved.join(', ')]),
  };
}

export function frameTable(r: CompareReport): Table {
  return {
    title: 'Stack frame size (bytes)',
    caption: "What each image's prologue subtracts from sp, for small programs of each shape.",
    headers: ['program shape', ...r.designs],
    rows: r.frames.map((f) => [f.shape, ...r.designs.map((d) => perConfigCell(f.bytes[d] ?? {}, r.configs))]),
  };
}

export function conventionsTable(r: CompareReport): Table {
  const kernel = (k: Record<string, string>): string =>
    Object.entries(k)
      .map(([what, how]) => `${what}: ${how}`)
      .join('; ');
  return {
    title: 'Conventions',
    headers: ['', ...r.designs],
    rows: [
      ['tail-call counter', ...r.facts.map((f) => f.conventions.tailCallCounter)],
      ['helper-call arguments', ...r.facts.map((f) => f.conventions.helperArgs)],
      ['kernel calls', ...r.facts.map((f) => kernel(f.conventions.kernelCalls))],
      ['bpf2bpf calls', ...r.facts.map((f) => f.conventions.bpf2bpf)],
      ['kfunc calls', ...r.facts.map((f) => f.conventions.kfunc)],
      ['facts from', ...r.facts.map((f) => f.factsFrom ?? 'the preset')],
    ],
  };
}

export function kernelCallTable(r: CompareReport): Table {
  const rows = r.opcodes
    .filter((o) => o.kernelCall.length > 0 && !/ (CALL helper|TAIL_CALL)$/.test(o.feature))
    .map((o) => [o.feature, ...r.designs.map((d) => (o.kernelCall.includes(d) ? 'kernel call' : o.words[d] && Object.values(o.words[d]!).some((v) => v !== null) ? 'inline' : 'declined'))]);
  return {
    title: 'Operations compiled as kernel-function calls (measured)',
    caption: "Features whose probe image calls out (jalr) in some design, from each design's image (mainline's from the harness).",
    headers: ['feature', ...r.designs],
    rows,
  };
}

export function coverageTable(r: CompareReport): Table {
  return {
    title: 'Feature coverage',
    caption:
      'Per feature: declines (the one-instruction probe or a corpus program is refused), compiles (every corpus program using it passes), miscompiles (compiled, and every corpus program using it fails), or how many fail. Corpus counts are (program, configuration) pairs.',
    headers: ['feature', ...r.designs],
    rows: r.coverage.map((row) => [
      row.feature,
      ...r.designs.map((d) => {
        const c = row.designs[d]!;
        return c.uses ? `${c.status} (${c.passed}/${c.uses} pass)` : c.status;
      }),
    ]),
  };
}

export function opcodeTable(r: CompareReport): Table {
  const cfg = shownConfig(r);
  return {
    title: `Per-opcode instruction counts (${cfg ?? 'no configuration'})`,
    caption:
      'Words the image grows by for the instruction shown (dst r2, src r3); – where the design declines it. The JSON has every configuration and, for the model designs, the instruction\'s own words.',
    headers: ['feature', 'instruction', ...r.designs],
    rows: r.opcodes.map((o) => [o.feature, o.text, ...r.designs.map((d) => (cfg ? (o.words[d]?.[cfg] ?? null) : null)).map((v) => (v === null ? '–' : String(v)))]),
  };
}

export function classRatioTable(r: CompareReport): Table | undefined {
  if (!r.baseline) return undefined;
  const others = r.designs.filter((d) => d !== r.baseline);
  return {
    title: `Per-class size ratio against ${r.baseline}`,
    caption: 'Geometric mean of design/baseline per-feature counts over the features of the class both compile, all configurations.',
    headers: ['class', ...others],
    rows: r.classRatios.map((c) => [c.class, ...others.map((d) => fmtRatio(c.ratios[d]?.geomean))]),
  };
}

export function corpusTable(r: CompareReport): Table {
  const t = r.corpus.totals;
  return {
    title: 'Corpus totals',
    caption: `All configurations (${r.configs.join(', ')}). Words, instructions and calls are summed over the programs each design passes; calls of kernel functions and helpers are not instructions of the image.`,
    headers: ['design', 'programs', 'passed', 'failed', 'declined', 'pass rate', 'static words', 'dynamic instructions', 'kernel calls'],
    rows: r.designs.map((d) => {
      const x = t[d]!;
      return [d, fmtInt(x.programs), fmtInt(x.passed), fmtInt(x.failed), fmtInt(x.declined), pct(x.passed, x.programs), fmtInt(x.words), fmtInt(x.steps), fmtInt(x.kcalls)];
    }),
  };
}

export function ratioTable(r: CompareReport): Table | undefined {
  if (!r.baseline) return undefined;
  const rows: string[][] = [];
  for (const [d, v] of Object.entries(r.corpus.versusBaseline)) {
    rows.push([d, 'all', fmtInt(v.pairs), fmtRatio(v.words), fmtRatio(v.steps)]);
    for (const c of r.configs) {
      const pc = v.perConfig[c];
      if (pc) rows.push([d, c, fmtInt(pc.pairs), fmtRatio(pc.words), fmtRatio(pc.steps)]);
    }
  }
  return {
    title: `Against ${r.baseline}`,
    caption: 'Geometric means of design/baseline over the programs both pass (below 1: smaller or faster than the baseline).',
    headers: ['design', 'configuration', 'programs both pass', 'static words', 'dynamic instructions'],
    rows,
  };
}

export function extremesTables(r: CompareReport): Table[] {
  if (!r.baseline) return [];
  const out: Table[] = [];
  const rows = (xs: Extreme[]): string[][] => xs.map((x) => [x.id, x.config, fmtInt(x.value), fmtInt(x.baseline), fmtRatio(x.ratio)]);
  for (const [d, v] of Object.entries(r.corpus.versusBaseline)) {
    const sets: [string, Extreme[]][] = [
      ['smallest code', v.wordsWins],
      ['largest code', v.wordsLosses],
      ['fewest instructions executed', v.stepsWins],
      ['most instructions executed', v.stepsLosses],
    ];
    for (const [what, xs] of sets) {
      if (xs.length === 0) continue;
      out.push({
        title: `${d}: ${what} relative to ${r.baseline}`,
        headers: ['program', 'configuration', d, r.baseline, 'ratio'],
        rows: rows(xs),
      });
    }
  }
  return out;
}

export function allTables(r: CompareReport): { section: string; tables: Table[] }[] {
  const defined = (ts: (Table | undefined)[]): Table[] => ts.filter((t): t is Table => t !== undefined);
  return [
    { section: 'Registers', tables: [...registerTables(r), registerUseTable(r), frameTable(r)] },
    { section: 'Conventions', tables: [conventionsTable(r), kernelCallTable(r)] },
    { section: 'Coverage', tables: [coverageTable(r)] },
    { section: 'Instruction counts', tables: defined([opcodeTable(r), classRatioTable(r)]) },
    { section: 'Corpus', tables: defined([corpusTable(r), ratioTable(r), ...extremesTables(r)]) },
  ];
}
