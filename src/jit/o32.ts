// The O32 calling convention as the JIT needs it for kfunc calls: which 4-byte argument
// slot each argument takes (a 64-bit argument starts at an even slot; slots 0-3 are
// a0-a3, slot k >= 4 is at sp + 4k of the caller's frame), and the order in which to
// fill a0-a3 from the BPF registers' homes when some of those homes are a0-a3 themselves.

/** The first slot of each argument, for arguments of these sizes in bytes. */
export function o32Slots(argSizes: readonly number[]): number[] {
  let next = 0;
  return argSizes.map((size) => {
    if (size > 4) next = (next + 1) & ~1;
    const at = next;
    next += size > 4 ? 2 : 1;
    return at;
  });
}

/** How an argument word reaches its slot: copied, or narrowed to a 1- or 2-byte C type. */
export type Widen = 'move' | 'seb' | 'seh' | 'zeb' | 'zeh';

export interface RegMove {
  dst: number;
  src: number;
  how: Widen;
}

/** The widening a 1-, 2- or 4-byte argument needs (O32 passes it extended to 32 bits). */
export function widenFor(size: number, signed: boolean): Widen {
  if (size === 1) return signed ? 'seb' : 'zeb';
  if (size === 2) return signed ? 'seh' : 'zeh';
  return 'move';
}

/**
 * The moves in an order that reads every source before it is overwritten: repeatedly
 * the first move whose destination no other pending move reads; when only cycles are
 * left, the first pending move's source is saved in `temp` first. Plain moves onto
 * themselves are dropped.
 */
export function orderMoves(moves: readonly RegMove[], temp: number): RegMove[] {
  const pending = moves.filter((m) => m.how !== 'move' || m.dst !== m.src).map((m) => ({ ...m }));
  const out: RegMove[] = [];
  while (pending.length > 0) {
    const k = pending.findIndex((m, i) => !pending.some((o, j) => j !== i && o.src === m.dst));
    if (k >= 0) {
      out.push(pending.splice(k, 1)[0]!);
      continue;
    }
    const first = pending[0]!;
    out.push({ dst: temp, src: first.src, how: 'move' });
    first.src = temp;
  }
  return out;
}
