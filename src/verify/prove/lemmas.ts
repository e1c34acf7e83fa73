// Lemmas that split obligations the solver finds hard. A 64-bit product compared with
// code that builds it from 32-bit partial products is a multiplier-equivalence problem,
// which bit-blasting does not finish. So the BPF semantics is evaluated on a BitVec whose
// 64-bit `mul` is the schoolbook decomposition
//     a * b = zext(a.lo) * zext(b.lo) + ((a.hi * b.lo + a.lo * b.hi) << 32)   (mod 2^64)
// and that identity is proved once, here, as its own obligation: first the bit-level
// fact that a 64-bit value is hi * 2^32 + lo, then the ring identity, which Z3's
// simplifier decides by normalising both sides to sums of monomials.
import { makeSymbolic, type SymBool, type SymBV, type Symbolic } from '../../bv/symbolic.ts';
import type { BitVec } from '../../bv/types.ts';

/** The decomposition itself (the right-hand side of the lemma). */
export function productFromHalves(bv: BitVec<SymBV, SymBool>, a: SymBV, b: SymBV): SymBV {
  const lo = (x: SymBV) => bv.extract(31, 0, x);
  const hi = (x: SymBV) => bv.extract(63, 32, x);
  const low = bv.mul(64, bv.zext(32, 64, lo(a)), bv.zext(32, 64, lo(b)));
  const cross = bv.add(32, bv.mul(32, hi(a), lo(b)), bv.mul(32, lo(a), hi(b)));
  return bv.add(64, low, bv.shl(64, bv.zext(32, 64, cross), bv.lit(64, 32)));
}

/** A BitVec whose 64-bit multiplication is the decomposition (sound by `proveProductLemma`). */
export function splitProducts(bv: BitVec<SymBV, SymBool>): BitVec<SymBV, SymBool> {
  return { ...bv, mul: (w, a, b) => (w === 64 ? productFromHalves(bv, a, b) : bv.mul(w, a, b)) };
}

export interface LemmaResult {
  name: string;
  status: 'proved' | 'failed' | 'unknown';
  ms: number;
}

/**
 * The lemma's own Z3 context: the normalisation is sensitive to what else a long-lived
 * context holds. Kept for the life of the process: a context that JS collects is deleted
 * while finalizers of its terms may still be pending, which corrupts the WASM heap.
 */
let lemmaContext: Promise<Symbolic> | undefined;

/** Prove `a * b == productFromHalves(a, b)` for all 64-bit a, b. */
export async function proveProductLemma(timeoutMs: number): Promise<LemmaResult[]> {
  const sym = await (lemmaContext ??= makeSymbolic());
  const { ctx, bv } = sym;
  const out: LemmaResult[] = [];
  const A = sym.fresh('lemma_a_hi', 32);
  const B = sym.fresh('lemma_a_lo', 32);
  const C = sym.fresh('lemma_b_hi', 32);
  const D = sym.fresh('lemma_b_lo', 32);
  const two32 = bv.lit(64, 1n << 32n);
  const poly = (h: SymBV, l: SymBV) => bv.add(64, bv.mul(64, bv.zext(32, 64, h), two32), bv.zext(32, 64, l));
  const a = bv.concat(32, A, 32, B);
  const b = bv.concat(32, C, 32, D);

  // 1. a 64-bit value is its high word times 2^32 plus its low word
  let t0 = Date.now();
  const split = await sym.prove(bv.eq(64, a, poly(A, B)), [], timeoutMs);
  out.push({ name: 'lemma: concat(hi, lo) == hi * 2^32 + lo', status: split.status, ms: Date.now() - t0 });

  // 2. the ring identity on those forms (sum-of-monomials normalisation, then SMT)
  t0 = Date.now();
  const goal = bv.eq(64, bv.mul(64, poly(A, B), poly(C, D)), productFromHalves(bv, a, b));
  const solver = ctx.AndThen(ctx.With('simplify', { som: true }), 'smt').solver();
  solver.set('timeout', timeoutMs);
  solver.add(ctx.Not(goal));
  const r = await solver.check();
  solver.release();
  out.push({
    name: 'lemma: 64-bit product from 32-bit partial products',
    status: r === 'unsat' ? 'proved' : r === 'sat' ? 'failed' : 'unknown',
    ms: Date.now() - t0,
  });
  return out;
}

/**
 * Multiplication and division as uninterpreted functions: `mul(w, a, b)` becomes
 * `mul<w>(a, b)` and so on, on both sides of a claim. Proving a claim for every function
 * proves it for the real operation, so this is sound; it turns "the same product of
 * equal operands" into congruence instead of two multipliers to bit-blast. To stay
 * complete enough, `facts()` instantiates true properties of multiplication on the
 * products that were built (x * 0 = 0, x * -1 = -x, commutativity, and the low word of
 * zext(x) * zext(y) is x * y).
 */
export interface AbstractArith {
  bv: BitVec<SymBV, SymBool>;
  facts(): SymBool[];
}

type ArithOp = 'mul' | 'udiv' | 'urem' | 'sdiv' | 'srem';

export function abstractArith(sym: Symbolic, base: BitVec<SymBV, SymBool>, ops: readonly ArithOp[]): AbstractArith {
  const { ctx } = sym;
  const products: { w: number; a: SymBV; b: SymBV; r: SymBV }[] = [];
  const fns = new Map<string, ReturnType<typeof ctx.Function.declare>>();
  const fn = (name: ArithOp, w: number) => {
    let f = fns.get(`${name}${w}`);
    if (!f) fns.set(`${name}${w}`, (f = ctx.Function.declare(`${name}${w}`, ctx.BitVec.sort(w), ctx.BitVec.sort(w), ctx.BitVec.sort(w))));
    return f;
  };
  const bv: BitVec<SymBV, SymBool> = { ...base };
  for (const name of ops) {
    bv[name] = (w, a, b) => {
      const r = fn(name, w).call(a, b) as SymBV;
      if (name === 'mul') products.push({ w, a, b, r });
      return r;
    };
  }
  const facts = (): SymBool[] => {
    const out: SymBool[] = [];
    const imp = (c: SymBool, e: SymBool) => base.bor(base.bnot(c), e);
    for (const { w, a, b, r } of products) {
      const zero = base.lit(w, 0);
      const ones = base.lit(w, -1n);
      out.push(imp(base.eq(w, b, zero), base.eq(w, r, zero)), imp(base.eq(w, a, zero), base.eq(w, r, zero)));
      out.push(imp(base.eq(w, b, ones), base.eq(w, r, base.neg(w, a))), imp(base.eq(w, a, ones), base.eq(w, r, base.neg(w, b))));
    }
    for (let i = 0; i < products.length; i++) {
      for (let j = i + 1; j < products.length; j++) {
        const x = products[i]!;
        const y = products[j]!;
        if (x.w === y.w) {
          out.push(imp(base.band(base.eq(x.w, x.a, y.b), base.eq(x.w, x.b, y.a)), base.eq(x.w, x.r, y.r)));
          continue;
        }
        // the low word of a product of zero-extended words is the 32-bit product
        const [wide, narrow] = x.w === 64 ? [x, y] : [y, x];
        if (wide.w !== 64 || narrow.w !== 32) continue;
        const z = (v: SymBV) => base.zext(32, 64, v);
        const low = base.eq(32, base.extract(31, 0, wide.r), narrow.r);
        out.push(imp(base.band(base.eq(64, wide.a, z(narrow.a)), base.eq(64, wide.b, z(narrow.b))), low));
        out.push(imp(base.band(base.eq(64, wide.a, z(narrow.b)), base.eq(64, wide.b, z(narrow.a))), low));
      }
    }
    return out;
  };
  return { bv, facts };
}
