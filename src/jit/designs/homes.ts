// Mainline's MIPS32 register map (arch/mips/net/bpf_jit_comp32.c, read as facts): every
// BPF register in an O32 pair, R10 in fp with zero above it, AX in gp:at, the JIT's own
// 64-bit temporary in t6:t7. The `johan` preset, our `jitgen` design and the `tony` preset
// (RFC v1 pairs R0-R10 the same way) use it.
import type { Home } from '../design.ts';
import { A0, A1, A2, A3, AT, FP, GP, S0, S1, S2, S3, S4, S5, S6, S7, T0, T1, T2, T3, T4, T5, T6, T7, V0, V1, ZERO } from '../../mips/regs.ts';

export const MAINLINE_HOMES: Home[] = [
  { pair: [V0, V1] },
  { pair: [A0, A1] },
  { pair: [A2, A3] },
  { pair: [T0, T1] },
  { pair: [T2, T3] },
  { pair: [T4, T5] },
  { pair: [S0, S1] },
  { pair: [S2, S3] },
  { pair: [S4, S5] },
  { pair: [S6, S7] },
  { lo: FP, hi: ZERO },
  { pair: [GP, AT] },
  { pair: [T6, T7] },
];
