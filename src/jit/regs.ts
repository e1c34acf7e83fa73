// MIPS registers as plan operands: a number for the JIT and a kernel name for the C.
import type { RegExpr } from './dsl.ts';
import { REG_NAMES } from '../mips/regs.ts';

/** The kernel's name for MIPS register n (`MIPS_R_T9`; register 30 is `MIPS_R_FP`). */
export function kernelRegName(n: number): string {
  return n === 30 ? 'MIPS_R_FP' : `MIPS_R_${REG_NAMES[n]!.toUpperCase()}`;
}

export function fixed(n: number): RegExpr {
  return { k: 'fixed', reg: n, name: kernelRegName(n) };
}

/** The fixed registers plans name, by their O32 names. */
export const M = {
  zero: fixed(0),
  at: fixed(1),
  v0: fixed(2),
  v1: fixed(3),
  a0: fixed(4),
  a1: fixed(5),
  a2: fixed(6),
  a3: fixed(7),
  t6: fixed(14),
  t7: fixed(15),
  t8: fixed(24),
  t9: fixed(25),
  gp: fixed(28),
  sp: fixed(29),
  fp: fixed(30),
  ra: fixed(31),
} as const;
