// The `johan` preset: Johan Almbladh's MIPS32 JIT as merged in Linux 5.16
// (arch/mips/net/bpf_jit_comp.c + bpf_jit_comp32.c). Its register map and conventions are
// the facts of that code (DESIGN.md, "The two 2021 designs"); its plans (plans/johan/)
// emit what mainline emits, operation by operation, and its pass driver is mainline's
// (plans/johan/core.ts), so images equal the real C's word for word in the host harness.
import type { Design } from '../design.ts';
import { MAINLINE_HOMES } from './homes.ts';
import { S0, S1, S2, S3, S4, S5, S6, S7, T8, T9, GP, FP, RA } from '../../mips/regs.ts';
import { planMap } from './jitgen.ts';
import { commonPlans } from '../plans/johan/common.ts';
import { aluPlans } from '../plans/johan/alu.ts';
import { jmpPlans } from '../plans/johan/jmp.ts';
import { memPlans } from '../plans/johan/mem.ts';
import { mainlineJit } from '../plans/johan/core.ts';

export const johan: Design = {
  name: 'johan',
  summary:
    'Mainline\'s MIPS32 JIT (Johan Almbladh, Linux 5.16+): every BPF register in a MIPS pair ' +
    '(R0 v0:v1, R1-R2 a0-a3, R3-R5 t0-t5, R6-R9 s0-s7), R10 in fp with zero as its high word, ' +
    'AX in gp:at, t6:t7 as the 64-bit temporary, t8/t9 scratch; no stack scratch. Modelled on the ' +
    'tree\'s bpf_jit_comp{,32}.c, passes included, and checked word for word against that C.',
  regs: MAINLINE_HOMES,
  scratch: [T8, T9],
  calleeSaved: [S0, S1, S2, S3, S4, S5, S6, S7, GP, FP, RA],
  conventions: {
    tailCallCounter:
      'on the stack, in the 16-byte O32 reserved area of the parent\'s frame; set to MAX_TAIL_CALL_CNT by the ' +
      'first two prologue instructions, which a tail call skips (12 bytes on big endian, which also skips the ' +
      'R1 move, 8 on little endian), and counted down before each tail call',
    helperArgs:
      'R1 in a0-a1 and R2 in a2-a3 in place; R3-R5 (t0-t5) always stored to the O32 argument slots at sp+16..39; ' +
      'result in v0-v1 = R0',
    kernelCalls: {
      'ALU64 DIV': 'div64_u64',
      'ALU64 MOD': 'jit_mod64 (a JIT-local wrapper of div64_u64_rem)',
      'ATOMIC DW': 'atomic64_{add,and,or,xor} and their fetch_ forms, jit_xchg64, atomic64_cmpxchg',
      'ATOMIC W': 'none: native ll/sc',
    },
    bpf2bpf: 'declined: mainline\'s MIPS32 JIT has no bpf2bpf calls (bpf_jit_get_func_addr gives no fixed address)',
    kfunc: 'declined: mainline\'s MIPS32 JIT has no kfunc calls (no bpf_jit_supports_kfunc_call)',
  },
  plans: planMap(commonPlans, aluPlans, jmpPlans, memPlans),
  declines: {
    'ISA v4 MOVSX': 'mainline ignores off and compiles a plain move (a miscompile, measured on the real C elsewhere)',
    'ISA v4 SDIV/SMOD': 'mainline ignores off and divides unsigned (a miscompile, measured on the real C elsewhere)',
    'ISA v4 BSWAP': 'ALU64 END is an unknown opcode to mainline',
    'ISA v4 LDX MEMSX': 'sign-extending loads are unknown opcodes to mainline',
    'ISA v4 JMP32 JA': 'the 32-bit-offset jump is an unknown opcode to mainline',
    'ATOMIC other ops': 'atomic operations other than ADD/AND/OR/XOR (and FETCH), XCHG, CMPXCHG are "not yet" in mainline',
    bpf2bpf: 'bpf2bpf calls are not in mainline\'s MIPS32 JIT',
    kfunc: 'kfunc calls are not in mainline\'s MIPS32 JIT (no bpf_jit_supports_kfunc_call)',
  },
  compile: mainlineJit,
};
