// The fuzzer's random source: one seeded splitmix32 stream (src/jit/blind.ts), so a seed
// names a whole run and every program in it, on every platform.
import { prng } from '../jit/blind.ts';

export class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = prng(seed);
  }

  /** A u32. */
  u32(): number {
    return this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** One key of `weights`, drawn in proportion to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let x = this.next() % Math.max(1, total);
    for (const [k, w] of entries) {
      if (x < w) return k;
      x -= w;
    }
    return entries[0]![0];
  }
}

/** The seed of case `index` of a run seeded `seed`: each case can be replayed alone. */
export function caseSeed(seed: number, index: number): number {
  const r = prng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  r();
  return r();
}
