// The `tony` preset: Tony Ambardar's RFC v1 MIPS32 JIT (bpf-next, 11 July 2021; patch 14/14
// adds arch/mips/net/ebpf_jit_comp32.c). Register pairs as in DESIGN.md's table, `at`, t8
// and t9 as the JIT's scratch, the tail-call counter on the stack, 64-bit div/mod as a
// kernel call, XADD as the only atomic. Its own plans (plans/tony/) carry his sequences
// for ALU, ALU64, div/mod and atomics; jumps, loads/stores, byte swaps, LD_IMM64 and the
// core (prologue, epilogue, helper and tail calls) are jitgen's: an approximation, stated
// per plan in plans/tony/alu.ts, that flatters RFC v1 wherever jitgen's code-quality work
// made those shorter (jumps with constants, a frameless epilogue). No harness checks his
// words; compare his ALU, div/mod and atomic counts, not his jumps.
import type { Design } from '../design.ts';
import type { Plan } from '../dsl.ts';
import { AT, FP, GP, RA, S0, S1, S2, S3, S4, S5, S6, S7, T8, T9 } from '../../mips/regs.ts';
import { jitgen } from './jitgen.ts';
import { MAINLINE_HOMES } from './homes.ts';
import { tonyPlans } from '../plans/tony/alu.ts';

function withOverrides(base: ReadonlyMap<string, Plan>, own: Plan[]): ReadonlyMap<string, Plan> {
  const m = new Map(base);
  for (const p of own) m.set(p.name, p);
  return m;
}

export const tony: Design = {
  name: 'tony',
  summary:
    'Tony Ambardar\'s RFC v1 (July 2021): BPF registers in MIPS pairs (R0 v0:v1, R1-R2 a0-a3, R3-R5 t0-t5, ' +
    'R6-R9 s0-s7, R10 in fp reading zero above), at/t8/t9 as JIT scratch, the tail-call counter on the stack, ' +
    '64-bit div/mod through one kernel call, XADD as the only atomic. His ALU/ALU64, div/mod and atomic ' +
    'sequences are modelled from the posted patch; jumps, memory access and the core are approximated by ' +
    'jitgen\'s (which flatters RFC v1 there).',
  // the pairs of DESIGN.md's table are mainline's; AX (his is an internal temporary in
  // ebpf_jit_core.c, not modelled) is gp:at here, which his plans also use as scratch, so
  // constant blinding is declined
  regs: MAINLINE_HOMES,
  scratch: [AT, T8, T9],
  calleeSaved: [S0, S1, S2, S3, S4, S5, S6, S7, GP, FP, RA],
  conventions: {
    tailCallCounter:
      'on the stack (RFC v1 keeps it in the JIT frame and passes it in t8 across a tail call); modelled with ' +
      'jitgen\'s core: in t9 across the tail call, stored in the O32 home area by programs that tail-call',
    helperArgs: 'R1 in a0-a1 and R2 in a2-a3 in place; R3-R5 stored to the O32 argument slots (shared core)',
    kernelCalls: {
      'ALU64 DIV/MOD': 'div64_u64_rem(dividend, divisor, &remainder) in a 32-byte O32 frame (modelled as div64_u64 / jit_mod64)',
      'ATOMIC DW ADD': 'atomic64_add',
    },
    bpf2bpf: 'declined: not in RFC v1',
    kfunc: 'declined: not in RFC v1',
  },
  plans: withOverrides(jitgen.plans, tonyPlans),
  refusedOpcodes: [
    { codes: [0xd7], why: 'ISA v4 unconditional byte swap (BSWAP) postdates RFC v1 (2021)' },
    { codes: [0x81, 0x89, 0x91], why: 'ISA v4 sign-extending loads (LDX MEMSX) postdate RFC v1 (2021)' },
    { codes: [0x06], why: 'ISA v4 32-bit-offset jump (JMP32 JA) postdates RFC v1 (2021)' },
  ],
  declines: {
    'ISA v4': 'MOVSX, SDIV/SMOD, sign-extending loads, BSWAP and JMP32 JA postdate RFC v1 (2021)',
    'ATOMIC other than ADD': 'RFC v1 supports only atomic ADD without FETCH (XADD), 32- and 64-bit',
    bpf2bpf: 'bpf2bpf calls are not in RFC v1',
    kfunc: 'kfunc calls are not in RFC v1',
    blinding: 'constant blinding (--harden) is not modelled: AX shares `at` with his scratch',
  },
};
