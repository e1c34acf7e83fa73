// `jitgen diff`: two designs' listings of one program side by side, per BPF instruction
// (prologue, each instruction, epilogue), aligned with the `diff` package, with word
// counts and deltas. Mainline's image comes from the host harness; it has no
// per-instruction offsets, so it is split at the johan model's offsets when the model's
// words equal it (the harness checks they do for the corpus), else shown whole.
import { diffArrays } from 'diff';
import type { Program } from '../bpf/program.ts';
import { disasmInsn } from '../bpf/disasm.ts';
import * as op from '../bpf/opcodes.ts';
import type { Config } from '../config.ts';
import { InputError } from '../errors.ts';
import type { Binding } from '../jit/binding.ts';
import { jit } from '../jit/core.ts';
import { disasm } from '../mips/codec.ts';
import { harnessJit } from '../kernel/harness/index.ts';
import { MAINLINE, presetFor } from './facts.ts';

/** One design's image, cut into sections (null offsets: not split per instruction). */
export interface SplitImage {
  design: string;
  words: Uint32Array;
  bpfStart: number[] | null;
  /** How the image was split, when not by the design itself. */
  note?: string;
}

export interface DiffSection {
  /** `prologue`, `epilogue`, `whole image`, or `N: <bpf instruction>`. */
  label: string;
  a: string[];
  b: string[];
}

export interface DiffResult {
  prog: string;
  config: string;
  designs: [string, string];
  words: [number, number];
  notes: string[];
  sections: DiffSection[];
}

export interface DiffOptions {
  binding: Binding;
  /** Needed for mainline (the harness compiles the tree's C). */
  treeDir?: string;
  harnessCache?: string;
}

async function compile(name: string, prog: Program, config: Config, opts: DiffOptions): Promise<SplitImage> {
  if (name !== MAINLINE) {
    try {
      const img = jit(prog, { design: presetFor(name), config, binding: opts.binding });
      return { design: name, words: img.words, bpfStart: img.bpfStart };
    } catch (err) {
      // say which of the two designs refused
      if (err instanceof InputError) throw new InputError(`design ${name}: ${err.message}`);
      throw err;
    }
  }
  if (!opts.treeDir) throw new InputError('diff: mainline needs a kernel tree (--tree)');
  const [img] = await harnessJit(opts.treeDir, 'mainline', config, [prog], opts.binding, { cacheRoot: opts.harnessCache });
  if (!img!.jited || !img!.words) throw new InputError(`${prog.id}: mainline refused it: ${img!.error ?? 'not JITed'}`);
  const words = img!.words;
  let model: Uint32Array | undefined;
  let bpfStart: number[] | undefined;
  try {
    const j = jit(prog, { design: presetFor(MAINLINE), config, binding: opts.binding });
    model = j.words;
    bpfStart = j.bpfStart;
  } catch {
    model = undefined;
  }
  if (model && bpfStart && model.length === words.length && model.every((w, i) => w === words[i])) {
    return { design: name, words, bpfStart, note: "mainline's image (host harness) split at the johan model's offsets: its words are identical" };
  }
  return { design: name, words, bpfStart: null, note: "mainline's image differs from the johan model's, so it is not split per instruction" };
}

function lines(img: SplitImage, from: number, to: number, config: Config, base: number): string[] {
  const out: string[] = [];
  for (let w = from; w < to; w++) out.push(disasm(img.words[w]!, config.isa, base + 4 * w).replace('\t', ' '));
  return out;
}

/** Where a section of a listing starts and ends, given an image's per-instruction offsets. */
interface SectionCut {
  label: string;
  from: (starts: number[]) => number;
  to: (starts: number[], words: number) => number;
}

function sectionsOf(prog: Program): SectionCut[] {
  const n = prog.insns.length;
  const out: SectionCut[] = [{ label: 'prologue', from: () => 0, to: (s) => s[0]! }];
  for (let i = 0; i < n; i++) {
    const next = op.isLdImm64(prog.insns[i]!) ? i + 2 : i + 1;
    const at = i;
    out.push({ label: `${i}: ${disasmInsn(prog.insns, i, prog)}`, from: (s) => s[at]!, to: (s) => s[next]! });
    // LD_IMM64 is one section over both slots
    i = next - 1;
  }
  out.push({ label: 'epilogue', from: (s) => s[n]!, to: (_s, len) => len });
  return out;
}

export async function diffDesigns(prog: Program, designs: [string, string], config: Config, opts: DiffOptions): Promise<DiffResult> {
  const [a, b] = [await compile(designs[0], prog, config, opts), await compile(designs[1], prog, config, opts)];
  const base = opts.binding.imageBase;
  const notes = [a.note, b.note].filter((x): x is string => x !== undefined);
  let sections: DiffSection[];
  if (a.bpfStart && b.bpfStart) {
    const sa = a.bpfStart;
    const sb = b.bpfStart;
    sections = sectionsOf(prog).map((s) => ({
      label: s.label,
      a: lines(a, s.from(sa), s.to(sa, a.words.length), config, base),
      b: lines(b, s.from(sb), s.to(sb, b.words.length), config, base),
    }));
  } else {
    sections = [{ label: 'whole image', a: lines(a, 0, a.words.length, config, base), b: lines(b, 0, b.words.length, config, base) }];
  }
  return { prog: prog.id, config: config.id, designs, words: [a.words.length, b.words.length], notes, sections };
}

const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));
const WIDTH = 34;

/** Side-by-side rows of one section: `=` same, `~` changed, `<` only in A, `>` only in B. */
export function sideBySide(a: readonly string[], b: readonly string[]): string[] {
  const rows: string[] = [];
  const row = (mark: string, l: string, r: string): void => void rows.push(`      ${mark} ${l.padEnd(WIDTH)} | ${r}`.trimEnd());
  const changes = diffArrays([...a], [...b]);
  for (let k = 0; k < changes.length; k++) {
    const c = changes[k]!;
    if (!c.added && !c.removed) {
      for (const v of c.value) row('=', v, v);
      continue;
    }
    // a removal followed by an addition: pair them up as changed lines
    const next = changes[k + 1];
    if (c.removed && next?.added) {
      const n = Math.max(c.value.length, next.value.length);
      for (let i = 0; i < n; i++) {
        const l = c.value[i];
        const r = next.value[i];
        row(l !== undefined && r !== undefined ? '~' : l !== undefined ? '<' : '>', l ?? '', r ?? '');
      }
      k++;
      continue;
    }
    for (const v of c.value) (c.removed ? row('<', v, '') : row('>', '', v));
  }
  return rows;
}

export function formatDiff(d: DiffResult): string[] {
  const [na, nb] = d.designs;
  const out = [
    `; ${d.prog} (${d.config}): ${na} ${d.words[0]} words, ${nb} ${d.words[1]} words, ${nb} - ${na} = ${signed(d.words[1] - d.words[0])}`,
    ...d.notes.map((n) => `; ${n}`),
    `; per section: ${na} words / ${nb} words (delta); '=' same, '~' changed, '<' only ${na}, '>' only ${nb}`,
  ];
  for (const s of d.sections) {
    out.push(`${s.label}    [${s.a.length} / ${s.b.length} (${signed(s.b.length - s.a.length)})]`);
    out.push(...sideBySide(s.a, s.b));
  }
  return out;
}
