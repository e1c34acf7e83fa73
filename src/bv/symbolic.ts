// Symbolic bit-vector backend on z3-solver: the same interface as the concrete one,
// building Z3 terms instead of numbers. Semantics written against `BitVec` run here
// unchanged, which is what makes the proofs about the code that actually runs.
import { init, type BitVec as Z3BitVec, type Bool as Z3Bool, type Context, type SMTArray } from 'z3-solver';
import type { AccessSize, BitVec, ByteOrder, Memory, Width } from './types.ts';

type Z3 = Awaited<ReturnType<typeof init>>;
export type Z3Context = Context<'main'>;
type Ctx = Z3Context;
export type SymBV = Z3BitVec<number, 'main'>;
export type SymBool = Z3Bool<'main'>;
type ByteArray = SMTArray<'main', [ReturnType<Ctx['BitVec']['sort']>], ReturnType<Ctx['BitVec']['sort']>>;

export interface ProofResult {
  status: 'proved' | 'failed' | 'unknown';
  /** A counterexample: values of the named constants, when the claim is false. */
  model?: Record<string, bigint>;
  reason?: string;
}

export interface Symbolic {
  readonly bv: BitVec<SymBV, SymBool>;
  readonly ctx: Ctx;
  /** A fresh, named, unconstrained bit-vector. */
  fresh(name: string, w: Width): SymBV;
  /** Byte-addressed memory over a 32-bit (or 64-bit) address space, fully symbolic. */
  memory(name: string, aw?: Width): SymbolicMemory;
  /** Prove `claim` under `assumptions`; a counterexample lists the fresh constants. */
  prove(claim: SymBool, assumptions?: SymBool[], timeoutMs?: number): Promise<ProofResult>;
}

/** One access a symbolic run made, for fault obligations. */
export interface Access {
  addr: SymBV;
  aw: Width;
  size: AccessSize;
  write: boolean;
}

export class SymbolicMemory implements Memory<SymBV> {
  readonly accesses: Access[] = [];
  constructor(
    private readonly ctx: Ctx,
    public bytes: ByteArray,
    private readonly aw: Width,
  ) {}

  private byteAddr(aw: Width, addr: SymBV, i: number): SymBV {
    const a = aw === this.aw ? addr : aw > this.aw ? addr.extract(this.aw - 1, 0) : addr.zeroExt(this.aw - aw);
    return i === 0 ? a : a.add(this.ctx.BitVec.val(i, this.aw));
  }

  load(aw: Width, addr: SymBV, size: AccessSize, order: ByteOrder): SymBV {
    this.accesses.push({ addr, aw, size, write: false });
    const parts: SymBV[] = [];
    for (let i = 0; i < size; i++) parts.push(this.bytes.select(this.byteAddr(aw, addr, i)) as SymBV);
    // parts[0] is the lowest address: most significant on big endian
    if (order === 'le') parts.reverse();
    return parts.length === 1 ? parts[0]! : (this.ctx.Concat(...parts) as SymBV);
  }

  store(aw: Width, addr: SymBV, size: AccessSize, order: ByteOrder, value: SymBV): void {
    this.accesses.push({ addr, aw, size, write: true });
    for (let i = 0; i < size; i++) {
      // byte i in address order: on big endian the most significant first
      const k = order === 'be' ? size - 1 - i : i;
      const byte = value.extract(k * 8 + 7, k * 8);
      this.bytes = this.bytes.store(this.byteAddr(aw, addr, i), byte) as ByteArray;
    }
  }
}

/** The value of a Z3 bit-vector numeral (`#x..`, `#b..` or decimal). */
export function numeral(e: { toString(): string }): bigint {
  const t = e.toString();
  if (t.startsWith('#x')) return BigInt(`0x${t.slice(2)}`);
  if (t.startsWith('#b')) return BigInt(`0b${t.slice(2)}`);
  return BigInt(t);
}

let z3: Promise<Z3> | undefined;

/** Start Z3 once per process (its WASM module takes about a second to load). */
export async function makeSymbolic(): Promise<Symbolic> {
  z3 ??= init();
  const { Context } = await z3;
  const ctx = Context('main') as Ctx;
  const names = new Map<string, SymBV>();
  const lit = (w: Width, v: number | bigint): SymBV => ctx.BitVec.val(BigInt.asUintN(w, BigInt(v)), w);

  const bv: BitVec<SymBV, SymBool> = {
    symbolic: true,
    T: ctx.Bool.val(true),
    F: ctx.Bool.val(false),
    lit,
    add: (_w, a, b) => a.add(b),
    sub: (_w, a, b) => a.sub(b),
    mul: (_w, a, b) => a.mul(b),
    udiv: (_w, a, b) => a.udiv(b),
    urem: (_w, a, b) => a.urem(b),
    sdiv: (_w, a, b) => a.sdiv(b),
    srem: (_w, a, b) => a.srem(b),
    and: (_w, a, b) => a.and(b),
    or: (_w, a, b) => a.or(b),
    xor: (_w, a, b) => a.xor(b),
    shl: (_w, a, b) => a.shl(b),
    lshr: (_w, a, b) => a.lshr(b),
    ashr: (_w, a, b) => a.shr(b),
    not: (_w, a) => a.not(),
    neg: (_w, a) => a.neg(),
    eq: (_w, a, b) => a.eq(b),
    ult: (_w, a, b) => a.ult(b),
    ule: (_w, a, b) => a.ule(b),
    slt: (_w, a, b) => a.slt(b),
    sle: (_w, a, b) => a.sle(b),
    ite: (c, a, b) => ctx.If(c, a, b) as SymBV,
    extract: (hi, lo, a) => a.extract(hi, lo),
    concat: (_wh, hi, _wl, lo) => ctx.Concat(hi, lo) as SymBV,
    zext: (from, to, a) => (to === from ? a : a.zeroExt(to - from)),
    sext: (from, to, a) => (to === from ? a : a.signExt(to - from)),
    bnot: (a) => ctx.Not(a),
    band: (a, b) => ctx.And(a, b),
    bor: (a, b) => ctx.Or(a, b),
    bite: (c, a, b) => ctx.If(c, a, b) as SymBool,
  };

  function fresh(name: string, w: Width): SymBV {
    const v = ctx.BitVec.const(name, w);
    names.set(name, v);
    return v;
  }

  function memory(name: string, aw: Width = 32): SymbolicMemory {
    const arr = ctx.Array.const(name, ctx.BitVec.sort(aw), ctx.BitVec.sort(8)) as unknown as ByteArray;
    return new SymbolicMemory(ctx, arr, aw);
  }

  async function prove(claim: SymBool, assumptions: SymBool[] = [], timeoutMs = 30_000): Promise<ProofResult> {
    const solver = new ctx.Solver();
    // released at once: the WASM heap is only reclaimed when JS collects the wrapper,
    // which a run of thousands of proofs outpaces
    try {
      solver.set('timeout', timeoutMs);
      for (const a of assumptions) solver.add(a);
      solver.add(ctx.Not(claim));
      const r = await solver.check();
      if (r === 'unsat') return { status: 'proved' };
      if (r === 'unknown') return { status: 'unknown', reason: solver.reasonUnknown() };
      const m = solver.model();
      const model: Record<string, bigint> = {};
      for (const [n, v] of names) {
        const val = m.eval(v, true);
        model[n] = numeral(val);
      }
      m.release();
      return { status: 'failed', model };
    } finally {
      solver.release();
    }
  }

  return { bv, ctx, fresh, memory, prove };
}
