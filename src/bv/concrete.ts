// Concrete bit-vector backend: values of width <= 32 are unsigned JS numbers, wider
// values are unsigned bigints. Built for speed (the simulator and the interpreter run
// millions of instructions through it), with SMT-LIB results on every input so that it
// agrees with the symbolic backend bit for bit.
import type { BitVec, Width } from './types.ts';

/** A concrete value: number for width <= 32, bigint above. */
export type Num = number | bigint;

const MASKS: number[] = [];
for (let w = 0; w <= 32; w++) MASKS.push(w === 32 ? 0xffffffff : (2 ** w) - 1);
const BIG_MASKS: bigint[] = [];
for (let w = 0; w <= 64; w++) BIG_MASKS.push((1n << BigInt(w)) - 1n);

function n(v: Num): number {
  return v as number;
}
function b(v: Num): bigint {
  return v as bigint;
}
/** Signed interpretation of an unsigned number of width w <= 32. */
function signed32(w: Width, v: number): number {
  if (w === 32) return v | 0;
  const top = 2 ** (w - 1);
  return v >= top ? v - 2 ** w : v;
}
function signedBig(w: Width, v: bigint): bigint {
  return BigInt.asIntN(w, v);
}
function wrap(w: Width, v: number): number {
  // v is an exact integer within +-2^53; reduce modulo 2^w
  if (w === 32) return v >>> 0;
  const m = 2 ** w;
  const r = v % m;
  return r < 0 ? r + m : r;
}

/** Convert a concrete value of any width to a bigint (for printing and tests). */
export function toBig(v: Num): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

export const concrete: BitVec<Num, boolean> = {
  symbolic: false,
  T: true,
  F: false,

  lit(w, value) {
    if (w <= 32) {
      if (typeof value === 'bigint') return Number(BigInt.asUintN(w, value));
      return w === 32 ? value >>> 0 : wrap(w, value);
    }
    return BigInt.asUintN(w, typeof value === 'bigint' ? value : BigInt(value));
  },

  add(w, x, y) {
    if (w <= 32) return w === 32 ? (n(x) + n(y)) >>> 0 : (n(x) + n(y)) & MASKS[w]!;
    return BigInt.asUintN(w, b(x) + b(y));
  },
  sub(w, x, y) {
    if (w <= 32) return w === 32 ? (n(x) - n(y)) >>> 0 : (n(x) - n(y)) & MASKS[w]!;
    return BigInt.asUintN(w, b(x) - b(y));
  },
  mul(w, x, y) {
    if (w <= 32) return w === 32 ? Math.imul(n(x), n(y)) >>> 0 : Math.imul(n(x), n(y)) & MASKS[w]!;
    return BigInt.asUintN(w, b(x) * b(y));
  },
  udiv(w, x, y) {
    if (w <= 32) return n(y) === 0 ? MASKS[w]! : Math.floor(n(x) / n(y));
    return b(y) === 0n ? BIG_MASKS[w]! : b(x) / b(y);
  },
  urem(w, x, y) {
    if (w <= 32) return n(y) === 0 ? n(x) : n(x) % n(y);
    return b(y) === 0n ? b(x) : b(x) % b(y);
  },
  sdiv(w, x, y) {
    if (w <= 32) {
      const a = signed32(w, n(x));
      const d = signed32(w, n(y));
      if (d === 0) return a < 0 ? 1 : MASKS[w]!;
      return wrap(w, Math.trunc(a / d));
    }
    const a = signedBig(w, b(x));
    const d = signedBig(w, b(y));
    if (d === 0n) return a < 0n ? 1n : BIG_MASKS[w]!;
    return BigInt.asUintN(w, a / d);
  },
  srem(w, x, y) {
    if (w <= 32) {
      const a = signed32(w, n(x));
      const d = signed32(w, n(y));
      if (d === 0) return n(x);
      return wrap(w, a % d);
    }
    const a = signedBig(w, b(x));
    const d = signedBig(w, b(y));
    if (d === 0n) return b(x);
    return BigInt.asUintN(w, a % d);
  },
  and(w, x, y) {
    return w <= 32 ? (n(x) & n(y)) >>> 0 : b(x) & b(y);
  },
  or(w, x, y) {
    return w <= 32 ? (n(x) | n(y)) >>> 0 : b(x) | b(y);
  },
  xor(w, x, y) {
    return w <= 32 ? (n(x) ^ n(y)) >>> 0 : b(x) ^ b(y);
  },
  shl(w, x, y) {
    if (w <= 32) {
      if (n(y) >= w) return 0;
      return w === 32 ? (n(x) << n(y)) >>> 0 : (n(x) << n(y)) & MASKS[w]!;
    }
    if (b(y) >= BigInt(w)) return 0n;
    return BigInt.asUintN(w, b(x) << b(y));
  },
  lshr(w, x, y) {
    if (w <= 32) return n(y) >= w ? 0 : n(x) >>> n(y);
    return b(y) >= BigInt(w) ? 0n : b(x) >> b(y);
  },
  ashr(w, x, y) {
    if (w <= 32) {
      const s = signed32(w, n(x));
      const k = Math.min(n(y), w - 1);
      return w === 32 ? (s >> k) >>> 0 : (s >> k) & MASKS[w]!;
    }
    const k = b(y) >= BigInt(w) ? BigInt(w - 1) : b(y);
    return BigInt.asUintN(w, signedBig(w, b(x)) >> k);
  },
  not(w, x) {
    return w <= 32 ? (~n(x) & MASKS[w]!) >>> 0 : BigInt.asUintN(w, ~b(x));
  },
  neg(w, x) {
    if (w <= 32) return w === 32 ? -n(x) >>> 0 : (-n(x)) & MASKS[w]!;
    return BigInt.asUintN(w, -b(x));
  },

  eq(_w, x, y) {
    return x === y;
  },
  ult(_w, x, y) {
    return x < y;
  },
  ule(_w, x, y) {
    return x <= y;
  },
  slt(w, x, y) {
    return w <= 32 ? signed32(w, n(x)) < signed32(w, n(y)) : signedBig(w, b(x)) < signedBig(w, b(y));
  },
  sle(w, x, y) {
    return w <= 32 ? signed32(w, n(x)) <= signed32(w, n(y)) : signedBig(w, b(x)) <= signedBig(w, b(y));
  },

  ite(c, x, y) {
    return c ? x : y;
  },
  extract(hi, lo, x) {
    const w = hi - lo + 1;
    if (typeof x === 'number') {
      const shifted = lo >= 32 ? 0 : x >>> lo;
      return w >= 32 ? shifted >>> 0 : (shifted & MASKS[w]!) >>> 0;
    }
    const r = (x >> BigInt(lo)) & BIG_MASKS[w]!;
    return w <= 32 ? Number(r) : r;
  },
  concat(wHi, hi, wLo, lo) {
    const w = wHi + wLo;
    if (w <= 32) return (n(hi) * 2 ** wLo + n(lo)) >>> 0;
    return (toBig(hi) << BigInt(wLo)) | toBig(lo);
  },
  zext(from, to, x) {
    if (to <= 32 || from > 32) return x;
    return BigInt(n(x));
  },
  sext(from, to, x) {
    if (to <= 32) {
      const s = signed32(from, n(x));
      return to === 32 ? s >>> 0 : wrap(to, s);
    }
    if (from <= 32) return BigInt.asUintN(to, BigInt(signed32(from, n(x))));
    return BigInt.asUintN(to, signedBig(from, b(x)));
  },

  bnot(x) {
    return !x;
  },
  band(x, y) {
    return x && y;
  },
  bor(x, y) {
    return x || y;
  },
  bite(c, x, y) {
    return c ? x : y;
  },
};
