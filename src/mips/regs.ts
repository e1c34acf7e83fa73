// MIPS general-purpose registers: numbers (as the kernel's MIPS_R_* and uasm use them)
// and the O32 names GNU objdump prints.

export const ZERO = 0;
export const AT = 1;
export const V0 = 2;
export const V1 = 3;
export const A0 = 4;
export const A1 = 5;
export const A2 = 6;
export const A3 = 7;
export const T0 = 8;
export const T1 = 9;
export const T2 = 10;
export const T3 = 11;
export const T4 = 12;
export const T5 = 13;
export const T6 = 14;
export const T7 = 15;
export const S0 = 16;
export const S1 = 17;
export const S2 = 18;
export const S3 = 19;
export const S4 = 20;
export const S5 = 21;
export const S6 = 22;
export const S7 = 23;
export const T8 = 24;
export const T9 = 25;
export const K0 = 26;
export const K1 = 27;
export const GP = 28;
export const SP = 29;
export const FP = 30;
export const RA = 31;

/** O32 register names, indexed by number, spelled as objdump prints them (`s8` is `fp`). */
export const REG_NAMES: readonly string[] = [
  'zero', 'at', 'v0', 'v1', 'a0', 'a1', 'a2', 'a3',
  't0', 't1', 't2', 't3', 't4', 't5', 't6', 't7',
  's0', 's1', 's2', 's3', 's4', 's5', 's6', 's7',
  't8', 't9', 'k0', 'k1', 'gp', 'sp', 's8', 'ra',
];

export function regName(n: number): string {
  const name = REG_NAMES[n];
  if (name === undefined) throw new RangeError(`no MIPS register ${n}`);
  return name;
}

/** O32: registers a called function may change (at, v0-v1, a0-a3, t0-t9, ra). */
export const O32_CALLER_SAVED = [AT, V0, V1, A0, A1, A2, A3, T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, RA];
/** O32: registers a called function must preserve (s0-s7, gp, fp; sp itself too). */
export const O32_CALLEE_SAVED = [S0, S1, S2, S3, S4, S5, S6, S7, GP, FP];
