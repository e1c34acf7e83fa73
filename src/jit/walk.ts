// Walking a plan: the one interpreter of the DSL, generic over the bit-vector backend.
// The TS JIT walks with concrete values and decides every `if` by its value; the prover
// walks with symbolic imm/off and decides each `if` from a path it is exploring.
import type { BitVec } from '../bv/types.ts';
import type { CExpr, Operand, Plan, PlanArg, RegExpr, Stmt, SwitchCase } from './dsl.ts';
import { isRegExpr } from './dsl.ts';

/** A resolved register pair: MIPS register numbers of the low and high word. */
export interface Pair {
  lo: number;
  hi: number;
}

/** Everything a plan's expressions can refer to while it is walked. */
export interface Scope<V> {
  pairs: Record<string, Pair>;
  regs: Record<string, number>;
  vals: Record<string, V>;
}

/** Facts about the target that plans may branch on at compile time. */
export interface TargetFacts {
  r6: boolean;
  be: boolean;
  /** The verifier zero-extends 32-bit results itself (`prog->aux->verifier_zext`). */
  zext: boolean;
}

/** What a walk produces; the JIT core and the prover each implement it. */
export interface Sink<V> {
  insn(op: string, args: V[]): void;
  jump(op: string, regs: number[]): void;
  exit(): void;
  kcall(fn: string): void;
  decline(why: string): void;
  clobber(regs: number[]): void;
  /** Save or restore live caller-saved registers, except the given ones. */
  saveCallerRegs(kind: 'push' | 'pop', except: number[]): void;
}

export interface Walker<V, B> {
  bv: BitVec<V, B>;
  target: TargetFacts;
  plans: ReadonlyMap<string, Plan>;
  /** Decide a compile-time condition (a 32-bit value, true when nonzero). */
  decide(cond: V): boolean;
  sink: Sink<V>;
}

const W = 32;
const MACRO_ARGS = ['_0', '_1', '_2', '_3'];

// Hot paths below avoid closures: the TS JIT walks plans for millions of instructions,
// and a closure per call (named, under tsx) costs more than the work it does.

function bool<V, B>(w: Walker<V, B>, b: B): V {
  return w.bv.ite(b, w.bv.lit(W, 1), w.bv.lit(W, 0));
}

export function evalC<V, B>(w: Walker<V, B>, e: CExpr, s: Scope<V>): V {
  const { bv } = w;
  switch (e.k) {
    case 'lit':
    case 'named':
      return bv.lit(W, e.v);
    case 'param': {
      const v = s.vals[e.name];
      if (v === undefined) throw new Error(`plan parameter '${e.name}' is not bound`);
      return v;
    }
    case 'target':
      return bv.lit(W, w.target[e.what] ? 1 : 0);
    case 'same':
      return bv.lit(W, reg(e.a, s) === reg(e.b, s) ? 1 : 0);
    case 'macro': {
      const vals: Record<string, V> = {};
      for (let i = 0; i < e.args.length; i++) vals[MACRO_ARGS[i]!] = evalC(w, e.args[i]!, s);
      return evalC(w, e.value, { pairs: {}, regs: {}, vals });
    }
    case 'cond':
      return bv.ite(truth(w, evalC(w, e.c, s)), evalC(w, e.a, s), evalC(w, e.b, s));
    case 'un': {
      const a = evalC(w, e.a, s);
      if (e.op === '-') return bv.neg(W, a);
      if (e.op === '~') return bv.not(W, a);
      return bool(w, bv.eq(W, a, bv.lit(W, 0)));
    }
    case 'bin': {
      const a = evalC(w, e.a, s);
      const b = evalC(w, e.b, s);
      switch (e.op) {
        case '+':
          return bv.add(W, a, b);
        case '-':
          return bv.sub(W, a, b);
        case '*':
          return bv.mul(W, a, b);
        case '&':
          return bv.and(W, a, b);
        case '|':
          return bv.or(W, a, b);
        case '^':
          return bv.xor(W, a, b);
        case '<<':
          return bv.shl(W, a, b);
        case '>>':
          return bv.ashr(W, a, b);
        case '>>>':
          return bv.lshr(W, a, b);
        case '==':
          return bool(w, bv.eq(W, a, b));
        case '!=':
          return bool(w, bv.bnot(bv.eq(W, a, b)));
        case '<':
          return bool(w, bv.slt(W, a, b));
        case '<=':
          return bool(w, bv.sle(W, a, b));
        case '>':
          return bool(w, bv.slt(W, b, a));
        case '>=':
          return bool(w, bv.sle(W, b, a));
        case '<u':
          return bool(w, bv.ult(W, a, b));
        case '&&':
          return bool(w, bv.band(truth(w, a), truth(w, b)));
        case '||':
          return bool(w, bv.bor(truth(w, a), truth(w, b)));
      }
    }
  }
}

function truth<V, B>(w: Walker<V, B>, v: V): B {
  return w.bv.bnot(w.bv.eq(W, v, w.bv.lit(W, 0)));
}

export function reg<V>(r: RegExpr, s: Scope<V>): number {
  switch (r.k) {
    case 'fixed':
      return r.reg;
    case 'half': {
      const p = s.pairs[r.pair];
      if (!p) throw new Error(`register pair '${r.pair}' is not bound`);
      return r.half === 'lo' ? p.lo : p.hi;
    }
    case 'rparam': {
      const n = s.regs[r.name];
      if (n === undefined) throw new Error(`register parameter '${r.name}' is not bound`);
      return n;
    }
  }
}

function operand<V, B>(w: Walker<V, B>, o: Operand, s: Scope<V>): V {
  return isRegExpr(o) ? w.bv.lit(W, reg(o, s)) : evalC(w, o, s);
}

export function walk<V, B>(w: Walker<V, B>, body: readonly Stmt[], s: Scope<V>): void {
  for (const st of body) {
    switch (st.k) {
      case 'note':
        break;
      case 'emit': {
        const vals: V[] = new Array(st.args.length);
        for (let i = 0; i < st.args.length; i++) vals[i] = operand(w, st.args[i]!, s);
        w.sink.insn(st.op, vals);
        break;
      }
      case 'if':
        walk(w, w.decide(evalC(w, st.cond, s)) ? st.then : st.else, s);
        break;
      case 'switch': {
        const body = chooseCase(w, st.cases, evalC(w, st.on, s), s);
        if (body) walk(w, body, s);
        break;
      }
      case 'call':
        callPlan(w, st.plan, st.args, s);
        break;
      case 'jump': {
        const regs: number[] = [];
        for (const r of st.args) regs.push(reg(r, s));
        w.sink.jump(st.op, regs);
        break;
      }
      case 'exit':
        w.sink.exit();
        break;
      case 'kcall':
        w.sink.kcall(st.fn);
        break;
      case 'decline':
        w.sink.decline(st.why);
        break;
      case 'clobber':
        w.sink.clobber(st.regs.map((r) => reg(r, s)));
        break;
      case 'push':
      case 'pop': {
        const p = st.except === 'none' ? undefined : s.pairs[st.except];
        if (st.except !== 'none' && !p) throw new Error(`register pair '${st.except}' is not bound`);
        w.sink.saveCallerRegs(st.k, p ? [p.lo, p.hi] : []);
        break;
      }
    }
  }
}

/** The body of the first case whose label equals `on` (an empty label list matches all). */
function chooseCase<V, B>(w: Walker<V, B>, cases: readonly SwitchCase[], on: V, s: Scope<V>): readonly Stmt[] | undefined {
  for (const c of cases) {
    if (c.labels.length === 0) return c.body;
    for (const l of c.labels) if (w.decide(bool(w, w.bv.eq(W, on, evalC(w, l, s))))) return c.body;
  }
  return undefined;
}

/** Bind a plan's parameters from a caller's arguments and walk its body. */
export function callPlan<V, B>(w: Walker<V, B>, name: string, args: readonly PlanArg[], s: Scope<V>): void {
  const p = w.plans.get(name);
  if (!p) throw new Error(`no plan named '${name}'`);
  if (p.params.length !== args.length) throw new Error(`plan '${name}' takes ${p.params.length} arguments, got ${args.length}`);
  // A called plan sees its parameters and the design-wide pairs (r0, tmp, arg1 ...),
  // which the C has as file-level register maps.
  const inner: Scope<V> = { pairs: Object.create(s.pairs) as Record<string, Pair>, regs: {}, vals: {} };
  for (let i = 0; i < p.params.length; i++) {
    const prm = p.params[i]!;
    const a = args[i]!;
    if (prm.type === 'pair') {
      if (a.k !== 'pair') throw new Error(`plan '${name}': argument '${prm.name}' must be a register pair`);
      const pr = s.pairs[a.pair];
      if (!pr) throw new Error(`register pair '${a.pair}' is not bound`);
      inner.pairs[prm.name] = pr;
    } else if (prm.type === 'reg') {
      if (a.k !== 'reg') throw new Error(`plan '${name}': argument '${prm.name}' must be a register`);
      inner.regs[prm.name] = reg(a.reg, s);
    } else {
      if (a.k !== 'val') throw new Error(`plan '${name}': argument '${prm.name}' must be a value`);
      inner.vals[prm.name] = evalC(w, a.v, s);
    }
  }
  walk(w, p.body, inner);
}
