// The booted kernel's JIT images (bpf_jit_dump in the serial log) against the host
// harness's images of the same programs: the harness is trusted only as far as this
// shows. Kernel-function addresses come from the booted build's System.map. The image
// base is not in the log (%p hashes it), and MIPS `j` encodes absolute address bits, so
// an image whose only differences are `j` words with one consistent offset gives away
// its base: the harness then JITs it again at that base and must match word for word.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { bindingFromSystemMap, DEFAULT_OFFSETS, DEFAULT_IMAGE_BASE, type Binding, type StructOffsets } from '../jit/binding.ts';
import { corpusBinding } from '../verify/jit-runner.ts';
import type { TestProgram } from '../bpf/program.ts';
import type { JitDump, SuiteName } from './boot.ts';
import { harnessJit, kernelBoundCorpus, type JitSources } from './harness/index.ts';

export interface ImageMismatch {
  id: string;
  kernelWords: number;
  harnessWords: number;
  /** First differing word: index, kernel's, harness's (hex). */
  first?: { at: number; kernel: string; harness: string };
  differing: number;
}

export interface DumpComparison {
  config: string;
  /** Dumped images compared with the harness. */
  compared: number;
  /** Equal word for word at the first base. */
  equal: number;
  /** Equal after JITing again at the base the image's `j` words imply. */
  equalAtInferredBase: number;
  mismatches: ImageMismatch[];
  /** Dumps with lost console lines, not compared. */
  incomplete: number;
  /** Dumps of programs the corpus does not hold (classic tests, skipped programs). */
  notInCorpus: string[];
  /** Programs the harness did not JIT although the kernel did. */
  notJitedByHarness: string[];
}

const J_OPCODE = 2;

/**
 * If `kernel` and `harness` differ only in `j` words whose 26-bit targets are offset by
 * one constant, the kernel's image base (given the harness's `base`); else undefined.
 */
export function inferImageBase(kernel: readonly number[], harness: ArrayLike<number>, base: number): number | undefined {
  if (kernel.length !== harness.length) return undefined;
  let delta: number | undefined;
  for (let i = 0; i < kernel.length; i++) {
    const k = kernel[i]!;
    const h = harness[i]!;
    if (k === h) continue;
    if (k >>> 26 !== J_OPCODE || h >>> 26 !== J_OPCODE) return undefined;
    const d = ((k & 0x3ffffff) - (h & 0x3ffffff) + 0x4000000) % 0x4000000;
    if (delta !== undefined && d !== delta) return undefined;
    delta = d;
  }
  if (delta === undefined) return undefined;
  // `j` keeps the top four address bits of the delay slot: the base stays in its 256 MB region.
  return ((base & 0xf0000000) | ((base + delta * 4) & 0x0fffffff)) >>> 0;
}

function mismatch(id: string, kernel: readonly number[], harness: ArrayLike<number>): ImageMismatch {
  const hex = (w: number | undefined): string => (w === undefined ? '-' : `0x${(w >>> 0).toString(16).padStart(8, '0')}`);
  let differing = 0;
  let first: ImageMismatch['first'];
  for (let i = 0; i < Math.max(kernel.length, harness.length); i++) {
    if (kernel[i] === harness[i]) continue;
    differing++;
    first ??= { at: i, kernel: hex(kernel[i]), harness: hex(harness[i]) };
  }
  return { id, kernelWords: kernel.length, harnessWords: harness.length, first, differing };
}

function sameWords(a: readonly number[], b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A 32-bit MIPS kernel's System.map prints addresses sign-extended to 64 bits
 * (`ffffffff801a5778 T __bpf_call_base`); bindingFromSystemMap reads 8-digit addresses,
 * so the map is rewritten beside the original with the upper half dropped.
 */
export function systemMap32(systemMap: string): string {
  const text = readFileSync(systemMap, 'utf8');
  if (!/^ffffffff[0-9a-f]{8} /m.test(text)) return systemMap;
  const out = `${systemMap}.32`;
  writeFileSync(out, text.replace(/^ffffffff([0-9a-f]{8}) /gm, '$1 '));
  return out;
}

/** The binding of a booted build: its System.map's addresses over the corpus defaults. */
export function bootBinding(systemMap: string, offsets: StructOffsets = DEFAULT_OFFSETS): Binding {
  const fromMap = bindingFromSystemMap(systemMap32(systemMap), offsets, DEFAULT_IMAGE_BASE);
  const defaults = corpusBinding();
  return { ...fromMap, symbols: new Map([...defaults.symbols, ...fromMap.symbols]) };
}

/**
 * Compares the dumped images with `jit` (mainline's C by default) in the harness, for
 * the test_bpf suite (tail-call programs embed the kernel's prog-array address, which
 * the log does not show, so they are left out).
 */
export async function compareDumpsWithHarness(
  tree: string,
  config: Config,
  dumps: readonly JitDump[],
  systemMap: string,
  opts: { jit?: JitSources; offsets?: StructOffsets; progress?: (m: string) => void } = {},
): Promise<DumpComparison> {
  const binding = bootBinding(systemMap, opts.offsets);
  const out: DumpComparison = { config: config.id, compared: 0, equal: 0, equalAtInferredBase: 0, mismatches: [], incomplete: 0, notInCorpus: [], notJitedByHarness: [] };
  const suite: SuiteName = 'test_bpf';
  const { programs } = kernelBoundCorpus(tree, 'test_bpf', config, binding);
  const byIndex = new Map<number, TestProgram>();
  for (const p of programs) byIndex.set(Number(p.id.split(':')[1]), p);
  const pairs: { dump: JitDump; prog: TestProgram }[] = [];
  for (const d of dumps) {
    if (d.suite !== suite) continue;
    if (!d.complete) {
      out.incomplete++;
      continue;
    }
    const prog = byIndex.get(d.index);
    if (!prog) out.notInCorpus.push(`${suite}:${d.index}`);
    else pairs.push({ dump: d, prog });
  }
  const jit = opts.jit ?? 'mainline';
  opts.progress?.(`comparing ${pairs.length} dumped images with the harness (${typeof jit === 'string' ? jit : 'custom'} JIT)`);
  const first = await harnessJit(tree, jit, config, pairs.map((p) => p.prog), binding);
  const retry: { pair: (typeof pairs)[number]; base: number }[] = [];
  first.forEach((img, i) => {
    const { dump, prog } = pairs[i]!;
    out.compared++;
    if (!img.jited || !img.words) {
      out.notJitedByHarness.push(prog.id);
      return;
    }
    if (sameWords(dump.words, img.words)) {
      out.equal++;
      return;
    }
    const base = inferImageBase(dump.words, img.words, binding.imageBase);
    if (base === undefined) out.mismatches.push(mismatch(prog.id, dump.words, img.words));
    else retry.push({ pair: pairs[i]!, base });
  });
  if (retry.length) {
    const again = await harnessJit(tree, jit, config, retry.map((r) => r.pair.prog), binding, { imageBases: retry.map((r) => r.base) });
    again.forEach((img, i) => {
      const { dump, prog } = retry[i]!.pair;
      if (img.words && sameWords(dump.words, img.words)) out.equalAtInferredBase++;
      else out.mismatches.push(mismatch(prog.id, dump.words, img.words ?? []));
    });
  }
  return out;
}
