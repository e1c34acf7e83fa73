// Replacing instructions by longer sequences, with jumps re-pointed as the kernel's
// bpf_patch_insn_data does: a jump keeps its original target, and a jump to a replaced
// instruction lands on the first instruction of its replacement. Jumps inside a
// replacement are relative to it and stay as written.
import * as op from './opcodes.ts';
import type { Insn } from './opcodes.ts';

/** A replacement; `jumpAt`: which of its instructions is the original jump (re-pointed). */
export interface Patchlet {
  insns: Insn[];
  jumpAt?: number;
}

/** A conditional or unconditional jump (not a call, exit or tail call). */
export function isJump(i: Insn): boolean {
  const c = op.cls(i.code);
  if (c !== op.JMP && c !== op.JMP32) return false;
  const o = op.op(i.code);
  return o !== op.EXIT && o !== op.CALL && o !== op.TAIL_CALL;
}

/** A bpf2bpf call: its target is relative, in imm (the kernel's patching re-points it too). */
export function isLocalCall(i: Insn): boolean {
  return i.code === (op.JMP | op.CALL) && i.src === op.PSEUDO_CALL;
}

/**
 * The instruction a jump at index i goes to (JMP32 JA carries its offset in imm, as
 * does a bpf2bpf call its callee's).
 */
export function jumpTarget(insn: Insn, i: number): number {
  const inImm = insn.code === (op.JMP32 | op.JA) || isLocalCall(insn);
  return i + 1 + (inImm ? insn.imm : insn.off);
}

/**
 * `replace(insn, i)` gives the replacement of instruction i, or null to keep it. The
 * second half of an LD_IMM64 is offered too (it may need its first half: `insns[i - 1]`);
 * returning a patchlet for only one half is the caller's business.
 */
export function patchInsns(insns: readonly Insn[], replace: (insn: Insn, i: number) => Patchlet | null): Insn[] {
  const out: Insn[] = [];
  /** New index of the first instruction of each old instruction's replacement. */
  const start: number[] = new Array(insns.length + 1);
  /** New jump index -> the old instruction it must reach. */
  const targets = new Map<number, number>();
  for (let i = 0; i < insns.length; i++) {
    const from = insns[i]!;
    start[i] = out.length;
    const p = replace(from, i);
    if (!p) {
      if (isJump(from) || isLocalCall(from)) targets.set(out.length, jumpTarget(from, i));
      out.push(from);
      continue;
    }
    p.insns.forEach((e, k) => {
      if (k === p.jumpAt) targets.set(out.length, jumpTarget(from, i));
      out.push(e);
    });
  }
  start[insns.length] = out.length;
  for (const [at, t] of targets) {
    const j = out[at]!;
    const off = start[t]! - at - 1;
    out[at] = j.code === (op.JMP32 | op.JA) || isLocalCall(j) ? { ...j, imm: off } : { ...j, off };
  }
  return out;
}
