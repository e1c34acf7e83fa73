// Constant blinding (`--harden`), with the kernel's rewrites (bpf_jit_blind_constants in
// kernel/bpf/core.c): every user constant is loaded into AX as `rnd ^ imm`, XORed with
// `rnd`, and the instruction uses AX instead. Jumps are then re-pointed across the
// longer code exactly as the kernel's patching does (a jump lands on the first
// instruction of its target's rewrite). The random numbers come from a seeded PRNG, so
// the model and the harness, which get the same blinded program, compare word for word.
import * as op from '../bpf/opcodes.ts';
import type { Insn } from '../bpf/opcodes.ts';
import type { Program } from '../bpf/program.ts';
import { isJump, patchInsns } from '../bpf/patch.ts';

const AX = op.REG_AX;

/** splitmix32: small, seedable, and the same on every platform. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm: imm | 0 });

const BLIND_ALU = [op.ADD, op.SUB, op.AND, op.OR, op.XOR, op.MUL, op.MOV, op.DIV, op.MOD];
const BLIND_JMP = [op.JEQ, op.JNE, op.JGT, op.JLT, op.JGE, op.JLE, op.JSGT, op.JSLT, op.JSGE, op.JSLE, op.JSET];

/**
 * The rewrite of one instruction (null: unchanged). `first` is the first half of an
 * LD_IMM64 when `from` is its second half.
 */
function rewrite(from: Insn, first: Insn | undefined, second: Insn | undefined, rnd: number, zext: boolean): Insn[] | null {
  if (from.dst === AX || from.src === AX) return null;
  const cls = op.cls(from.code);
  const o = op.op(from.code);
  if (from.imm === 0 && (from.code === (op.ALU | op.MOV | op.K) || from.code === (op.ALU64 | op.MOV | op.K))) {
    return [insn(op.ALU64 | op.XOR | op.X, from.dst, from.dst, 0, 0)];
  }
  const load = (cls64: number, value: number): Insn[] => [
    insn(cls64 | op.MOV | op.K, AX, 0, 0, rnd ^ value),
    insn(cls64 | op.XOR | op.K, AX, 0, 0, rnd),
  ];
  if ((cls === op.ALU || cls === op.ALU64) && op.src(from.code) === op.K && BLIND_ALU.includes(o)) {
    return [...load(cls, from.imm), insn(cls | o | op.X, from.dst, AX, from.off, 0)];
  }
  if ((cls === op.JMP || cls === op.JMP32) && op.src(from.code) === op.K && BLIND_JMP.includes(o)) {
    // the jump moves two instructions down: a back jump reaches two further
    const off = from.off < 0 ? from.off - 2 : from.off;
    return [...load(cls === op.JMP ? op.ALU64 : op.ALU, from.imm), insn(cls | o | op.X, from.dst, AX, off, 0)];
  }
  if (from.code === (op.LD | op.IMM | op.DW) && second) {
    // the first half builds the high word (from the second instruction's imm)
    return [
      ...load(op.ALU64, second.imm),
      insn(op.ALU64 | op.LSH | op.K, AX, 0, 0, 32),
      insn(op.ALU64 | op.MOV | op.X, from.dst, AX, 0, 0),
    ];
  }
  if (from.code === 0 && first) {
    // the second half ORs in the low word
    return [
      insn(op.ALU | op.MOV | op.K, AX, 0, 0, rnd ^ first.imm),
      insn(op.ALU | op.XOR | op.K, AX, 0, 0, rnd),
      // BPF_ZEXT_REG: a 32-bit move of AX to itself with imm 1 marks an explicit zext
      ...(zext ? [insn(op.ALU | op.MOV | op.X, AX, AX, 0, 1)] : []),
      insn(op.ALU64 | op.OR | op.X, first.dst, AX, 0, 0),
    ];
  }
  if (cls === op.ST && op.mode(from.code) === op.MEM) {
    return [...load(op.ALU64, from.imm), insn(op.STX | op.MEM | op.size(from.code), from.dst, AX, from.off, 0)];
  }
  return null;
}

/** `prog` as bpf_jit_blind_constants leaves it, with random numbers from `seed`. */
export function blindConstants<P extends Program>(prog: P, seed: number): P {
  const next = prng(seed);
  const old = prog.insns;
  const isFuncAddr = (i: Insn | undefined): boolean => i?.code === (op.LD | op.IMM | op.DW) && i.src === op.PSEUDO_FUNC;
  const insns = patchInsns(old, (from, i) => {
    // the address of a subprogram is not a user constant: both halves stay, unblinded
    if (isFuncAddr(from) || (from.code === 0 && isFuncAddr(old[i - 1]))) return null;
    // the kernel draws a number for every instruction, unchanged ones included; the
    // second half of LD_IMM64 (code 0) is rewritten from both halves' data
    const rnd = next();
    const prev = old[i - 1];
    const first = from.code === 0 && prev?.code === (op.LD | op.IMM | op.DW) ? prev : undefined;
    const rw = rewrite(from, first, old[i + 1], rnd, prog.verifierZext);
    // a blinded jump keeps aiming at its original target, wherever that moved
    return rw && { insns: rw, jumpAt: rw.findIndex(isJump) };
  });
  return { ...prog, insns };
}
