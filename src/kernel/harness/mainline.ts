// Mainline's MIPS32 JIT (the tree's unmodified bpf_jit_comp.c + bpf_jit_comp32.c) on the
// corpus, in the host harness: what it JITs, what it refuses and how many words it emits.
// Programs get what the kernel gives the JIT (DESIGN.md "Conventions"): helper calls as
// `func - __bpf_call_base`, the tail-call prog array's address in place of the marker.
import type { TestProgram } from '../../bpf/program.ts';
import type { Config, ConfigId } from '../../config.ts';
import type { Binding } from '../../jit/binding.ts';
import { bindTailCalls, encodedInsns, loadAnyCorpus, loadCorpus, type CorpusName } from '../../verify/corpus/index.ts';
import { bindCalls, corpusBinding, helpersFor, imagePrograms, LAYOUT, runTestJit } from '../../verify/jit-runner.ts';
import { jitgen } from '../../jit/designs/jitgen.ts';
import { buildHarness } from './build.ts';
import { harnessJit } from './run.ts';

/** What `check --harness` runs by default. */
export const HARNESS_CORPORA: readonly CorpusName[] = ['test_bpf', 'tail_calls'];

export interface ProgramResult {
  id: string;
  jited: boolean;
  /** Static size of the image in words (0 when refused). */
  words: number;
  /** Mainline's message when it refuses (e.g. "unknown opcode d7"). */
  error?: string;
  /** The image run in the simulator gave what test_bpf expects (JITed programs only). */
  passed?: boolean;
  /** Instructions of the image executed over all its sub-tests (calls excluded). */
  steps?: number;
  /** Calls of kernel functions and helpers it made. */
  kcalls?: number;
  /** Why it failed, when it did. */
  reason?: string;
}

export interface ConfigResult {
  /** Programs given to the JIT (skipped ones excluded). */
  programs: number;
  jited: number;
  refused: number;
  skipped: number;
  /** Words of all JITed images. */
  words: number;
  /** JITed programs whose image gave test_bpf's expected result in the simulator. */
  passed: number;
  /** JITed programs whose image gave a wrong result (mainline's miscompiles). */
  failed: number;
  results: ProgramResult[];
}

export interface MainlineReport {
  jit: 'mainline';
  programs: number;
  jited: number;
  refused: number;
  skipped: number;
  configs: Partial<Record<ConfigId, ConfigResult>>;
  skips: { id: string; reason: string }[];
  /** Kernel functions mainline references that the binding lacks (bound to address 0). */
  unbound: string[];
}

export interface MainlineOptions {
  corpora?: readonly CorpusName[];
  /** Default: the corpus binding of the simulator runner (kernel functions and helpers). */
  binding?: Binding;
  cacheRoot?: string;
  corpusCacheRoot?: string;
  /** Only these programs (a sample), when given. */
  filter?: (p: TestProgram) => boolean;
  progress?: (msg: string) => void;
}

/** Does the program call a helper (`call imm`, src_reg 0)? Scans the encoded form: no decoding. */
function callsHelpers(p: TestProgram): boolean {
  const bytes = encodedInsns(p);
  if (!bytes) return p.insns.some((i) => i.code === 0x85 && i.src === 0);
  for (let at = 0; at < bytes.length; at += 8) if (bytes[at] === 0x85 && bytes[at + 1]! >> 4 === 0) return true;
  return false;
}

/** The corpus programs of one byte order, bound as the kernel binds them before JITing. */
export function kernelBoundCorpus(
  treeDir: string,
  corpus: CorpusName,
  config: Config,
  binding: Binding,
  corpusCacheRoot?: string,
): { programs: TestProgram[]; skips: TestProgram[] } {
  return bindForKernel(loadCorpus(treeDir, corpus, config.endian, corpusCacheRoot ? { cacheRoot: corpusCacheRoot } : {}), corpus, binding);
}

/** Any corpus (the converted and realistic ones load asynchronously), bound the same way. */
export async function boundCorpus(
  treeDir: string,
  corpus: CorpusName,
  config: Config,
  binding: Binding,
  opts: { corpusCacheRoot?: string; progress?: (msg: string) => void } = {},
): Promise<{ programs: TestProgram[]; skips: TestProgram[] }> {
  if (corpus === 'test_bpf' || corpus === 'tail_calls') return kernelBoundCorpus(treeDir, corpus, config, binding, opts.corpusCacheRoot);
  return bindForKernel(await loadAnyCorpus(treeDir, corpus, config.endian, { progress: opts.progress }), corpus, binding);
}

function bindForKernel(all: TestProgram[], corpus: CorpusName, binding: Binding): { programs: TestProgram[]; skips: TestProgram[] } {
  let progs = all;
  const skips = progs.filter((p) => p.skip);
  progs = progs.filter((p) => !p.skip);
  if (corpus === 'tail_calls') progs = bindTailCalls(progs, LAYOUT.progArray);
  return { programs: progs.map((p) => (callsHelpers(p) ? bindCalls(p, helpersFor(p), binding) : p)), skips };
}

export async function mainlineReport(treeDir: string, configs: readonly Config[], opts: MainlineOptions = {}): Promise<MainlineReport> {
  const corpora = opts.corpora ?? HARNESS_CORPORA;
  const binding = opts.binding ?? corpusBinding();
  const report: MainlineReport = { jit: 'mainline', programs: 0, jited: 0, refused: 0, skipped: 0, configs: {}, skips: [], unbound: [] };
  const skipIds = new Map<string, string>();
  const unbound = new Set<string>();

  // Build every configuration's harness first: the gcc runs overlap.
  await Promise.all(configs.map((c) => buildHarness(treeDir, 'mainline', c, binding, { cacheRoot: opts.cacheRoot, progress: opts.progress })));
  for (const config of configs) {
    const started = performance.now();
    const programs: TestProgram[] = [];
    let skipped = 0;
    for (const corpus of corpora) {
      const got = await boundCorpus(treeDir, corpus, config, binding, { corpusCacheRoot: opts.corpusCacheRoot, progress: opts.progress });
      programs.push(...(opts.filter ? got.programs.filter(opts.filter) : got.programs));
      skipped += got.skips.length;
      for (const s of got.skips) skipIds.set(s.id, s.skip!);
    }
    opts.progress?.(`harness: ${config.id}: JITing ${programs.length} programs with mainline's JIT`);
    // each image runs in the simulator as it arrives (then its words are dropped); the
    // programs of a tail-call array are built at the bases the runner places them at
    const rc = { design: jitgen, config, binding };
    const members = new Map<string, number>();
    for (const p of programs) {
      if (p.tailCallTargets) imagePrograms(p).forEach((m, k) => members.set(m.id, k));
    }
    const bases = programs.map((p) => (binding.imageBase + (members.get(p.id) ?? 0) * LAYOUT.imageStride) >>> 0);
    const outcomes = new Map<string, { passed: boolean; steps?: number; kcalls?: number; reason?: string }>();
    const kept = new Map<string, Uint32Array>();
    const run = (p: TestProgram, imageFor: (q: { id: string }) => Uint32Array | { refused: string }): void => {
      const o = runTestJit(p, { ...rc, imageFor }, helpersFor(p));
      const cost = { steps: o.steps, kcalls: o.kcalls };
      outcomes.set(p.id, o.ok ? { passed: true, ...cost } : { passed: false, ...cost, reason: o.reason });
    };
    const images = await harnessJit(treeDir, 'mainline', config, programs, binding, {
      imageBases: bases,
      cacheRoot: opts.cacheRoot,
      progress: opts.progress,
      onBuild: (b) => b.unbound.forEach((u) => unbound.add(u)),
      onImage: (img, i) => {
        const p = programs[i]!;
        if (!img.jited || !img.words) return;
        if (members.has(p.id)) kept.set(p.id, img.words);
        else run(p, () => img.words!);
        img.words = undefined;
      },
    });
    for (const p of programs) {
      if (members.has(p.id) && kept.has(p.id)) run(p, (q) => kept.get(q.id) ?? { refused: `no image for ${q.id}` });
    }
    const r: ConfigResult = { programs: images.length, jited: 0, refused: 0, skipped, words: 0, passed: 0, failed: 0, results: [] };
    for (const img of images) {
      if (img.jited) {
        const o = outcomes.get(img.id)!;
        r.jited++;
        r.words += img.size;
        if (o.passed) r.passed++;
        else r.failed++;
        r.results.push({ id: img.id, jited: true, words: img.size, passed: o.passed, steps: o.steps, kcalls: o.kcalls, ...(o.reason ? { reason: o.reason } : {}) });
      } else {
        r.refused++;
        r.results.push({ id: img.id, jited: false, words: 0, error: img.error! });
      }
    }
    // time goes to the progress line only: the report itself is deterministic
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    opts.progress?.(`harness: ${config.id}: ${r.jited} JITed (${r.passed} pass, ${r.failed} fail in the simulator), ${r.refused} refused, ${r.words} words (${seconds} s)`);
    report.configs[config.id] = r;
    report.programs += r.programs;
    report.jited += r.jited;
    report.refused += r.refused;
    report.skipped += r.skipped;
  }
  report.skips = [...skipIds].map(([id, reason]) => ({ id, reason }));
  report.unbound = [...unbound].sort();
  return report;
}
