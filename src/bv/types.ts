// The bit-vector interface that every semantics in jitgen is written against.
//
// MIPS instruction semantics, the BPF reference interpreter and the emit plans are
// written once, as functions of a `BitVec<V, B>`, and evaluated by two backends: the
// concrete one (numbers, fast) for the simulator and the interpreter, and the symbolic
// one (Z3 terms) for proofs. Operations follow SMT-LIB bit-vector semantics exactly,
// including division by zero (udiv -> all ones, urem -> dividend) and shifts by an
// amount >= width (shl/lshr -> 0, ashr -> sign fill), so both backends agree on every
// input and a proof about one is a proof about the other.

/** Bit width of a value. Every operation names the width of its operands. */
export type Width = number;

export type ByteOrder = 'be' | 'le';

/** Sizes of memory accesses, in bytes. */
export type AccessSize = 1 | 2 | 4 | 8;

export interface BitVec<V, B> {
  /** True for the Z3 backend: lets drivers choose between deciding and recording. */
  readonly symbolic: boolean;

  /** A constant of width `w`; `value` is reduced modulo 2^w. */
  lit(w: Width, value: number | bigint): V;

  add(w: Width, a: V, b: V): V;
  sub(w: Width, a: V, b: V): V;
  mul(w: Width, a: V, b: V): V;
  udiv(w: Width, a: V, b: V): V;
  urem(w: Width, a: V, b: V): V;
  /** Signed division truncating toward zero (SMT-LIB bvsdiv). */
  sdiv(w: Width, a: V, b: V): V;
  /** Signed remainder, sign of the dividend (SMT-LIB bvsrem). */
  srem(w: Width, a: V, b: V): V;
  and(w: Width, a: V, b: V): V;
  or(w: Width, a: V, b: V): V;
  xor(w: Width, a: V, b: V): V;
  shl(w: Width, a: V, b: V): V;
  lshr(w: Width, a: V, b: V): V;
  ashr(w: Width, a: V, b: V): V;
  not(w: Width, a: V): V;
  neg(w: Width, a: V): V;

  eq(w: Width, a: V, b: V): B;
  ult(w: Width, a: V, b: V): B;
  ule(w: Width, a: V, b: V): B;
  slt(w: Width, a: V, b: V): B;
  sle(w: Width, a: V, b: V): B;

  ite(c: B, a: V, b: V): V;
  /** Bits hi..lo of `a` (inclusive), a value of width hi - lo + 1. */
  extract(hi: number, lo: number, a: V): V;
  /** `hi` (width wHi) above `lo` (width wLo). */
  concat(wHi: Width, hi: V, wLo: Width, lo: V): V;
  zext(from: Width, to: Width, a: V): V;
  sext(from: Width, to: Width, a: V): V;

  readonly T: B;
  readonly F: B;
  bnot(a: B): B;
  band(a: B, b: B): B;
  bor(a: B, b: B): B;
  /** Boolean choice (for branch conditions that depend on a condition). */
  bite(c: B, a: B, b: B): B;
}

/**
 * Memory as a semantics sees it. The concrete backend checks bounds and throws a
 * `MemoryFault`; the symbolic backend records every access so a proof can ask whether
 * it was allowed.
 */
export interface Memory<V> {
  /** Load `size` bytes at `addr` (width `aw`), composed in byte order `order`. */
  load(aw: Width, addr: V, size: AccessSize, order: ByteOrder): V;
  store(aw: Width, addr: V, size: AccessSize, order: ByteOrder, value: V): void;
}

export type FaultKind = 'bounds' | 'align' | 'budget' | 'reserved' | 'trap' | 'call';

/** A fault raised by concrete execution; carries what a user needs to find it. */
export class MemoryFault extends Error {
  constructor(
    readonly kind: FaultKind,
    readonly addr: number,
    readonly size: number,
    message: string,
  ) {
    super(message);
    this.name = 'MemoryFault';
  }
}

/** Width-erased helpers most semantics need. */
export function bitsOf(size: AccessSize): Width {
  return size * 8;
}
