// What the kernel functions that plans call do, as specifications over BitVec: the O32
// argument places they read (a0-a1, a2-a3, then the stack at sp+16), the value they
// return in v0-v1 and the memory they change. The specifications follow the kernel's
// documented contracts (include/linux/math64.h, include/linux/atomic/atomic-instrumented.h
// and the JIT-local helpers' definitions: x % y, *p = v returning the old value); a
// callee's own precondition (a divisor that is not zero) is an obligation of the caller.
import type { SymBool, SymBV } from '../../bv/symbolic.ts';
import type { SymbolicMemory } from '../../bv/symbolic.ts';
import type { BitVec, ByteOrder } from '../../bv/types.ts';

export interface CallSite {
  bv: BitVec<SymBV, SymBool>;
  order: ByteOrder;
  mem: SymbolicMemory;
  /** 64-bit argument in O32 slot `slot` (0: a0-a1, 2: a2-a3, 4: stack at sp+16). */
  arg64(slot: 0 | 2 | 4): SymBV;
  /** 32-bit argument in slot 0..3 (a0..a3). */
  argWord(slot: 0 | 1 | 2 | 3): SymBV;
}

export interface CallEffect {
  /** Returned 64-bit value (v0-v1), if any. */
  ret?: SymBV;
  /** What must hold for the call to be defined (proved, not assumed). */
  requires: { what: string; holds: SymBool }[];
}

type Spec = (c: CallSite) => CallEffect;

function division(op: 'udiv' | 'urem' | 'sdiv' | 'srem'): Spec {
  return (c) => {
    const { bv } = c;
    const x = c.arg64(0);
    const y = c.arg64(2);
    const zero = bv.lit(64, 0);
    const requires = [{ what: 'divisor passed to the kernel is not zero', holds: bv.bnot(bv.eq(64, y, zero)) }];
    if (op === 'sdiv' || op === 'srem') {
      // S64_MIN / -1 overflows in C; the verifier removes division by -1 before the JIT
      requires.push({ what: 'signed divisor passed to the kernel is not -1', holds: bv.bnot(bv.eq(64, y, bv.lit(64, -1n))) });
    }
    return { ret: bv[op](64, x, y), requires };
  };
}

/** `atomic64_<op>(s64 i, atomic64_t *v)`: i in a0-a1, v in a2. */
function atomic(f: (bv: BitVec<SymBV, SymBool>, old: SymBV, i: SymBV) => SymBV, fetch: boolean): Spec {
  return (c) => {
    const addr = c.argWord(2);
    const old = c.mem.load(32, addr, 8, c.order);
    c.mem.store(32, addr, 8, c.order, f(c.bv, old, c.arg64(0)));
    return { ret: fetch ? old : undefined, requires: [aligned8(c, addr)] };
  };
}

function aligned8(c: CallSite, addr: SymBV): { what: string; holds: SymBool } {
  const { bv } = c;
  return { what: 'atomic64 pointer is 8-byte aligned', holds: bv.eq(32, bv.and(32, addr, bv.lit(32, 7)), bv.lit(32, 0)) };
}

export const KERNEL_SPECS: Readonly<Record<string, Spec>> = {
  div64_u64: division('udiv'),
  div64_s64: division('sdiv'),
  jit_mod64: division('urem'),
  jit_smod64: division('srem'),
  atomic64_add: atomic((bv, o, i) => bv.add(64, o, i), false),
  atomic64_fetch_add: atomic((bv, o, i) => bv.add(64, o, i), true),
  atomic64_and: atomic((bv, o, i) => bv.and(64, o, i), false),
  atomic64_fetch_and: atomic((bv, o, i) => bv.and(64, o, i), true),
  atomic64_or: atomic((bv, o, i) => bv.or(64, o, i), false),
  atomic64_fetch_or: atomic((bv, o, i) => bv.or(64, o, i), true),
  atomic64_xor: atomic((bv, o, i) => bv.xor(64, o, i), false),
  atomic64_fetch_xor: atomic((bv, o, i) => bv.xor(64, o, i), true),
  jit_xchg64: atomic((_bv, _o, i) => i, true),
  /** `s64 atomic64_cmpxchg(atomic64_t *v, s64 old, s64 new)`: v in a0, old in a2-a3, new at sp+16. */
  atomic64_cmpxchg: (c) => {
    const { bv } = c;
    const addr = c.argWord(0);
    const old = c.mem.load(32, addr, 8, c.order);
    const expected = c.arg64(2);
    const replacement = c.arg64(4);
    c.mem.store(32, addr, 8, c.order, bv.ite(bv.eq(64, old, expected), replacement, old));
    return { ret: old, requires: [aligned8(c, addr)] };
  },
};
