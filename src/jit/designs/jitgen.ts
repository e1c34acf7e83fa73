// The `jitgen` design: ours, and the default. Its register map starts from mainline's
// (every BPF register in a MIPS pair, no stack scratch; R10 in fp with zero as its high
// word; AX in gp:at) because that map lets helper calls take R1/R2 in place and keeps R6-R9
// in callee-saved registers; its plans are our own.
import type { Design } from '../design.ts';
import { MAINLINE_HOMES } from './homes.ts';
import type { Plan } from '../dsl.ts';
import { S0, S1, S2, S3, S4, S5, S6, S7, T8, T9, GP, FP, RA } from '../../mips/regs.ts';
import { commonPlans } from '../plans/common.ts';
import { alu32Plans } from '../plans/alu32.ts';
import { alu64Plans } from '../plans/alu64.ts';
import { jmpPlans } from '../plans/jmp.ts';
import { memPlans } from '../plans/mem.ts';
import { opsPlans } from '../plans/ops.ts';

export function planMap(...sets: Plan[][]): ReadonlyMap<string, Plan> {
  const m = new Map<string, Plan>();
  for (const p of sets.flat()) {
    if (m.has(p.name)) throw new Error(`two plans named '${p.name}'`);
    m.set(p.name, p);
  }
  return m;
}

export const jitgen: Design = {
  name: 'jitgen',
  summary:
    'Every BPF register in a MIPS register pair (R0 v0:v1, R1-R2 a0-a3, R3-R5 t0-t5, R6-R9 s0-s7), ' +
    'R10 in fp with zero as its high word, AX in gp:at, t6:t7 as a 64-bit temporary and t8/t9 as ' +
    'scratch. The tail-call counter travels in t9 and, in a program that tail-calls, lives in the O32 ' +
    'home area of the caller\'s frame. 64-bit ' +
    'division and atomics call kernel functions; 32-bit atomics are native ll/sc.',
  regs: MAINLINE_HOMES,
  scratch: [T8, T9],
  calleeSaved: [S0, S1, S2, S3, S4, S5, S6, S7, GP, FP, RA],
  conventions: {
    tailCallCounter:
      'set to MAX_TAIL_CALL_CNT in t9 by the first prologue instruction, which a tail call skips (the ' +
      'caller hands the counted-down counter over in t9 and the context in a0); a program that tail-calls ' +
      'keeps it in the 16-byte O32 home area of the caller\'s frame and counts it down before each tail call',
    helperArgs: 'R1 in a0-a1 and R2 in a2-a3 in place; R3-R5 stored to the O32 argument slots at sp+16..39',
    kernelCalls: {
      'ALU64 DIV/MOD': 'div64_u64, div64_s64, jit_mod64, jit_smod64',
      'ATOMIC DW': 'atomic64_* and jit_xchg64, atomic64_cmpxchg',
    },
    bpf2bpf:
      'each function is a bpf_prog of its own (jit_subprogs), called through lui/ori + jalr with the ' +
      'address the extra pass fills in; R1-R5 are already in the callee\'s homes, R0 comes back in its ' +
      'home, R6-R9 and R10 are callee-saved; no tail calls in such programs (no subprog tail calls)',
    kfunc:
      'arguments placed by O32 from the btf_func_model: 32-bit (chars and shorts widened) in one slot, ' +
      '64-bit in an aligned pair, slots past a3 at sp+16; the result from v0 (v0/v1 for 64 bits)',
  },
  plans: planMap(commonPlans, alu32Plans, alu64Plans, jmpPlans, memPlans, opsPlans),
  declines: {},
};
