// How many bytes of BPF stack a program uses, as the verifier records it in
// `prog->aux->stack_depth`, for inputs that did not come through a verifier.
import * as op from './opcodes.ts';
import type { Insn } from './opcodes.ts';

/**
 * The stack bytes a program uses (what the verifier puts in `aux->stack_depth`): the
 * deepest R10-relative access, directly or through a register set to R10 plus a constant
 * (the way compilers pass stack buffers to helpers). A register derived from R10 in any
 * other way, or spilled to memory, makes it the whole 512 bytes. The scan is linear (no
 * control flow); an underestimate would let the JITed code's stack accesses overwrite its
 * saved registers, which `verify` then reports as a difference, not silently.
 */
export function stackDepthOf(insns: readonly Insn[]): number {
  let depth = 0;
  const fpPlus = new Map<number, number>();
  const deeper = (k: number): void => {
    depth = Math.max(depth, -k);
  };
  for (const i of insns) {
    const cls = op.cls(i.code);
    if (cls === op.LDX || cls === op.STX || cls === op.ST) {
      const base = cls === op.LDX ? i.src : i.dst;
      if (base === op.REG_FP) deeper(i.off);
      else if (fpPlus.has(base)) deeper(fpPlus.get(base)! + i.off);
      // a stack pointer spilled to memory comes back untracked: assume the whole stack
      if (cls === op.STX && (i.src === op.REG_FP || fpPlus.has(i.src))) return op.MAX_BPF_STACK;
      if (cls === op.LDX) fpPlus.delete(i.dst);
      continue;
    }
    if (cls === op.ALU64 && op.op(i.code) === op.MOV && op.src(i.code) === op.X && i.off === 0 && (i.src === op.REG_FP || fpPlus.has(i.src))) {
      fpPlus.set(i.dst, i.src === op.REG_FP ? 0 : fpPlus.get(i.src)!);
      continue;
    }
    if (cls === op.ALU64 && fpPlus.has(i.dst) && op.src(i.code) === op.K && (op.op(i.code) === op.ADD || op.op(i.code) === op.SUB)) {
      const k = fpPlus.get(i.dst)! + (op.op(i.code) === op.ADD ? i.imm : -i.imm);
      fpPlus.set(i.dst, k);
      deeper(k);
      continue;
    }
    if (cls === op.ALU || cls === op.ALU64) {
      const overwrite = op.op(i.code) === op.MOV;
      // any other arithmetic on (or with) a stack pointer: its offset is no longer known
      if ((!overwrite && fpPlus.has(i.dst)) || (op.src(i.code) === op.X && (fpPlus.has(i.src) || i.src === op.REG_FP))) return op.MAX_BPF_STACK;
      fpPlus.delete(i.dst);
      continue;
    }
    if (cls === op.LD && op.isLdImm64(i)) fpPlus.delete(i.dst);
    if ((cls === op.JMP || cls === op.JMP32) && op.op(i.code) === op.CALL) for (let r = 0; r <= 5; r++) fpPlus.delete(r);
  }
  return Math.min(op.MAX_BPF_STACK, depth);
}
