// A program with bpf2bpf calls reaches the JIT as the verifier's jit_subprogs() hands it
// over: one bpf_prog per function (func[i], i = 0 the main program), each with its own
// instructions, each call rewritten to name its callee by number (off = subprog, imm =
// 1). Each function is JITed on its own; once all have addresses, an extra pass fills
// them into the calls (bpf_jit_get_func_addr). This module does the split.
import type { Insn } from '../bpf/opcodes.ts';
import type { Program } from '../bpf/program.ts';
import { insnHex } from '../bpf/codec.ts';
import { InsnError } from '../errors.ts';
import { jumpTarget, isJump, isLocalCall } from '../bpf/patch.ts';

export interface Subprog {
  /** Index of the function's first instruction in the whole program. */
  first: number;
  /** Its instructions, calls rewritten to `off` = callee number, `imm` = 1. */
  insns: Insn[];
}

/**
 * The program's functions, in order; one function (the program as it is) when it makes
 * no bpf2bpf call. A call to no instruction, or a jump from one function into another,
 * is an error the verifier would report.
 */
export function splitSubprograms(prog: Program): Subprog[] {
  const { insns } = prog;
  const starts = new Set([0]);
  insns.forEach((insn, i) => {
    if (!isLocalCall(insn)) return;
    const to = i + 1 + insn.imm;
    if (to < 0 || to >= insns.length) {
      throw new InsnError(prog.id, i, insnHex(insn), `bpf2bpf call to insn ${to}, outside the program (0..${insns.length - 1})`);
    }
    starts.add(to);
  });
  if (starts.size === 1) return [{ first: 0, insns }];
  const firsts = [...starts].sort((a, b) => a - b);
  const funcOf = (i: number): number => firsts.filter((f) => f <= i).length - 1;
  return firsts.map((first, k) => {
    const end = firsts[k + 1] ?? insns.length;
    const body = insns.slice(first, end).map((insn, j) => {
      const i = first + j;
      if (isLocalCall(insn)) return { ...insn, off: funcOf(i + 1 + insn.imm), imm: 1 };
      if (isJump(insn)) {
        const to = jumpTarget(insn, i);
        // a jump to the function's end is its fall-through exit; anything else must stay inside
        if (to < first || to > end || (to === end && end !== insns.length)) {
          throw new InsnError(prog.id, i, insnHex(insn), `jump to insn ${to}, out of its function (insns ${first}..${end - 1})`);
        }
      }
      return insn;
    });
    return { first, insns: body };
  });
}
