// The Z3 backend proves a true claim and refutes a false one with a counterexample.
// Kept apart from backends.test.ts: thousands of simplify() calls there leave the
// z3-solver WASM instance in a state where a later solver check can stall (seen in CI).
import { beforeAll, describe, expect, test } from 'vitest';
import { makeSymbolic, type Symbolic } from '../../src/bv/symbolic.ts';

let sym: Symbolic;
beforeAll(async () => {
  sym = await makeSymbolic();
});

describe('symbolic backend proves and refutes', () => {
  test('32-bit pair addition with sltu carry equals 64-bit addition', async () => {
    const { bv, fresh, prove } = sym;
    const a = fresh('a', 64);
    const b = fresh('b', 64);
    const lo = bv.add(32, bv.extract(31, 0, a), bv.extract(31, 0, b));
    const carry = bv.ite(bv.ult(32, lo, bv.extract(31, 0, b)), bv.lit(32, 1), bv.lit(32, 0));
    const hi = bv.add(32, bv.add(32, bv.extract(63, 32, a), bv.extract(63, 32, b)), carry);
    const r = await prove(bv.eq(64, bv.concat(32, hi, 32, lo), a.add(b)));
    expect(r.status).toBe('proved');
  });

  test('a false claim gives a counterexample', async () => {
    const { bv, fresh, prove } = sym;
    const a = fresh('x', 32);
    // x + 1 > x is false exactly at 0xffffffff
    const r = await prove(bv.ult(32, a, bv.add(32, a, bv.lit(32, 1))));
    expect(r.status).toBe('failed');
    expect(r.model?.x).toBe(0xffffffffn);
  });
});
