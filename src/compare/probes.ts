// Per-feature static cost: one representative instruction followed by `exit`, compiled
// by each design, against `exit` alone. The model designs are compiled by the JIT core
// (jit()), mainline by its real C in the host harness; the same programs go to both, so
// the counts compare. The growth of the whole image is the measure (it is the only one
// mainline's images give: the harness returns words, not per-instruction offsets); for
// the model designs the instruction's own words (from JitImage.bpfStart) come beside it.
import * as op from '../bpf/opcodes.ts';
import type { Insn } from '../bpf/opcodes.ts';
import type { Program } from '../bpf/program.ts';
import { disasmInsn } from '../bpf/disasm.ts';
import { defaultHelpers, FUNC_KTIME_GET_NS } from '../bpf/helpers.ts';
import type { Config } from '../config.ts';
import { InputError } from '../errors.ts';
import type { Binding } from '../jit/binding.ts';
import { jit, type JitImage } from '../jit/core.ts';
import type { Design } from '../jit/design.ts';
import { decode } from '../mips/codec.ts';
import { SP } from '../mips/regs.ts';
import { harnessJit } from '../kernel/harness/index.ts';
import { bindCalls } from '../verify/jit-runner.ts';
import { featureOf } from './features.ts';

/** One probe: a feature and the program that exercises it. */
export interface Probe {
  feature: string;
  /** The representative instruction in bpftool syntax. */
  text: string;
  prog: Program;
  /** The same program without the instruction: what its growth is measured against. */
  base: Program;
}

/** A design's static cost of one probe (null counts: declined or refused). */
export interface ProbeCost {
  /** Words the image grows by over the `exit`-only program. */
  delta: number | null;
  /** Words the instruction's own code takes (model designs; absent for mainline). */
  body?: number | null;
  /** Why it was not compiled. */
  declined?: string;
  /** The image calls out (a `jalr`): the operation is a kernel-function call. */
  calls?: boolean;
}

/** Frame bytes of a few shapes of program, read from each image's prologue. */
export interface FrameCost {
  shape: string;
  bytes: number | null;
}

// registers of the probes: R2 and R3 are caller-saved in every preset, so the prologue
// saves nothing for them and the image growth is the instruction's own cost
const DST = 2;
const SRC = 3;
const IMM = 7;
const OFF = 8;

const insn = (code: number, dst = DST, src = SRC, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const EXIT = insn(op.JMP | op.EXIT, 0, 0);
/** What a probe jump skips: `r0 = 0`. */
const FILLER = insn(op.ALU64 | op.MOV | op.K, 0, 0, 0, 0);

function program(id: string, insns: Insn[], stackDepth = 0): Program {
  return { id, insns: [...insns, EXIT], verifierZext: false, stackDepth };
}

const ALU_OPS = [op.ADD, op.SUB, op.MUL, op.DIV, op.OR, op.AND, op.LSH, op.RSH, op.MOD, op.XOR, op.MOV, op.ARSH];
const JMP_OPS = [op.JEQ, op.JGT, op.JGE, op.JSET, op.JNE, op.JSGT, op.JSGE, op.JLT, op.JLE, op.JSLT, op.JSLE];
const SIZES = [op.B, op.H, op.W, op.DW];
const ATOMIC_IMMS = [
  op.ADD, op.AND, op.OR, op.XOR, op.ADD | op.FETCH, op.AND | op.FETCH, op.OR | op.FETCH, op.XOR | op.FETCH, op.XCHG, op.CMPXCHG,
];

/** The representative instructions, one per feature, in class order. */
function probeInsns(): Insn[][] {
  const out: Insn[][] = [];
  for (const cls of [op.ALU, op.ALU64]) {
    for (const o of ALU_OPS) {
      out.push([insn(cls | o | op.K, DST, 0, 0, IMM)]);
      out.push([insn(cls | o | op.X)]);
    }
    out.push([insn(cls | op.NEG, DST, 0)]);
    out.push([insn(cls | op.MOV | op.X, DST, SRC, 16)]); // MOVSX (ISA v4)
    for (const o of [op.DIV, op.MOD]) {
      out.push([insn(cls | o | op.K, DST, 0, 1, IMM)]); // SDIV/SMOD (ISA v4)
      out.push([insn(cls | o | op.X, DST, SRC, 1)]);
    }
  }
  out.push([insn(op.ALU | op.END | op.TO_LE, DST, 0, 0, 32)]);
  out.push([insn(op.ALU | op.END | op.TO_BE, DST, 0, 0, 32)]);
  out.push([insn(op.ALU64 | op.END, DST, 0, 0, 32)]);
  // LD_IMM64 with both halves needing lui + ori
  out.push([insn(op.LD | op.IMM | op.DW, DST, 0, 0, 0x12345678), insn(0, 0, 0, 0, 0x9abcdef0 | 0)]);
  for (const s of SIZES) out.push([insn(op.LDX | op.MEM | s, DST, SRC, OFF)]);
  for (const s of [op.B, op.H, op.W]) out.push([insn(op.LDX | op.MEMSX | s, DST, SRC, OFF)]);
  for (const s of SIZES) out.push([insn(op.STX | op.MEM | s, SRC, DST, OFF)]);
  for (const s of SIZES) out.push([insn(op.ST | op.MEM | s, SRC, 0, OFF, IMM)]);
  for (const s of [op.W, op.DW]) for (const imm of ATOMIC_IMMS) out.push([insn(op.STX | op.ATOMIC | s, SRC, DST, OFF, imm)]);
  // jumps skip one instruction: mainline emits nothing for a jump to the next one
  for (const cls of [op.JMP, op.JMP32]) {
    for (const o of JMP_OPS) {
      out.push([insn(cls | o | op.K, DST, 0, 1, IMM), FILLER]);
      out.push([insn(cls | o | op.X, DST, SRC, 1), FILLER]);
    }
  }
  out.push([insn(op.JMP | op.JA, 0, 0, 1), FILLER]);
  out.push([insn(op.JMP32 | op.JA, 0, 0, 0, 1), FILLER]);
  out.push([insn(op.JMP | op.CALL, 0, 0, 0, FUNC_KTIME_GET_NS)]);
  out.push([insn(op.JMP | op.CALL, 0, 0, 0, op.FUNC_TAIL_CALL)]);
  return out;
}

/** The `exit`-only program every probe is measured against. */
export const BASELINE: Program = program('probe:baseline', []);

/** Every probe, with helper calls bound as the kernel binds them (imm = func - __bpf_call_base). */
export function probes(binding: Binding): Probe[] {
  const helpers = defaultHelpers(-1);
  return probeInsns().map((insns) => {
    const feature = featureOf(insns[0]!);
    const prog = bindCalls(program(`probe:${feature}`, insns), helpers, binding);
    const rest = insns.slice(op.isLdImm64(insns[0]!) ? 2 : 1);
    const base = rest.length === 0 ? BASELINE : program(`probe:base:${feature}`, rest);
    return { feature, text: disasmInsn(insns, 0), prog, base };
  });
}

/** Programs whose frames the designs section reports, by shape. */
export function frameProbes(binding: Binding): { shape: string; prog: Program }[] {
  const helpers = defaultHelpers(-1);
  const call = insn(op.JMP | op.CALL, 0, 0, 0, FUNC_KTIME_GET_NS);
  const store = insn(op.STX | op.MEM | op.DW, op.REG_FP, 0, -8);
  return [
    { shape: 'leaf, no BPF stack', prog: program('frame:leaf', [insn(op.ALU64 | op.MOV | op.K, 0, 0, 0, 1)]) },
    { shape: 'leaf, 64-byte BPF stack', prog: program('frame:stack', [store], 64) },
    { shape: 'helper call, no BPF stack', prog: bindCalls(program('frame:call', [call]), helpers, binding) },
    { shape: 'helper call, 64-byte BPF stack', prog: bindCalls(program('frame:call+stack', [store, call], 64), helpers, binding) },
    { shape: 'R6-R9 used, no call', prog: program('frame:callee-saved', [6, 7, 8, 9].map((r) => insn(op.ALU64 | op.MOV | op.K, r, 0, 0, 1))) },
  ];
}

/** Does an image call anything (jalr, the only call the JITs emit)? */
export function callsOut(words: Uint32Array, isa: Config['isa']): boolean {
  return words.some((w) => decode(w, isa)?.op === 'jalr');
}

/** Frame bytes of an image: what its prologue subtracts from sp (0 when it does not). */
export function frameBytes(words: Uint32Array, isa: Config['isa']): number {
  for (const w of words.slice(0, 8)) {
    const d = decode(w, isa);
    if (d && d.op === 'addiu' && d.args[0] === SP && d.args[1] === SP && (d.args[2]! | 0) < 0) return -(d.args[2]! | 0);
  }
  return 0;
}

function tryJit(prog: Program, design: Design, config: Config, binding: Binding): JitImage | { declined: string } {
  try {
    return jit(prog, { design, config, binding });
  } catch (err) {
    const e = err as Error;
    if (!(err instanceof InputError) && e.name !== 'EncodeError') throw err;
    return { declined: e.message.replace(/^.*?: insn \d+ \([^)]*\): /, '') };
  }
}

/** Probe costs of a model design, by feature. */
export function modelProbeCosts(design: Design, config: Config, binding: Binding): Record<string, ProbeCost> {
  const out: Record<string, ProbeCost> = {};
  for (const p of probes(binding)) {
    const base = tryJit(p.base, design, config, binding);
    if ('declined' in base) throw new Error(`design ${design.name} cannot compile ${p.base.id}: ${base.declined}`);
    const img = tryJit(p.prog, design, config, binding);
    if ('declined' in img) {
      out[p.feature] = { delta: null, body: null, declined: img.declined };
      continue;
    }
    // the instruction's own words: up to the next instruction (LD_IMM64 takes two slots)
    const next = op.isLdImm64(p.prog.insns[0]!) ? 2 : 1;
    out[p.feature] = {
      delta: img.words.length - base.words.length,
      body: img.bpfStart[next]! - img.bpfStart[0]!,
      calls: callsOut(img.words, config.isa),
    };
  }
  return out;
}

/** Frames of a model design, by shape. */
export function modelFrames(design: Design, config: Config, binding: Binding): FrameCost[] {
  return frameProbes(binding).map(({ shape, prog }) => {
    const img = tryJit(prog, design, config, binding);
    return { shape, bytes: 'declined' in img ? null : frameBytes(img.words, config.isa) };
  });
}

/** Probe costs and frames of mainline's real C, in one harness run. */
export async function mainlineProbeCosts(
  treeDir: string,
  config: Config,
  binding: Binding,
  cacheRoot?: string,
): Promise<{ probes: Record<string, ProbeCost>; frames: FrameCost[] }> {
  const ps = probes(binding);
  const fs = frameProbes(binding);
  const bases = [...new Set(ps.map((p) => p.base))];
  const programs = [...bases, ...ps.map((p) => p.prog), ...fs.map((f) => f.prog)];
  const images = await harnessJit(treeDir, 'mainline', config, programs, binding, { cacheRoot });
  const out: Record<string, ProbeCost> = {};
  ps.forEach((p, i) => {
    const base = images[bases.indexOf(p.base)]!;
    if (!base.jited) throw new InputError(`mainline (${config.id}) refused ${p.base.id}: ${base.error}`);
    const img = images[bases.length + i]!;
    out[p.feature] = img.jited
      ? { delta: img.size - base.size, calls: img.words ? callsOut(img.words, config.isa) : false }
      : { delta: null, declined: img.error ?? 'refused' };
  });
  const frames = fs.map((f, i) => {
    const img = images[bases.length + ps.length + i]!;
    return { shape: f.shape, bytes: img.jited && img.words ? frameBytes(img.words, config.isa) : null };
  });
  return { probes: out, frames };
}
