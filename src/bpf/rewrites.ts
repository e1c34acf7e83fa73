// The verifier's rewrites that change what a JIT sees (`--verifier-rewrites`), for inputs
// from outside test_bpf (which bypasses the verifier). As kernel/bpf/verifier.c does them
// in 6.12:
// - do_misc_fixups: a division or modulo by a register is guarded so that x/0 and x%0
//   never reach the CPU (BPF defines x/0 = 0 and x%0 = x; signed forms also define
//   INT_MIN/-1), using the same instruction sequences as the kernel, AX as its scratch;
// - opt_subreg_zext_lo32_rnd_hi32, for JITs that ask for it (bpf_jit_needs_zext(),
//   which MIPS32 does): an explicit zero extension (`w = w`, imm 1) after instructions
//   that define a 32-bit subregister, and prog->aux->verifier_zext = true. The kernel
//   inserts it only where its liveness analysis finds the high half read; this pass
//   inserts it after every such definition, which the JIT must handle all the same.
// Division by a constant zero is rejected, as the verifier rejects it.
import { InsnError } from '../errors.ts';
import { insnHex } from './codec.ts';
import * as op from './opcodes.ts';
import type { Insn } from './opcodes.ts';
import type { Program } from './program.ts';
import { patchInsns, type Patchlet } from './patch.ts';

const AX = op.REG_AX;
const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

/** `w = w` with imm 1: BPF_ZEXT_REG, the marker JITs recognise as an explicit zext. */
export const zextReg = (reg: number): Insn => insn(op.ALU | op.MOV | op.X, reg, reg, 0, 1);
const isZextReg = (i: Insn): boolean => i.code === (op.ALU | op.MOV | op.X) && i.imm === 1 && i.dst === i.src;

/** The guarded form of a DIV or MOD by a register (do_misc_fixups' patchlets). */
function guardDivision(i: Insn): Patchlet {
  const is64 = op.cls(i.code) === op.ALU64;
  const isDiv = op.op(i.code) === op.DIV;
  const signed = i.off === 1;
  const alu = is64 ? op.ALU64 : op.ALU;
  const jmp = is64 ? op.JMP : op.JMP32;
  const ja = (off: number): Insn => insn(op.JMP | op.JA, 0, 0, off, 0);
  const mov32 = (reg: number): Insn => insn(op.ALU | op.MOV | op.X, reg, reg, 0, 0);
  if (signed && isDiv) {
    // x s/ 0 -> 0, INT_MIN s/ -1 -> INT_MIN (= -x): AX = src + 1 is 0 or 1 exactly then
    return {
      insns: [
        insn(op.ALU64 | op.MOV | op.X, AX, i.src, 0, 0),
        insn(alu | op.ADD | op.K, AX, 0, 0, 1),
        insn(jmp | op.JGT | op.K, AX, 0, 4, 1),
        insn(jmp | op.JEQ | op.K, AX, 0, 1, 0),
        insn(alu | op.MOV | op.K, i.dst, 0, 0, 0),
        insn(alu | op.NEG | op.K, i.dst, 0, 0, 0),
        ja(1),
        i,
      ],
    };
  }
  if (signed) {
    // x s% 0 -> x, x s% -1 -> 0; the 64-bit form drops the trailing 32-bit zext
    const tail = is64 ? [] : [ja(1), mov32(i.dst)];
    return {
      insns: [
        insn(op.ALU64 | op.MOV | op.X, AX, i.src, 0, 0),
        insn(alu | op.ADD | op.K, AX, 0, 0, 1),
        insn(jmp | op.JGT | op.K, AX, 0, 3, 1),
        insn(jmp | op.JEQ | op.K, AX, 0, 3 + (is64 ? 0 : 1), 1),
        insn(op.ALU | op.MOV | op.K, i.dst, 0, 0, 0),
        ja(1),
        i,
        ...tail,
      ],
    };
  }
  if (isDiv) {
    // x / 0 -> 0
    return { insns: [insn(jmp | op.JNE | op.K, i.src, 0, 2, 0), insn(op.ALU | op.XOR | op.X, i.dst, i.dst, 0, 0), ja(1), i] };
  }
  // x % 0 -> x (the 32-bit form zero-extends it)
  const tail = is64 ? [] : [ja(1), mov32(i.dst)];
  return { insns: [insn(jmp | op.JEQ | op.K, i.src, 0, 1 + (is64 ? 0 : 1), 0), i, ...tail] };
}

/** Does this instruction define a 32-bit subregister (its result zero-extended)? */
function defines32(i: Insn): boolean {
  const c = op.cls(i.code);
  if (c === op.ALU) {
    if (isZextReg(i)) return false;
    // END to 64 bits writes all 64; BPF_END in class ALU with imm 16/32 zero-extends
    return !(op.op(i.code) === op.END && i.imm === 64);
  }
  if (c === op.LDX && op.mode(i.code) === op.MEM) return op.size(i.code) !== op.DW;
  return false;
}

function divisionByRegister(i: Insn): boolean {
  const c = op.cls(i.code);
  const o = op.op(i.code);
  return (c === op.ALU || c === op.ALU64) && (o === op.DIV || o === op.MOD) && op.src(i.code) === op.X;
}

function divisionByZero(i: Insn): boolean {
  const c = op.cls(i.code);
  const o = op.op(i.code);
  return (c === op.ALU || c === op.ALU64) && (o === op.DIV || o === op.MOD) && op.src(i.code) === op.K && i.imm === 0;
}

export interface RewriteOptions {
  /** Insert the explicit zero extensions (the JIT asks for them: MIPS32 does). Default true. */
  zext?: boolean;
}

/** The program as the verifier hands it to a JIT that asks for zero extensions. */
export function verifierRewrites<P extends Program>(prog: P, opts: RewriteOptions = {}): P {
  const zext = opts.zext ?? true;
  const insns = prog.insns;
  insns.forEach((i, k) => {
    if (divisionByZero(i)) throw new InsnError(prog.id, k, insnHex(i), 'division by zero (the verifier rejects the program)');
  });
  const guarded = patchInsns(insns, (i) => (divisionByRegister(i) ? guardDivision(i) : null));
  if (!zext) return { ...prog, insns: guarded };
  // the zext pass runs after the fixups, over their output (the guards' own 32-bit
  // definitions included); the second half of an LD_IMM64 (code 0) is not an ALU insn
  const extended = patchInsns(guarded, (i) => (defines32(i) ? { insns: [i, zextReg(i.dst)] } : null));
  return { ...prog, insns: extended, verifierZext: true };
}
