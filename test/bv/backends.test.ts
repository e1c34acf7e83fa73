// The concrete backend must agree with Z3 (the SMT-LIB reference) on every operation,
// including the corner cases: division by zero, INT_MIN / -1, shifts >= width.
import { beforeAll, describe, expect, test } from 'vitest';
import { concrete, toBig, type Num } from '../../src/bv/concrete.ts';
import { makeSymbolic, numeral, type Symbolic, type SymBV } from '../../src/bv/symbolic.ts';
import type { BitVec } from '../../src/bv/types.ts';

let sym: Symbolic;
beforeAll(async () => {
  sym = await makeSymbolic();
});

const WIDTHS = [8, 16, 32, 64];
const BINARY = ['add', 'sub', 'mul', 'udiv', 'urem', 'sdiv', 'srem', 'and', 'or', 'xor', 'shl', 'lshr', 'ashr'] as const;
const COMPARE = ['eq', 'ult', 'ule', 'slt', 'sle'] as const;

/** Interesting operands for width w: 0, 1, -1, INT_MIN, INT_MAX, small shifts, randoms. */
function operands(w: number, rnd: () => bigint): bigint[] {
  const m = (1n << BigInt(w)) - 1n;
  const intMin = 1n << BigInt(w - 1);
  const fixed = [0n, 1n, 2n, m, intMin, intMin - 1n, BigInt(w - 1), BigInt(w), BigInt(w + 1)];
  return [...fixed, ...Array.from({ length: 4 }, () => rnd() & m)];
}

function prng(seed: bigint): () => bigint {
  let s = seed;
  return () => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    return s;
  };
}

async function z3value(e: SymBV): Promise<bigint> {
  return numeral(await sym.ctx.simplify(e));
}

describe('concrete backend agrees with Z3', () => {
  for (const w of WIDTHS) {
    test(`binary operations, width ${w}`, async () => {
      const rnd = prng(BigInt(w));
      const xs = operands(w, rnd);
      const c = concrete as BitVec<Num, boolean>;
      let checked = 0;
      for (const op of BINARY) {
        for (let i = 0; i < xs.length; i += 2) {
          for (const y of xs) {
            const x = xs[i]!;
            const got = toBig(c[op](w, c.lit(w, x), c.lit(w, y)));
            const want = await z3value(sym.bv[op](w, sym.bv.lit(w, x), sym.bv.lit(w, y)));
            expect({ op, w, x, y, got }).toEqual({ op, w, x, y, got: want });
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(500);
    });

    test(`comparisons, unary ops and extensions, width ${w}`, async () => {
      const rnd = prng(BigInt(w) + 99n);
      const xs = operands(w, rnd);
      for (const x of xs) {
        for (const y of xs) {
          for (const op of COMPARE) {
            const got = concrete[op](w, concrete.lit(w, x), concrete.lit(w, y));
            const want = (await sym.ctx.simplify(sym.bv[op](w, sym.bv.lit(w, x), sym.bv.lit(w, y)))).toString() === 'true';
            expect({ op, x, y, got }).toEqual({ op, x, y, got: want });
          }
        }
        for (const op of ['not', 'neg'] as const) {
          expect(toBig(concrete[op](w, concrete.lit(w, x)))).toBe(await z3value(sym.bv[op](w, sym.bv.lit(w, x))));
        }
        if (w < 64) {
          for (const f of ['zext', 'sext'] as const) {
            expect(toBig(concrete[f](w, 64, concrete.lit(w, x)))).toBe(await z3value(sym.bv[f](w, 64, sym.bv.lit(w, x))));
          }
        }
        const hi = w - 1;
        const lo = Math.floor(w / 4);
        expect(toBig(concrete.extract(hi, lo, concrete.lit(w, x)))).toBe(await z3value(sym.bv.extract(hi, lo, sym.bv.lit(w, x))));
      }
    });
  }

  test('concat of two 32-bit halves is the 64-bit value', async () => {
    const got = concrete.concat(32, 0xdeadbeef, 32, 0x01234567);
    expect(got).toBe(0xdeadbeef01234567n);
    expect(await z3value(sym.bv.concat(32, sym.bv.lit(32, 0xdeadbeef), 32, sym.bv.lit(32, 0x01234567)))).toBe(0xdeadbeef01234567n);
  });
});
