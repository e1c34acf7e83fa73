// Seeded randomness for the cross-checks: a small PRNG and random operands for any
// table entry, drawn from the ranges the encoder accepts (so every draw encodes).
import { operandRange } from './codec.ts';
import type { InsnDef } from './table.ts';
import type { Isa } from './state.ts';
import type { MipsInsn } from './codec.ts';

/** mulberry32: tiny, fast, good enough to draw test cases; deterministic per seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor((this.u32() / 2 ** 32) * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)]!;
  }
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
  /** A 32-bit value biased toward edge cases (0, 1, -1, sign bits, small numbers). */
  interesting(): number {
    switch (this.int(0, 7)) {
      case 0:
        return this.pick([0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 0xffff, 0x8000, 0xff, 0x80]);
      case 1:
        return this.int(0, 64);
      case 2:
        return (-this.int(1, 64)) >>> 0;
      default:
        return this.u32();
    }
  }
}

/** A value in [min, max] on the step grid, biased toward the ends. */
function draw(rng: Rng, [min, max, step]: [number, number, number]): number {
  const n = Math.floor((max - min) / step);
  const k = rng.chance(0.15) ? rng.pick([0, n, Math.min(n, 1), Math.floor(n / 2)]) : rng.int(0, n);
  return min + k * step;
}

/**
 * Random operands for `def` in `isa`; `pickReg` chooses each register operand (by
 * operand index) so callers can keep some registers out of reach.
 */
export function randomInsn(
  def: InsnDef,
  isa: Isa,
  rng: Rng,
  pickReg: (i: number) => number = () => rng.int(0, 31),
): MipsInsn {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const args: number[] = [];
    def.operands.forEach((o, i) => {
      args.push(o.kind === 'gpr' ? pickReg(i) : draw(rng, operandRange(def, isa, i, args)));
    });
    if (!def.check?.(args)) return { op: def.op, args: def.canonical ? def.canonical(args) : args };
  }
  throw new Error(`cannot draw valid operands for ${def.op}`);
}
