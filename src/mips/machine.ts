// The machine step, written once over `BitVec`: register file, HI/LO, memory access
// with alignment checks, ll/sc link, and the control-transfer rules (delay slots, R6
// compact branches and forbidden slots, control transfers in a slot). The concrete
// simulator (sim.ts) and the symbolic runner (symexec.ts) differ only in how they fetch
// instructions and in three hooks: how a condition is decided, how a conditional
// fault is raised, and how a jump target becomes an address.
import type { BitVec, ByteOrder, Memory } from '../bv/types.ts';
import type { Flow, InsnDef } from './table.ts';
import type { Isa, MipsFaultKind, MipsState } from './state.ts';

export class MipsFault extends Error {
  constructor(
    readonly pc: number,
    readonly kind: MipsFaultKind,
    readonly detail: string,
    /** The faulting data address, for address and bus errors. */
    readonly addr?: number,
  ) {
    super(`${kindText(kind)} at pc 0x${(pc >>> 0).toString(16).padStart(8, '0')}: ${detail}`);
    this.name = 'MipsFault';
  }
}

function kindText(kind: MipsFaultKind): string {
  switch (kind) {
    case 'align-load':
      return 'address error on load';
    case 'align-store':
      return 'address error on store';
    case 'align-fetch':
      return 'address error on instruction fetch';
    case 'bus':
      return 'bus error';
    case 'reserved':
      return 'reserved instruction';
    case 'break':
      return 'break';
    case 'kcall':
      return 'kernel function called outside its contract';
    case 'budget':
      return 'instruction budget exhausted';
  }
}

/** One decoded instruction, ready to run: its semantics bound to its operands. */
export interface Decoded<V, B> {
  readonly def: InsnDef | undefined;
  readonly word: number;
  readonly flow: Flow;
  readonly exec: (m: MipsState<V, B>) => void;
}

/** Which slot the next instruction sits in. */
export const enum Slot {
  None = 0,
  Delay = 1,
  Forbidden = 2,
}

export abstract class Machine<V, B> implements MipsState<V, B> {
  /** GPRs; index 0 always holds zero. */
  readonly regs: V[];
  protected hiV: V;
  protected loV: V;
  /** Address of the instruction being (or about to be) executed. */
  pc = 0;
  /** Address of the instruction after it (the delay slot's successor when a branch was taken). */
  npc = 4;
  /** Slot kind of the instruction at `pc`. */
  slot: Slot = Slot.None;
  /** Set by a register jump whose target is not a concrete address (symbolic runs). */
  npcTerm: V | undefined;
  protected nextPc = 0;
  protected nextNpc = 0;
  protected taken = false;
  protected llAddr: V | undefined;

  constructor(
    readonly bv: BitVec<V, B>,
    readonly isa: Isa,
    readonly endian: ByteOrder,
    public memory: Memory<V>,
  ) {
    const zero = bv.lit(32, 0);
    this.regs = new Array<V>(32).fill(zero);
    this.hiV = zero;
    this.loV = zero;
  }

  /** Decide a branch condition (concrete: its value; symbolic: fork). */
  protected abstract decide(c: B): boolean;
  /** Raise `kind` when `c` holds (concrete: throw; symbolic: record the condition). */
  protected abstract faultIf(c: B, kind: MipsFaultKind, detail: () => string): void;
  /** The concrete address a jump target denotes, or undefined when it is symbolic. */
  protected abstract address(v: V): number | undefined;

  r(n: number): V {
    return this.regs[n]!;
  }
  w(n: number, v: V): void {
    if (n !== 0) this.regs[n] = v;
  }
  hi(): V {
    return this.hiV;
  }
  lo(): V {
    return this.loV;
  }
  setHi(v: V): void {
    this.hiV = v;
  }
  setLo(v: V): void {
    this.loV = v;
  }

  private misaligned(addr: V, size: number): B {
    const bv = this.bv;
    return bv.bnot(bv.eq(32, bv.and(32, addr, bv.lit(32, size - 1)), bv.lit(32, 0)));
  }

  load(addr: V, size: 1 | 2 | 4, signed: boolean): V {
    if (size !== 1) this.faultIf(this.misaligned(addr, size), 'align-load', () => `load of ${size} bytes from misaligned ${hex(this.address(addr))}`);
    const v = this.memory.load(32, addr, size, this.endian);
    if (size === 4) return v;
    return signed ? this.bv.sext(size * 8, 32, v) : this.bv.zext(size * 8, 32, v);
  }

  store(addr: V, size: 1 | 2 | 4, v: V): void {
    if (size !== 1) this.faultIf(this.misaligned(addr, size), 'align-store', () => `store of ${size} bytes to misaligned ${hex(this.address(addr))}`);
    this.memory.store(32, addr, size, this.endian, size === 4 ? v : this.bv.extract(size * 8 - 1, 0, v));
  }

  branch(cond: B, target: number): void {
    if (this.decide(cond)) this.nextNpc = target;
  }

  jump(target: V): void {
    const a = this.address(target);
    if (a === undefined) this.npcTerm = target;
    else this.nextNpc = a;
  }

  compact(cond: B, target: V): void {
    if (!this.decide(cond)) return;
    this.taken = true;
    const a = this.address(target);
    if (a === undefined) {
      // leaves the path at once: there is no delay slot
      this.npcTerm = target;
      this.nextPc = -1;
      return;
    }
    this.nextPc = a;
    this.nextNpc = (a + 4) >>> 0;
  }

  trap(code: number): void {
    throw new MipsFault(this.pc, 'break', `break ${code}`);
  }

  link(addr: V): void {
    this.llAddr = addr;
  }

  linked(addr: V): B {
    const l = this.llAddr;
    this.llAddr = undefined;
    return l === undefined ? this.bv.F : this.bv.eq(32, l, addr);
  }

  /** Run one decoded instruction at `pc` and advance pc/npc by the delay-slot rules. */
  execute(d: Decoded<V, B>): void {
    if (this.slot !== Slot.None && d.flow !== 'none') {
      const where = this.slot === Slot.Delay ? 'delay' : 'forbidden';
      throw new MipsFault(this.pc, 'reserved', `control transfer ${d.def?.op ?? ''} in a ${where} slot`);
    }
    const npc = this.npc;
    this.nextPc = npc;
    this.nextNpc = (npc + 4) >>> 0;
    this.taken = false;
    d.exec(this);
    const flow = d.flow;
    this.slot = flow === 'delay' ? Slot.Delay : flow === 'compact-fs' && !this.taken ? Slot.Forbidden : Slot.None;
    this.pc = this.nextPc;
    this.npc = this.nextNpc;
  }

  /** Copy the architectural state (not the memory) from another machine. */
  protected copyFrom(o: Machine<V, B>): void {
    for (let i = 0; i < 32; i++) this.regs[i] = o.regs[i]!;
    this.hiV = o.hiV;
    this.loV = o.loV;
    this.pc = o.pc;
    this.npc = o.npc;
    this.slot = o.slot;
    this.npcTerm = o.npcTerm;
    this.llAddr = o.llAddr;
  }
}

export function hex(a: number | undefined): string {
  return a === undefined ? 'a symbolic address' : `0x${(a >>> 0).toString(16).padStart(8, '0')}`;
}
