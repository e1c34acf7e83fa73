// Symbolic execution of a straight-line or branching MIPS sequence: the machine of
// machine.ts on any BitVec backend (Z3 for proofs). Registers, HI/LO and memory may be
// symbolic; code words are concrete. A branch whose condition is not a constant forks
// the path; a path ends when control leaves the code (falls off the end, branches
// outside, or jumps through a register to an address that is not a constant), on an
// unconditional fault, or when its step budget runs out. Faults that depend on symbolic
// values (misaligned addresses) are recorded with their condition, and the path goes on
// as if they had not happened: a proof shows each such condition unsatisfiable.
import { concrete, type Num } from '../bv/concrete.ts';
import type { BitVec, ByteOrder, Memory, Width } from '../bv/types.ts';
import type { Symbolic, SymBool, SymBV } from '../bv/symbolic.ts';
import { Machine, MipsFault, type Decoded } from './machine.ts';
import { decodedFor } from './sim.ts';
import type { Isa, MipsFaultKind } from './state.ts';

/** How to recognise constants of a backend (so constant parts of a run fold). */
export interface ConstantHooks<V, B> {
  valueOf(v: V): bigint | undefined;
  boolOf(b: B): boolean | undefined;
}

export interface SymbolicRunOptions<V, B> {
  bv: BitVec<V, B>;
  hooks: ConstantHooks<V, B>;
  isa: Isa;
  endian: ByteOrder;
  /** The code: concrete words at `base` (the path leaves when pc is outside them).
   *  `decoded`, when given, replaces the words: one runnable instruction per word slot,
   *  so a prover can run table instructions whose immediates are terms (see
   *  src/verify/prove/operands.ts); `words` is then ignored. */
  code: { base: number; words: readonly number[]; decoded?: readonly Decoded<V, B>[] };
  entry?: number;
  /** Initial GPRs (index 0 ignored); missing ones are zero. */
  regs?: readonly (V | undefined)[];
  hi?: V;
  lo?: V;
  memory: Memory<V>;
  /** Copy a memory for a forked path (default: shallow copy with array fields copied,
   *  right for SymbolicMemory whose contents are an immutable Z3 array term). */
  forkMemory?: (m: Memory<V>) => Memory<V>;
  /** Steps per path before it ends with status 'budget' (default 10000). */
  maxSteps?: number;
  /**
   * Whether an `sc` finds its link intact, beyond the address check: a fresh condition per
   * call models another CPU or an exception breaking the link, so the retry path of an
   * ll/sc loop is explored too. Default: the link always holds.
   */
  linkHolds?: () => B;
}

export interface SymbolicPath<V, B> {
  /** Conjunction of the branch conditions taken along this path. */
  condition: B;
  status: 'exit' | 'fault' | 'budget';
  /** Next pc when the path left the code at a concrete address. */
  exitPc?: number;
  /** Next pc as a term (a register jump to a non-constant address, e.g. `jr ra`). */
  exitTarget?: V;
  fault?: { pc: number; kind: MipsFaultKind; message: string };
  regs: V[];
  hi: V;
  lo: V;
  memory: Memory<V>;
  /** Addresses executed, in order. */
  trace: number[];
}

export interface ConditionalFault<B> {
  /** Path condition and fault condition together. */
  condition: B;
  pc: number;
  kind: MipsFaultKind;
  message: string;
}

export interface SymbolicRunResult<V, B> {
  paths: SymbolicPath<V, B>[];
  faults: ConditionalFault<B>[];
}

/**
 * A BitVec that computes with the concrete backend whenever every operand is a
 * constant, so addresses, counters and link values stay constants in symbolic runs.
 */
export function foldingBitVec<V, B>(bv: BitVec<V, B>, hooks: ConstantHooks<V, B>): BitVec<V, B> {
  const num = (w: Width, v: V): Num | undefined => {
    const x = hooks.valueOf(v);
    return x === undefined ? undefined : w <= 32 ? Number(x) : x;
  };
  const bin = (name: 'add' | 'sub' | 'mul' | 'udiv' | 'urem' | 'sdiv' | 'srem' | 'and' | 'or' | 'xor' | 'shl' | 'lshr' | 'ashr') =>
    (w: Width, a: V, b: V): V => {
      const x = num(w, a);
      const y = num(w, b);
      return x !== undefined && y !== undefined ? bv.lit(w, concrete[name](w, x, y)) : bv[name](w, a, b);
    };
  const cmp = (name: 'eq' | 'ult' | 'ule' | 'slt' | 'sle') =>
    (w: Width, a: V, b: V): B => {
      const x = num(w, a);
      const y = num(w, b);
      return x !== undefined && y !== undefined ? (concrete[name](w, x, y) ? bv.T : bv.F) : bv[name](w, a, b);
    };
  return {
    ...bv,
    symbolic: bv.symbolic,
    T: bv.T,
    F: bv.F,
    lit: (w, v) => bv.lit(w, v),
    add: bin('add'), sub: bin('sub'), mul: bin('mul'), udiv: bin('udiv'), urem: bin('urem'),
    sdiv: bin('sdiv'), srem: bin('srem'), and: bin('and'), or: bin('or'), xor: bin('xor'),
    shl: bin('shl'), lshr: bin('lshr'), ashr: bin('ashr'),
    not: (w, a) => { const x = num(w, a); return x !== undefined ? bv.lit(w, concrete.not(w, x)) : bv.not(w, a); },
    neg: (w, a) => { const x = num(w, a); return x !== undefined ? bv.lit(w, concrete.neg(w, x)) : bv.neg(w, a); },
    eq: cmp('eq'), ult: cmp('ult'), ule: cmp('ule'), slt: cmp('slt'), sle: cmp('sle'),
    ite: (c, a, b) => { const k = hooks.boolOf(c); return k === undefined ? bv.ite(c, a, b) : k ? a : b; },
    extract: (hi, lo, a) => { const x = hooks.valueOf(a); return x !== undefined ? bv.lit(hi - lo + 1, x >> BigInt(lo)) : bv.extract(hi, lo, a); },
    concat: (wh, h, wl, l) => {
      const x = hooks.valueOf(h);
      const y = hooks.valueOf(l);
      return x !== undefined && y !== undefined ? bv.lit(wh + wl, (x << BigInt(wl)) | y) : bv.concat(wh, h, wl, l);
    },
    zext: (from, to, a) => { const x = hooks.valueOf(a); return x !== undefined ? bv.lit(to, x) : bv.zext(from, to, a); },
    sext: (from, to, a) => { const x = hooks.valueOf(a); return x !== undefined ? bv.lit(to, BigInt.asIntN(from, x)) : bv.sext(from, to, a); },
    bnot: (a) => { const k = hooks.boolOf(a); return k === undefined ? bv.bnot(a) : k ? bv.F : bv.T; },
    band: (a, b) => {
      const x = hooks.boolOf(a);
      const y = hooks.boolOf(b);
      if (x === false || y === false) return bv.F;
      if (x === true) return b;
      if (y === true) return a;
      return bv.band(a, b);
    },
    bor: (a, b) => {
      const x = hooks.boolOf(a);
      const y = hooks.boolOf(b);
      if (x === true || y === true) return bv.T;
      if (x === false) return b;
      if (y === false) return a;
      return bv.bor(a, b);
    },
    bite: (c, a, b) => { const k = hooks.boolOf(c); return k === undefined ? bv.bite(c, a, b) : k ? a : b; },
  };
}

/** Constant recognition for the Z3 backend of src/bv/symbolic.ts. */
export function z3Hooks(sym: Symbolic): ConstantHooks<SymBV, SymBool> {
  return {
    valueOf: (v) => (sym.ctx.isBitVecVal(v) ? v.value() : undefined),
    boolOf: (b) => (sym.ctx.isTrue(b) ? true : sym.ctx.isFalse(b) ? false : undefined),
  };
}

function defaultFork<V>(m: Memory<V>): Memory<V> {
  const copy = Object.create(Object.getPrototypeOf(m)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(m)) copy[k] = Array.isArray(v) ? [...v] : v;
  return copy as unknown as Memory<V>;
}

class SymMachine<V, B> extends Machine<V, B> {
  condition: B;
  trace: number[] = [];
  steps = 0;
  /** Set when `decide` met an open condition: this run takes `forced` ?? true. */
  pending: B | undefined;
  forced: boolean | undefined;

  constructor(
    bv: BitVec<V, B>,
    isa: Isa,
    endian: ByteOrder,
    memory: Memory<V>,
    private readonly hooks: ConstantHooks<V, B>,
    private readonly faults: ConditionalFault<B>[],
    private readonly linkHolds?: () => B,
  ) {
    super(bv, isa, endian, memory);
    this.condition = bv.T;
  }

  override linked(addr: V): B {
    const ok = super.linked(addr);
    return this.linkHolds ? this.bv.band(ok, this.linkHolds()) : ok;
  }

  protected decide(c: B): boolean {
    const k = this.hooks.boolOf(c);
    if (k !== undefined) return k;
    this.pending = c;
    const take = this.forced ?? true;
    this.condition = this.bv.band(this.condition, take ? c : this.bv.bnot(c));
    return take;
  }

  protected faultIf(c: B, kind: MipsFaultKind, detail: () => string): void {
    const k = this.hooks.boolOf(c);
    if (k === false) return;
    if (k === true) throw new MipsFault(this.pc, kind, detail());
    this.faults.push({ condition: this.bv.band(this.condition, c), pc: this.pc, kind, message: detail() });
  }

  protected address(v: V): number | undefined {
    const x = this.hooks.valueOf(v);
    return x === undefined ? undefined : Number(x);
  }

  fork(memory: Memory<V>): SymMachine<V, B> {
    const m = new SymMachine(this.bv, this.isa, this.endian, memory, this.hooks, this.faults, this.linkHolds);
    m.copyFrom(this);
    m.condition = this.condition;
    m.trace = [...this.trace];
    m.steps = this.steps;
    return m;
  }

  setHiLo(hi: V | undefined, lo: V | undefined): void {
    if (hi !== undefined) this.hiV = hi;
    if (lo !== undefined) this.loV = lo;
  }
}

/** Run `code` on a symbolic machine; see the module comment for when paths end. */
export function runSymbolic<V, B>(opts: SymbolicRunOptions<V, B>): SymbolicRunResult<V, B> {
  const bv = foldingBitVec(opts.bv, opts.hooks);
  const fork = opts.forkMemory ?? defaultFork;
  const maxSteps = opts.maxSteps ?? 10000;
  const { base, words } = opts.code;
  const decoded = opts.code.decoded ?? words.map((w) => decodedFor<V, B>(w, opts.isa));
  const faults: ConditionalFault<B>[] = [];
  const paths: SymbolicPath<V, B>[] = [];

  const first = new SymMachine(bv, opts.isa, opts.endian, opts.memory, opts.hooks, faults, opts.linkHolds);
  opts.regs?.forEach((v, i) => v !== undefined && first.w(i, v));
  first.setHiLo(opts.hi, opts.lo);
  first.pc = opts.entry ?? base;
  first.npc = (first.pc + 4) >>> 0;

  const finish = (m: SymMachine<V, B>, status: SymbolicPath<V, B>['status'], extra: Partial<SymbolicPath<V, B>>): void => {
    paths.push({ condition: m.condition, status, regs: [...m.regs], hi: m.hi(), lo: m.lo(), memory: m.memory, trace: m.trace, ...extra });
  };

  const work: SymMachine<V, B>[] = [first];
  while (work.length) {
    const m = work.pop()!;
    for (;;) {
      if (m.pc === -1 || m.npcTerm !== undefined && m.slot === 0) {
        // a compact jump (pc -1) or a register jump whose delay slot has run
        finish(m, 'exit', { exitTarget: m.npcTerm });
        break;
      }
      const i = (m.pc - base) / 4;
      if (!Number.isInteger(i) || i < 0 || i >= decoded.length) {
        finish(m, 'exit', { exitPc: m.pc, exitTarget: bv.lit(32, m.pc) });
        break;
      }
      if (m.steps >= maxSteps) {
        finish(m, 'budget', {});
        break;
      }
      // keep the state before the step: an open branch condition forks from it
      const before = m.fork(fork(m.memory));
      m.pending = undefined;
      m.forced = undefined;
      try {
        m.trace.push(m.pc);
        m.steps++;
        m.execute(decoded[i]!);
      } catch (e) {
        if (!(e instanceof MipsFault)) throw e;
        finish(m, 'fault', { fault: { pc: e.pc, kind: e.kind, message: e.message } });
        break;
      }
      if (m.pending !== undefined) {
        // the other outcome: replay the step from the saved state
        before.forced = false;
        before.trace.push(before.pc);
        before.steps++;
        try {
          before.execute(decoded[i]!);
          work.push(before);
        } catch (e) {
          if (!(e instanceof MipsFault)) throw e;
          finish(before, 'fault', { fault: { pc: e.pc, kind: e.kind, message: e.message } });
        }
      }
    }
  }
  return { paths, faults };
}
