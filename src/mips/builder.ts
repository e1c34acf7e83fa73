// `ins.addu(rd, rs, rt)` and friends: one builder per table entry, generated from the
// table, returning a MipsInsn (operands in the table's order; nothing is checked until
// `encode`).
import { TABLE, type MipsOp } from './table.ts';
import type { MipsInsn } from './codec.ts';

export type Builders = { readonly [K in MipsOp]: (...args: number[]) => MipsInsn };

export const ins: Builders = Object.fromEntries(
  TABLE.map((d) => [d.op, (...args: number[]): MipsInsn => ({ op: d.op, args })]),
) as Builders;
