// Random instruction sequences for the QEMU cross-check: straight-line code, forward
// branches and jumps (delay-slot, compact, register and absolute), loops with bounded
// counters, loads/stores and ll/sc into a scratch region addressed through k1. Every
// sequence terminates and never faults on a correct machine; instructions whose result
// is UNPREDICTABLE on hardware (division by zero) are kept out by construction.
import { concrete } from '../bv/concrete.ts';
import { encode, type MipsInsn } from './codec.ts';
import { Rng, randomInsn } from './random.ts';
import { K1, RA, ZERO } from './regs.ts';
import type { Isa, MipsState } from './state.ts';
import { TABLE, hasIsa, lookup, type InsnDef } from './table.ts';

/** Fixed addresses shared by the generator, the simulator run and the QEMU harness. */
export const LAYOUT = {
  blobArea: 0x01000000,
  blobAreaSize: 0x20000,
  /** Where a case's code starts (the harness's loader sits just below). */
  blob: 0x01001000,
  dataArea: 0x02000000,
  dataAreaSize: 0x1000,
  scratch: 0x02000000,
  scratchSize: 0x400,
  /** k1 points into the middle of the scratch region; no sequence writes k1. */
  k1: 0x02000200,
  save: 0x02000800,
  seed: 0x02000c00,
  maxWords: 8192,
} as const;

export interface SeqCase {
  insns: MipsInsn[];
  words: number[];
  /** Initial GPRs (regs[0] = 0, regs[27] = LAYOUT.k1). */
  regs: number[];
  hi: number;
  lo: number;
  scratch: Uint8Array;
}

/** Registers an instruction writes, found by running its semantics on a recorder. */
export function writesOf(def: InsnDef, args: readonly number[], isa: Isa): number[] {
  const out: number[] = [];
  const m: MipsState<number | bigint, boolean> = {
    bv: concrete, pc: 0x1000, isa,
    r: () => 0, w: (n) => void out.push(n), hi: () => 0, lo: () => 0, setHi: () => {}, setLo: () => {},
    load: () => 0, store: () => {}, branch: () => {}, jump: () => {}, compact: () => {}, trap: () => {},
    link: () => {}, linked: () => false,
  };
  def.sem(m, args);
  return out.filter((r) => r !== ZERO);
}

type Item =
  | { kind: 'plain'; insns: MipsInsn[] }
  // a forward control transfer to the start of item `target` of the same scope (or its end)
  | { kind: 'fwd'; target: number; make: (targetAddr: number, myAddr: number) => MipsInsn[] }
  | { kind: 'loop'; counter: number; count: number; body: Item[]; close: 'bne' | 'bgtz' | 'bnezc'; slot: MipsInsn };

const DIVIDES = new Set(['div', 'divu', 'div_r6', 'divu_r6', 'mod', 'modu']);
const MEM = new Set(['lb', 'lbu', 'lh', 'lhu', 'lw', 'sb', 'sh', 'sw']);

export class SequenceGenerator {
  private readonly alu: InsnDef[];
  private readonly mem: InsnDef[];
  private readonly divs: InsnDef[];

  constructor(
    readonly isa: Isa,
    private readonly rng: Rng,
  ) {
    const have = TABLE.filter((d) => hasIsa(d, isa));
    this.alu = have.filter((d) => d.flow === 'none' && !d.mem && d.op !== 'break' && !DIVIDES.has(d.op));
    this.mem = have.filter((d) => MEM.has(d.op));
    this.divs = have.filter((d) => DIVIDES.has(d.op));
  }

  private def(op: string): InsnDef {
    return lookup(op)!;
  }

  /** One instruction of `defs` that writes no register in `keep`. */
  private simple(defs: readonly InsnDef[], keep: ReadonlySet<number>): MipsInsn {
    for (;;) {
      const d = this.rng.pick(defs);
      const insn = randomInsn(d, this.isa, this.rng);
      if (!writesOf(d, insn.args, this.isa).some((r) => keep.has(r))) return insn;
    }
  }

  private memOp(keep: ReadonlySet<number>): MipsInsn {
    const rng = this.rng;
    for (;;) {
      const d = rng.pick(this.mem);
      const size = d.op.endsWith('b') || d.op === 'lbu' ? 1 : d.op.startsWith('lh') || d.op === 'sh' ? 2 : 4;
      const off = rng.int(-LAYOUT.scratchSize / 2 / size, LAYOUT.scratchSize / 2 / size - 1) * size;
      const rt = rng.int(0, 31);
      if (d.op.startsWith('l') && keep.has(rt)) continue;
      return { op: d.op, args: [rt, off, K1] };
    }
  }

  private writable(keep: ReadonlySet<number>): number {
    for (;;) {
      const r = this.rng.int(1, 31);
      if (!keep.has(r)) return r;
    }
  }

  /** A non-control instruction for a delay or forbidden slot. */
  private filler(keep: ReadonlySet<number>): MipsInsn {
    return this.rng.chance(0.2) ? this.memOp(keep) : this.simple(this.alu, keep);
  }

  private plain(keep: ReadonlySet<number>): Item {
    const rng = this.rng;
    const roll = rng.int(0, 99);
    if (roll < 15) return { kind: 'plain', insns: [this.memOp(keep)] };
    if (roll < 20) {
      // ll ... sc on one word, nothing else touching memory in between
      const off = rng.int(-32, 31) * 4;
      const a = this.writable(keep);
      const between = Array.from({ length: rng.int(0, 2) }, () => this.simple(this.alu, keep));
      const b = rng.chance(0.8) ? off : rng.int(-32, 31) * 4;
      const s = this.writable(keep);
      return { kind: 'plain', insns: [{ op: 'll', args: [a, off, K1] }, ...between, { op: 'sc', args: [s, b, K1] }] };
    }
    if (roll < 27) {
      // keep the divisor non-zero: division by zero is UNPREDICTABLE
      const d = rng.pick(this.divs);
      const insn = randomInsn(d, this.isa, rng, () => this.writable(keep));
      const rt = insn.args[d.operands.findIndex((o) => o.name === 'rt')]!;
      if (writesOf(d, insn.args, this.isa).some((r) => keep.has(r))) return this.plain(keep);
      return { kind: 'plain', insns: [{ op: 'ori', args: [rt, rt, rng.int(1, 0xffff)] }, insn] };
    }
    return { kind: 'plain', insns: [this.simple(this.alu, keep)] };
  }

  private fwd(keep: ReadonlySet<number>, here: number, scopeLen: number): Item {
    const rng = this.rng;
    const target = rng.int(here + 1, scopeLen);
    const isa = this.isa;
    const r = () => rng.int(0, 31);
    const fill = () => this.filler(keep);
    const kinds = ['beq', 'bne', 'blez', 'bgtz', 'bltz', 'bgez', 'j', 'jal', 'jr', 'jalr'];
    if (isa === 'r6') kinds.push('bc', 'balc', 'beqzc', 'bnezc', 'beqc', 'bnec', 'bltc', 'bgec', 'bltuc', 'bgeuc', 'jic', 'jialc');
    const kind = rng.pick(kinds);
    if (keep.has(RA) && ['jal', 'balc', 'jialc'].includes(kind)) return this.plain(keep);
    const via = this.writable(keep);
    const lui = (addr: number): MipsInsn => ({ op: 'lui', args: [via, addr >>> 16] });
    const ori = (addr: number): MipsInsn => ({ op: 'ori', args: [via, via, addr & 0xffff] });
    const delay = fill();
    const forbidden = fill();
    const d = this.def(kind);
    let make: (t: number, me: number) => MipsInsn[];
    switch (kind) {
      case 'j':
      case 'jal':
        make = (t) => [{ op: kind, args: [t & 0x0fffffff] }, delay];
        break;
      case 'jr':
        make = (t) => [lui(t), ori(t), { op: 'jr', args: [via] }, delay];
        break;
      case 'jalr': {
        let rd = this.writable(keep);
        while (rd === via) rd = this.writable(keep);
        make = (t) => [lui(t), ori(t), { op: 'jalr', args: [rd, via] }, delay];
        break;
      }
      case 'jic':
      case 'jialc': {
        const off = rng.int(-64, 64) * 4;
        make = (t) => [lui(t - off), ori(t - off), { op: kind, args: [via, off] }];
        break;
      }
      case 'bc':
      case 'balc':
        make = (t, me) => [{ op: kind, args: [t - me - 4] }];
        break;
      default: {
        // conditional: registers at random, offset filled in at layout
        const regs = randomInsn(d, isa, rng, r).args.slice(0, -1);
        const after = d.flow === 'delay' ? delay : forbidden;
        make = (t, me) => [{ op: kind, args: [...regs, t - me - 4] }, after];
      }
    }
    return { kind: 'fwd', target, make };
  }

  private loop(keep: ReadonlySet<number>, depth: number): Item {
    const rng = this.rng;
    const counter = this.writable(keep);
    const inner = new Set(keep).add(counter);
    const closes: ('bne' | 'bgtz' | 'bnezc')[] = this.isa === 'r6' ? ['bne', 'bgtz', 'bnezc'] : ['bne', 'bgtz'];
    return {
      kind: 'loop',
      counter,
      count: rng.int(1, 6),
      body: this.scope(inner, rng.int(1, 8), depth + 1),
      close: rng.pick(closes),
      slot: this.filler(inner),
    };
  }

  private scope(keep: ReadonlySet<number>, n: number, depth: number): Item[] {
    const items: Item[] = [];
    for (let i = 0; i < n; i++) {
      const roll = this.rng.int(0, 99);
      if (roll < 18) items.push({ kind: 'fwd', target: -1, make: () => [] }); // placeholder, filled below
      else if (roll < 24 && depth < 2) items.push(this.loop(keep, depth));
      else items.push(this.plain(keep));
    }
    // forward transfers need the scope's length to pick their targets
    items.forEach((it, i) => {
      if (it.kind === 'fwd') items[i] = this.fwd(keep, i, items.length);
    });
    return items;
  }

  /** A whole case: code, seeds and scratch contents. */
  generate(size = this.rng.int(4, 40)): SeqCase {
    const rng = this.rng;
    const items = this.scope(new Set([K1]), size, 0);
    const insns = layout(items, LAYOUT.blob);
    const regs = Array.from({ length: 32 }, () => rng.interesting());
    regs[0] = 0;
    regs[K1] = LAYOUT.k1;
    const scratch = new Uint8Array(LAYOUT.scratchSize);
    for (let i = 0; i < scratch.length; i += 4) {
      const v = rng.interesting();
      scratch.set([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff], i);
    }
    return {
      insns,
      words: insns.map((i) => encode(i, this.isa)),
      regs,
      hi: this.isa === 'r2' ? rng.interesting() : 0,
      lo: this.isa === 'r2' ? rng.interesting() : 0,
      scratch,
    };
  }
}

/** Size in instructions of an item (independent of addresses). */
function sizeOf(it: Item): number {
  switch (it.kind) {
    case 'plain':
      return it.insns.length;
    case 'fwd':
      return it.make(0, 0).length;
    case 'loop':
      // init, body, decrement, closing branch and its slot
      return 1 + it.body.reduce((n, b) => n + sizeOf(b), 0) + 3;
  }
}

/** Place items from `base`, resolving branch targets to addresses. */
function layout(items: readonly Item[], base: number): MipsInsn[] {
  const starts: number[] = [];
  let a = base;
  for (const it of items) {
    starts.push(a);
    a += sizeOf(it) * 4;
  }
  starts.push(a);
  const out: MipsInsn[] = [];
  items.forEach((it, i) => {
    const me = starts[i]!;
    switch (it.kind) {
      case 'plain':
        out.push(...it.insns);
        break;
      case 'fwd':
        out.push(...it.make(starts[it.target]!, me));
        break;
      case 'loop': {
        out.push({ op: 'addiu', args: [it.counter, 0, it.count] });
        const bodyStart = me + 4;
        const body = layout(it.body, bodyStart);
        out.push(...body);
        const dec = bodyStart + body.length * 4;
        out.push({ op: 'addiu', args: [it.counter, it.counter, -1] });
        const br = dec + 4;
        const off = bodyStart - (br + 4);
        if (it.close === 'bnezc') out.push({ op: 'bnezc', args: [it.counter, off] }, it.slot);
        else if (it.close === 'bgtz') out.push({ op: 'bgtz', args: [it.counter, off] }, it.slot);
        else out.push({ op: 'bne', args: [it.counter, 0, off] }, it.slot);
        break;
      }
    }
  });
  return out;
}
