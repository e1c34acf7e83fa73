// Merging per-configuration measurements into the report: totals, geometric-mean ratios
// against the baseline (mainline) over the programs both pass, biggest wins and losses,
// feature coverage, per-feature counts and per-class size ratios. Pure arithmetic over
// what measure.ts measured; deterministic (fixed orders, no times).
import type { ConfigId } from '../config.ts';
import type { ProgramOutcome } from './corpus-run.ts';
import { designFacts, type DesignFacts } from './facts.ts';
import { featureClass } from './features.ts';
import type { ConfigPart } from './measure.ts';
import { probes as probeList } from './probes.ts';
import { corpusBinding } from '../verify/jit-runner.ts';

export interface Totals {
  programs: number;
  passed: number;
  failed: number;
  declined: number;
  /** Static words of the passing programs' images. */
  words: number;
  /** Dynamic instructions of the passing programs' images (calls not included). */
  steps: number;
  /** Calls of kernel functions and helpers the passing programs made. */
  kcalls: number;
}

export interface Ratio {
  /** Programs (x configurations) both the design and the baseline pass. */
  pairs: number;
  /** Geometric mean of design/baseline over those pairs (null without pairs). */
  words: number | null;
  steps: number | null;
}

export interface Extreme {
  id: string;
  config: ConfigId;
  value: number;
  baseline: number;
  ratio: number;
}

export interface VersusBaseline extends Ratio {
  perConfig: Partial<Record<ConfigId, Ratio>>;
  /** Programs where the design's image is smallest / largest relative to the baseline's. */
  wordsWins: Extreme[];
  wordsLosses: Extreme[];
  stepsWins: Extreme[];
  stepsLosses: Extreme[];
}

export interface OpcodeRow {
  feature: string;
  class: string;
  /** The representative instruction the counts were measured on. */
  text: string;
  /** Image growth in words, per design, per configuration (null: declined/refused). */
  words: Record<string, Partial<Record<ConfigId, number | null>>>;
  /** The instruction's own words (model designs, from the image's per-instruction offsets). */
  body: Record<string, Partial<Record<ConfigId, number | null>>>;
  declined: Record<string, string>;
  /** Designs whose image calls a kernel function for it (in any configuration). */
  kernelCall: string[];
}

export interface CoverageCell {
  /** The one-instruction probe compiled in every configuration. */
  probeCompiles: boolean;
  /** (program, configuration) pairs of the corpus using the feature, by outcome. */
  uses: number;
  passed: number;
  failed: number;
  /** Declines naming this feature. */
  declined: number;
  status: string;
}

export interface CoverageRow {
  feature: string;
  designs: Record<string, CoverageCell>;
}

export interface ClassRatio {
  class: string;
  /** Per design: geometric mean of design/baseline probe words over features both compile. */
  ratios: Record<string, { geomean: number | null; features: number }>;
}

export interface CompareReport {
  tool: 'jitgen compare';
  tree: string;
  corpora: string[];
  configs: ConfigId[];
  designs: string[];
  baseline: string | null;
  filter: string | null;
  notes: string[];
  facts: DesignFacts[];
  frames: { shape: string; bytes: Record<string, Partial<Record<ConfigId, number | null>>> }[];
  opcodes: OpcodeRow[];
  classRatios: ClassRatio[];
  coverage: CoverageRow[];
  corpus: {
    perConfig: Partial<Record<ConfigId, Record<string, Totals>>>;
    totals: Record<string, Totals>;
    versusBaseline: Record<string, VersusBaseline>;
  };
  programs: Partial<Record<ConfigId, Record<string, ProgramOutcome[]>>>;
  skipped: { id: string; reason: string }[];
}

export const NOTES = [
  'Per-feature counts are measured on one representative instruction (shown) followed by exit, as the words the image grows by over the same program without it; mainline\'s come from its images in the host harness, which give no per-instruction offsets.',
  'Dynamic instructions are the instructions of the images the simulator executes; calls of kernel functions and helpers are counted apart (kernel calls), not as instructions.',
  'Mainline\'s register map and conventions are those of the johan preset, which models the tree\'s C word for word.',
  'Ratios are geometric means of design/baseline over the (program, configuration) pairs both pass.',
];

const WINS = 5;

export function geomean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

function totalsOf(outcomes: readonly ProgramOutcome[]): Totals {
  const t: Totals = { programs: outcomes.length, passed: 0, failed: 0, declined: 0, words: 0, steps: 0, kcalls: 0 };
  for (const o of outcomes) {
    if (o.status === 'pass') {
      t.passed++;
      t.words += o.words ?? 0;
      t.steps += o.steps ?? 0;
      t.kcalls += o.kcalls ?? 0;
    } else if (o.status === 'fail') t.failed++;
    else t.declined++;
  }
  return t;
}

function addTotals(a: Totals, b: Totals): Totals {
  return {
    programs: a.programs + b.programs,
    passed: a.passed + b.passed,
    failed: a.failed + b.failed,
    declined: a.declined + b.declined,
    words: a.words + b.words,
    steps: a.steps + b.steps,
    kcalls: a.kcalls + b.kcalls,
  };
}

interface Pair {
  id: string;
  config: ConfigId;
  d: ProgramOutcome;
  b: ProgramOutcome;
}

function ratioOf(pairs: readonly Pair[]): Ratio {
  return {
    pairs: pairs.length,
    words: geomean(pairs.map((p) => p.d.words! / p.b.words!)),
    steps: geomean(pairs.filter((p) => p.b.steps! > 0 && p.d.steps! > 0).map((p) => p.d.steps! / p.b.steps!)),
  };
}

function extremes(pairs: readonly Pair[], key: 'words' | 'steps', wins: boolean): Extreme[] {
  const rows = pairs
    .filter((p) => p.b[key]! > 0 && p.d[key]! > 0)
    .map((p) => ({ id: p.id, config: p.config, value: p.d[key]!, baseline: p.b[key]!, ratio: p.d[key]! / p.b[key]! }))
    .filter((r) => (wins ? r.ratio < 1 : r.ratio > 1));
  // ties broken by identity and configuration, so the output is deterministic
  rows.sort((x, y) => (wins ? x.ratio - y.ratio : y.ratio - x.ratio) || x.id.localeCompare(y.id) || x.config.localeCompare(y.config));
  return rows.slice(0, WINS);
}

function versus(parts: readonly ConfigPart[], design: string, baseline: string): VersusBaseline {
  const all: Pair[] = [];
  const perConfig: Partial<Record<ConfigId, Ratio>> = {};
  for (const part of parts) {
    const base = new Map(part.programs[baseline]!.map((o) => [o.id, o]));
    const pairs: Pair[] = [];
    for (const d of part.programs[design]!) {
      const b = base.get(d.id);
      if (b && d.status === 'pass' && b.status === 'pass') pairs.push({ id: d.id, config: part.config, d, b });
    }
    perConfig[part.config] = ratioOf(pairs);
    all.push(...pairs);
  }
  return {
    ...ratioOf(all),
    perConfig,
    wordsWins: extremes(all, 'words', true),
    wordsLosses: extremes(all, 'words', false),
    stepsWins: extremes(all, 'steps', true),
    stepsLosses: extremes(all, 'steps', false),
  };
}

function coverage(parts: readonly ConfigPart[], designs: readonly string[], features: readonly string[]): CoverageRow[] {
  const used = new Set<string>(features);
  for (const p of parts) for (const fs of Object.values(p.features)) fs.forEach((f) => used.add(f));
  return [...used].map((feature) => {
    const row: CoverageRow = { feature, designs: {} };
    for (const d of designs) {
      const cell: CoverageCell = { probeCompiles: true, uses: 0, passed: 0, failed: 0, declined: 0, status: '' };
      let probed = false;
      for (const part of parts) {
        const pc = part.probes[d]?.[feature];
        if (pc) {
          probed = true;
          if (pc.delta === null) cell.probeCompiles = false;
        }
        for (const o of part.programs[d] ?? []) {
          if (!part.features[o.id]?.includes(feature)) continue;
          cell.uses++;
          if (o.status === 'pass') cell.passed++;
          else if (o.status === 'fail') cell.failed++;
          else if (o.declinedFeature === feature) cell.declined++;
        }
      }
      if (!probed) cell.probeCompiles = cell.declined === 0;
      if (!cell.probeCompiles || cell.declined > 0) cell.status = 'declines';
      else if (cell.passed + cell.failed === 0) cell.status = cell.uses === 0 ? 'compiles (not in corpus)' : 'compiles (corpus programs declined elsewhere)';
      else if (cell.failed === 0) cell.status = 'compiles';
      else if (cell.passed === 0) cell.status = 'miscompiles';
      else cell.status = `fails in ${cell.failed} of ${cell.passed + cell.failed}`;
      row.designs[d] = cell;
    }
    return row;
  });
}

export interface ReportMeta {
  tree: string;
  corpora: string[];
  designs: string[];
  filter: string | null;
}

export function buildReport(parts: readonly ConfigPart[], meta: ReportMeta): CompareReport {
  const { designs } = meta;
  const configs = parts.map((p) => p.config);
  const baseline = designs.includes('mainline') ? 'mainline' : null;
  const probes = probeList(corpusBinding());

  const opcodes: OpcodeRow[] = probes.map((p) => {
    const row: OpcodeRow = { feature: p.feature, class: featureClass(p.feature), text: p.text, words: {}, body: {}, declined: {}, kernelCall: [] };
    for (const d of designs) {
      row.words[d] = {};
      row.body[d] = {};
      for (const part of parts) {
        const c = part.probes[d]?.[p.feature];
        if (!c) continue;
        row.words[d]![part.config] = c.delta;
        if (c.body !== undefined) row.body[d]![part.config] = c.body;
        if (c.declined && !row.declined[d]) row.declined[d] = c.declined;
        if (c.calls && !row.kernelCall.includes(d)) row.kernelCall.push(d);
      }
      if (Object.keys(row.body[d]!).length === 0) delete row.body[d];
    }
    return row;
  });

  const classes = [...new Set(opcodes.map((o) => o.class))];
  const classRatios: ClassRatio[] = baseline
    ? classes.map((cls) => {
        const ratios: ClassRatio['ratios'] = {};
        for (const d of designs) {
          if (d === baseline) continue;
          const xs: number[] = [];
          for (const row of opcodes.filter((o) => o.class === cls)) {
            for (const c of configs) {
              const v = row.words[d]?.[c];
              const b = row.words[baseline]?.[c];
              if (typeof v === 'number' && typeof b === 'number' && v > 0 && b > 0) xs.push(v / b);
            }
          }
          ratios[d] = { geomean: geomean(xs), features: xs.length / Math.max(1, configs.length) };
        }
        return { class: cls, ratios };
      })
    : [];

  const perConfig: CompareReport['corpus']['perConfig'] = {};
  const totals: Record<string, Totals> = {};
  for (const part of parts) {
    perConfig[part.config] = {};
    for (const d of designs) {
      const t = totalsOf(part.programs[d] ?? []);
      perConfig[part.config]![d] = t;
      totals[d] = totals[d] ? addTotals(totals[d]!, t) : t;
    }
  }
  const versusBaseline: Record<string, VersusBaseline> = {};
  if (baseline) for (const d of designs) if (d !== baseline) versusBaseline[d] = versus(parts, d, baseline);

  const frames = (parts[0]?.frames[designs[0]!] ?? []).map((f, k) => {
    const bytes: Record<string, Partial<Record<ConfigId, number | null>>> = {};
    for (const d of designs) {
      bytes[d] = {};
      for (const part of parts) bytes[d]![part.config] = part.frames[d]?.[k]?.bytes ?? null;
    }
    return { shape: f.shape, bytes };
  });

  const programs: CompareReport['programs'] = {};
  for (const part of parts) programs[part.config] = part.programs;
  const skipped = new Map<string, string>();
  for (const part of parts) for (const s of part.skipped) skipped.set(s.id, s.reason);

  return {
    tool: 'jitgen compare',
    tree: meta.tree,
    corpora: meta.corpora,
    configs,
    designs,
    baseline,
    filter: meta.filter,
    notes: NOTES,
    facts: designs.map(designFacts),
    frames,
    opcodes,
    classRatios,
    coverage: coverage(parts, designs, probes.map((p) => p.feature)),
    corpus: { perConfig, totals, versusBaseline },
    programs,
    skipped: [...skipped].map(([id, reason]) => ({ id, reason })),
  };
}
