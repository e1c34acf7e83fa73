// The concrete MIPS32 simulator: the machine of machine.ts on the concrete backend.
// Each word is decoded once per address and cached as a closure that applies the
// table's semantics to the decoded operands (the same semantics the symbolic runner
// uses: the fast path is only the cache, not a second copy of the instructions).
import { concrete, type Num } from '../bv/concrete.ts';
import type { ConcreteMemory } from '../bv/memory.ts';
import { MemoryFault, type ByteOrder } from '../bv/types.ts';
import { decodeFull } from './codec.ts';
import { Machine, MipsFault, hex, type Decoded } from './machine.ts';
import { A0, RA, SP, V0, V1 } from './regs.ts';
import type { Isa, MipsFaultKind } from './state.ts';

export { MipsFault } from './machine.ts';

export interface SimulatorOptions {
  isa: Isa;
  endian: ByteOrder;
  memory: ConcreteMemory;
  /** `run` stops when control reaches this address (default HALT_ADDRESS). */
  haltAddress?: number;
}

/** Default return address for `call`: reaching it ends the run. Never mapped. */
export const HALT_ADDRESS = 0xfffffff0;

/** A TS function standing in for a kernel routine; see `Simulator.registerNative`. */
export type NativeRoutine = (sim: Simulator) => void;

export class Simulator extends Machine<Num, boolean> {
  /** Instructions executed by every run so far (natives count as one). */
  steps = 0;
  /** Native routines (kernel functions, helpers) run so far: each is one of `steps`. */
  nativeCalls = 0;
  haltAddress: number;
  private readonly cache = new Map<number, Decoded<Num, boolean>>();
  private readonly natives = new Map<number, NativeRoutine>();

  constructor(opts: SimulatorOptions) {
    super(concrete, opts.isa, opts.endian, opts.memory);
    this.haltAddress = opts.haltAddress ?? HALT_ADDRESS;
  }

  protected decide(c: boolean): boolean {
    return c;
  }
  /**
   * Do what the kernel's address-error handler does for kernel code: emulate misaligned
   * loads and stores instead of faulting (arch/mips/kernel/unaligned.c). Off by default.
   */
  emulateUnaligned = false;
  /** Misaligned accesses emulated so far (each costs a trap on real hardware). */
  unalignedEmulated = 0;

  protected faultIf(c: boolean, kind: MipsFaultKind, detail: () => string): void {
    if (!c) return;
    if (this.emulateUnaligned && (kind === 'align-load' || kind === 'align-store')) {
      this.unalignedEmulated++;
      return;
    }
    throw new MipsFault(this.pc, kind, detail());
  }
  protected address(v: Num): number {
    return v as number;
  }

  /** GPR value as an unsigned 32-bit number. */
  reg(n: number): number {
    return this.regs[n] as number;
  }
  setReg(n: number, v: number): void {
    if (n !== 0) this.regs[n] = v >>> 0;
  }
  get hiValue(): number {
    return this.hiV as number;
  }
  get loValue(): number {
    return this.loV as number;
  }
  set hiValue(v: number) {
    this.hiV = v >>> 0;
  }
  set loValue(v: number) {
    this.loV = v >>> 0;
  }

  /**
   * Make `addr` a native routine: a call (jal/jalr/balc/jialc) that reaches it runs `fn`
   * with the O32 ABI (arguments through `argWord`/`arg64`, results through
   * `return32`/`return64`) and then returns to `ra`, like `jr ra`.
   */
  registerNative(addr: number, fn: NativeRoutine): void {
    this.natives.set(addr >>> 0, fn);
    this.cache.delete(addr >>> 0);
  }

  /** Forget decoded instructions (after code in memory changed). */
  flushCache(): void {
    this.cache.clear();
  }

  /**
   * Run from `entry` until control reaches `halt`; returns the number of instructions
   * executed. Throws MipsFault (with the faulting pc) on any fault, including running
   * out of `budget` instructions.
   */
  run(entry: number, budget = Number.MAX_SAFE_INTEGER, halt = this.haltAddress): number {
    this.pc = entry >>> 0;
    this.npc = (entry + 4) >>> 0;
    this.slot = 0;
    const cache = this.cache;
    let n = 0;
    try {
      while (this.pc !== halt) {
        if (n >= budget) throw new MipsFault(this.pc, 'budget', `${budget} instructions executed without reaching ${hex(halt)}`);
        this.execute(cache.get(this.pc) ?? this.fetch(this.pc));
        n++;
      }
    } catch (e) {
      if (e instanceof MemoryFault) throw new MipsFault(this.pc, 'bus', e.message, e.addr);
      throw e;
    } finally {
      this.steps += n;
    }
    return n;
  }

  /**
   * Call the function at `entry` with O32 arguments (up to four words in a0-a3; more go
   * on the stack at sp + 16), `ra` set to the halt address; returns v0.
   */
  call(entry: number, args: readonly number[], budget?: number): number {
    args.forEach((v, i) => {
      if (i < 4) this.setReg(A0 + i, v);
      else this.memory.store(32, (this.reg(SP) + 16 + 4 * (i - 4)) >>> 0, 4, this.endian, v >>> 0);
    });
    this.setReg(RA, this.haltAddress);
    this.run(entry, budget);
    return this.reg(V0);
  }

  // ---- O32 helpers for native routines --------------------------------------------
  /** The i-th 32-bit argument word: a0-a3, then the stack at sp + 16. */
  argWord(i: number): number {
    if (i < 4) return this.reg(A0 + i);
    return this.memory.load(32, (this.reg(SP) + 16 + 4 * (i - 4)) >>> 0, 4, this.endian) as number;
  }
  /** A 64-bit argument in words i, i+1 (i even, O32 alignment): the lower-numbered word
   *  holds the high half on big endian, the low half on little endian. */
  arg64(i: number): bigint {
    const first = BigInt(this.argWord(i));
    const second = BigInt(this.argWord(i + 1));
    return this.endian === 'be' ? (first << 32n) | second : (second << 32n) | first;
  }
  return32(v: number): void {
    this.setReg(V0, v);
  }
  /** A 64-bit result in v0:v1, ordered like a 64-bit argument pair. */
  return64(v: bigint): void {
    const hi = Number(BigInt.asUintN(64, v) >> 32n);
    const lo = Number(BigInt.asUintN(32, v));
    this.setReg(V0, this.endian === 'be' ? hi : lo);
    this.setReg(V1, this.endian === 'be' ? lo : hi);
  }

  private fetch(pc: number): Decoded<Num, boolean> {
    if (pc & 3) throw new MipsFault(pc, 'align-fetch', `instruction fetch from misaligned ${hex(pc)}`);
    const native = this.natives.get(pc);
    let d: Decoded<Num, boolean>;
    if (native) {
      d = {
        def: undefined,
        word: 0,
        flow: 'none',
        exec: () => {
          this.nativeCalls++;
          native(this);
          this.nextPc = this.reg(RA);
          this.nextNpc = (this.reg(RA) + 4) >>> 0;
        },
      };
    } else {
      let word: number;
      try {
        word = this.memory.load(32, pc, 4, this.endian) as number;
      } catch (e) {
        if (e instanceof MemoryFault) throw new MipsFault(pc, 'bus', `instruction fetch: ${e.message}`, pc);
        throw e;
      }
      d = sharedDecoded(word, this.isa);
    }
    this.cache.set(pc, d);
    return d;
  }
}

/**
 * Decoded words, shared by every simulator: what a word does does not depend on where it
 * is, and JITed images repeat the same words many times.
 */
const SHARED: Record<Isa, Map<number, Decoded<Num, boolean>>> = { r2: new Map(), r6: new Map() };
const SHARED_MAX = 1 << 20;

function sharedDecoded(word: number, isa: Isa): Decoded<Num, boolean> {
  const cache = SHARED[isa];
  let d = cache.get(word);
  if (!d) {
    if (cache.size >= SHARED_MAX) cache.clear();
    d = decodedFor<Num, boolean>(word, isa);
    cache.set(word, d);
  }
  return d;
}

/** The runnable form of one word: the table semantics bound to its operands. */
export function decodedFor<V, B>(word: number, isa: Isa): Decoded<V, B> {
  const found = decodeFull(word, isa);
  if (!found) {
    const other = isa === 'r2' ? 'r6' : 'r2';
    const there = decodeFull(word, other);
    const why = there ? `${there.insn.op} exists only on ${other}` : 'not a MIPS32 instruction jitgen knows';
    return {
      def: undefined,
      word,
      flow: 'none',
      exec: (m) => {
        throw new MipsFault(m.pc, 'reserved', `0x${word.toString(16).padStart(8, '0')}: ${why}`);
      },
    };
  }
  const { def } = found.enc;
  const args = found.insn.args;
  const sem = def.sem;
  return { def, word, flow: def.flow, exec: (m) => sem(m, args) };
}
