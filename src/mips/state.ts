// The abstract machine a MIPS instruction's semantics acts on. The table's semantics
// are written once against this interface and `BitVec`; the concrete simulator and the
// symbolic runner implement it (both through `Machine` in machine.ts).
import type { BitVec } from '../bv/types.ts';

export type Isa = 'r2' | 'r6';

/** Why execution stopped abnormally. */
export type MipsFaultKind =
  | 'align-load' // address error on a load (misaligned)
  | 'align-store' // address error on a store
  | 'align-fetch' // address error on instruction fetch (a jump to a misaligned address)
  | 'bus' // access outside mapped memory (bus error), including fetch
  | 'reserved' // reserved instruction: unknown word, wrong ISA, a CTI in a delay or forbidden slot
  | 'break' // the `break` instruction
  | 'kcall' // a kernel function called outside its contract (div64_u64 by zero)
  | 'budget'; // the instruction budget ran out

export interface MipsState<V, B> {
  readonly bv: BitVec<V, B>;
  /** Address of the instruction being executed (always concrete: code is concrete). */
  readonly pc: number;
  readonly isa: Isa;
  /** GPR read; register 0 reads as zero. */
  r(n: number): V;
  /** GPR write; writes to register 0 are dropped. */
  w(n: number, v: V): void;
  hi(): V;
  lo(): V;
  setHi(v: V): void;
  setLo(v: V): void;
  /** Load of 1, 2 or 4 bytes in the machine's byte order, sign- or zero-extended to 32
   *  bits; a misaligned address is an address error. */
  load(addr: V, size: 1 | 2 | 4, signed: boolean): V;
  store(addr: V, size: 1 | 2 | 4, v: V): void;
  /** A branch with a delay slot: when `cond` holds, control reaches `target` after the
   *  delay slot has run. */
  branch(cond: B, target: number): void;
  /** A register jump with a delay slot (jr, jalr). */
  jump(target: V): void;
  /** A compact branch (R6, no delay slot): when `cond` holds the next instruction is
   *  `target`. Whether a forbidden slot follows is the table's `flow`. */
  compact(cond: B, target: V): void;
  /** `break`: stops execution with a fault. */
  trap(code: number): void;
  /** `ll`: remember the linked address. */
  link(addr: V): void;
  /** `sc`: whether the store may happen (link still valid for `addr`); clears the link. */
  linked(addr: V): B;
}
