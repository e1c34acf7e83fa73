// The JIT core: compiles a program the way the kernel JIT's passes do. Each BPF
// instruction's plan is walked once, into a list of items: finished MIPS instructions
// and the few things that depend on the layout (jumps to other BPF instructions, the
// tail-call sequence). The walk also finds the registers the body clobbers (the prologue
// saves only the callee-saved ones among them) and whether the program calls out. Then
// layout passes repeat until every instruction's offset is stable, turning branches that
// cannot reach their target into long jumps (sticky, so the passes converge), and a last
// pass encodes the words. The C core does the same passes by walking the emitters again;
// the harness checks the two give the same words.
import { concrete, type Num } from '../bv/concrete.ts';
import type { Config } from '../config.ts';
import * as bpf from '../bpf/opcodes.ts';
import type { Insn } from '../bpf/opcodes.ts';
import type { Program } from '../bpf/program.ts';
import { InsnError } from '../errors.ts';
import { insnHex } from '../bpf/codec.ts';
import { EncodeError, encode, type MipsInsn } from '../mips/codec.ts';
import { lookup, type OperandKind } from '../mips/table.ts';
import { expand } from '../mips/pseudo.ts';
import { A0, A1, A2, A3, RA, SP, T8, T9, V0, V1, ZERO } from '../mips/regs.ts';
import { REG_AX, REG_TMP, halves, type Design } from './design.ts';
import { routeFor } from './dispatch.ts';
import { symbolAddress, type Binding } from './binding.ts';
import { callPlan, walk, type Pair, type Scope, type Sink, type Walker } from './walk.ts';
import { writtenRegs } from './writes.ts';
import { jumpTarget } from '../bpf/patch.ts';
import { liveAtEntry } from './entry-regs.ts';
import { splitSubprograms, type Subprog } from './subprogs.ts';
import { o32Slots, orderMoves, widenFor, type RegMove } from './o32.ts';
import type { KfuncDef } from '../bpf/program.ts';

/** The plan walker a JIT emits with: concrete values, the target's facts, the design's plans. */
export function concreteWalker(prog: Program, opts: Pick<JitOptions, 'design' | 'config'>, sink: Sink<Num>): Walker<Num, boolean> {
  const { design, config } = opts;
  return {
    bv: concrete,
    target: { r6: config.isa === 'r6', be: config.endian === 'be', zext: prog.verifierZext },
    plans: design.plans,
    decide: (c) => c !== 0,
    sink,
  };
}

export interface JitOptions {
  design: Design;
  config: Config;
  binding: Binding;
}

/** A compiled image and where each BPF instruction landed in it. */
export interface JitImage {
  words: Uint32Array;
  /** Word index of each BPF instruction's code; entry n is the epilogue. */
  bpfStart: number[];
  /** Bytes a tail call skips of the target's prologue. */
  tailCallSkip: number;
  stackSize: number;
  passes: number;
  /**
   * A program with bpf2bpf calls: its functions, laid out one after another from the
   * image base (func[0], the main program, first): where each starts (BPF instruction
   * and word) and where its epilogue starts.
   */
  funcs?: { insn: number; word: number; epilogue: number }[];
}

/** The design cannot compile this instruction (and says why). */
export class JitDecline extends InsnError {
  constructor(file: string, index: number, hex: string, why: string) {
    super(file, index, hex, `declined by the design: ${why}`);
    this.name = 'JitDecline';
  }
}

/** O32 caller-saved registers that hold BPF R0-R5 in every preset, in save-slot order. */
export const CALLER_SAVED = [V0, V1, A0, A1, A2, A3, 8, 9, 10, 11, 12, 13];
/** Frame bytes below the BPF stack: O32 home area (16), R3-R5 arguments (24), saves (48). */
export const OUTGOING = 16;
export const SAVE_AREA = 40;
const CALL_RESERVE = SAVE_AREA + 4 * CALLER_SAVED.length;
const SHORT_MIN = -0x8000;
const SHORT_MAX = 0x7fff;
const INVERT: Record<string, string> = {
  beq: 'bne', bne: 'beq', beqz: 'bnez', bnez: 'beqz', bltz: 'bgez', bgez: 'bltz', blez: 'bgtz', bgtz: 'blez',
};

/** A jump to BPF instruction `target` (n: the epilogue), short or long by layout. */
interface Jump {
  k: 'jump';
  op: string;
  regs: number[];
  target: number;
}
/** A bpf2bpf call of function `func`, whose address only the extra pass knows. */
interface LocalCall {
  k: 'local_call';
  func: number;
}
/** An encoded instruction, or something whose words depend on the layout. */
type Item = number | Jump | LocalCall | { k: 'tail_call' };

interface Frame {
  stack: number;
  saved: number[];
  savedAt: number;
  fpOffset: number;
}

/** Walks each instruction's plan once, collecting items and what the frame needs. */
class Discovery implements Sink<Num> {
  readonly items: Item[][] = [];
  readonly clobbered = new Set<number>();
  /** It calls kernel functions or helpers: the frame gets their argument area. */
  calls = false;
  /** It calls other BPF functions: the frame keeps ra. */
  localCalls = false;
  fpUsed = false;
  /** The program may read R1 (the context) before writing it: the prologue sets it up. */
  readonly r1Live: boolean;
  /** The program has a tail call: the prologue keeps the counter it arrives with. */
  tailCalls = false;
  /** BPF instructions (n: the epilogue) that a jump or a tail call's way out may reach. */
  readonly targeted = new Set<number>();
  /** Indices of LD_IMM64's second halves. */
  readonly secondHalves = new Set<number>();
  /**
   * BPF instructions whose code has a branch or jump in it. For the `jitgen` plans this
   * follows from the instruction class (noBranches, which the C core tests); a design
   * with other plans (tony's shifts branch) is kept safe by what its plans emitted.
   */
  readonly withCti = new Set<number>();
  /** BPF registers the program names anywhere (their homes are live across calls). */
  readonly usedBpf = new Set<number>([0, 1]);
  private out: Item[] = [];
  private index = 0;
  private current!: Insn;
  private readonly walker: Walker<Num, boolean>;
  private readonly homes: Pair[];
  private liveCache: Set<number> | undefined;

  /** The program's instructions, read once (corpus programs decode on each access). */
  readonly insns: readonly Insn[];

  constructor(
    readonly prog: Program,
    readonly opts: JitOptions,
    /** Which function of the program this is (index 0: the main program, or the only one). */
    readonly func: FuncPosition = { index: 0, first: 0 },
  ) {
    const { design, config } = opts;
    this.insns = prog.insns;
    this.homes = design.regs.map((_, r) => halves(design, r, config.endian));
    this.walker = concreteWalker(prog, opts, this);
    for (const i of this.insns) {
      this.usedBpf.add(i.dst);
      if (i.src <= REG_AX) this.usedBpf.add(i.src);
      if (i.dst === bpf.REG_FP || i.src === bpf.REG_FP) this.fpUsed = true;
      if (i.code === (bpf.JMP | bpf.CALL)) for (const r of [1, 2, 3, 4, 5]) this.usedBpf.add(r);
      if (isTailCall(i)) this.tailCalls = true;
    }
    this.insns.forEach((insn, i) => {
      const t = jumpsTo(insn, i);
      if (t !== undefined) this.targeted.add(t);
      if (insn.code === LD_IMM64 && !this.secondHalves.has(i)) this.secondHalves.add(i + 1);
    });
    this.r1Live = liveAtEntry(this.insns, 1);
  }

  private get endian(): Config['endian'] {
    return this.opts.config.endian;
  }
  home(r: number): Pair {
    return this.homes[r]!;
  }
  /**
   * The exit moves R0's low word to v0, which `bpf_func` returns; a function called by
   * another BPF function leaves R0 in its home for its caller instead.
   */
  get resultMove(): boolean {
    return this.func.index === 0 && this.home(0).lo !== V0;
  }
  private o32(first: number, second: number): Pair {
    return this.endian === 'be' ? { hi: first, lo: second } : { lo: first, hi: second };
  }

  // ---- Sink: what plans emit ----

  insn(op: string, args: Num[]): void {
    const real = expand(op, args as number[]);
    const def = lookup(real.op);
    if (!def) throw new Error(`plan emitted unknown instruction '${op}'`);
    for (let i = 0; i < real.args.length; i++) real.args[i] = normalise(def.operands[i]?.kind, real.args[i]!);
    for (const r of writtenRegs(real)) this.clobbered.add(r);
    if (def.flow !== 'none') this.withCti.add(this.index);
    this.out.push(this.encodeOrExplain(real));
  }

  /** Encode now (nothing about a plan's own instructions depends on the layout). */
  private encodeOrExplain(i: MipsInsn): number {
    try {
      return encode(i, this.opts.config.isa);
    } catch (err) {
      if (err instanceof EncodeError) this.decline(`cannot encode ${i.op} ${i.args.join(', ')}: ${err.message}`);
      throw err;
    }
  }

  jump(op: string, regs: number[]): void {
    // a plan's never-taken jump (a condition decided at compile time) costs nothing
    if (op === 'bnez' && regs[0] === ZERO) return;
    // nor does a jump to the next instruction, nor its compare (which writes temporaries only)
    const target = jumpTarget(this.current, this.index);
    if (target === this.index + 1) {
      this.out = [];
      return;
    }
    this.out.push({ k: 'jump', op, regs, target });
  }

  exit(): void {
    // the last instruction falls through to the epilogue
    const n = this.insns.length;
    if (this.index !== n - 1) this.out.push({ k: 'jump', op: 'ja', regs: [], target: n });
  }

  kcall(fn: string): void {
    this.calls = true;
    this.callAddress(symbolAddress(this.opts.binding, fn));
  }

  decline(why: string): void {
    throw new JitDecline(this.prog.id, this.func.first + this.index, insnHex(this.current), why);
  }

  clobber(regs: number[]): void {
    for (const r of regs) this.clobbered.add(r);
  }

  saveCallerRegs(kind: 'push' | 'pop', except: number[]): void {
    this.calls = true;
    const live = this.liveCallerSaved();
    CALLER_SAVED.forEach((r, k) => {
      if (live.has(r) && !except.includes(r)) this.e(kind === 'push' ? 'sw' : 'lw', r, SAVE_AREA + 4 * k, SP);
    });
  }

  private e(op: string, ...args: number[]): void {
    this.insn(op, args);
  }

  private liveCallerSaved(): Set<number> {
    if (this.liveCache) return this.liveCache;
    const live = new Set<number>();
    for (const b of this.usedBpf) {
      if (b > 5) continue;
      live.add(this.home(b).lo).add(this.home(b).hi);
    }
    return (this.liveCache = live);
  }

  private callAddress(addr: number, slot: [string, number[]] = ['nop', []]): void {
    this.walkPlan('mov_i', { pairs: {}, regs: { reg: T9 }, vals: { imm: addr >>> 0 } });
    this.e('jalr', RA, T9);
    this.e(slot[0], ...slot[1]);
  }

  private walkPlan(name: string, s: Scope<Num>): void {
    const plan = this.opts.design.plans.get(name);
    if (!plan) throw new Error(`design ${this.opts.design.name} has no plan '${name}'`);
    walk(this.walker, plan.body, s);
  }

  // ---- the program ----

  run(): void {
    const { insns } = this;
    const globals = {
      r0: this.home(0),
      tmp: this.home(REG_TMP),
      ax: this.home(REG_AX),
      arg1: this.o32(A0, A1),
      arg2: this.o32(A2, A3),
      ret: this.o32(V0, V1),
    };
    for (let i = 0; i < insns.length; i++) {
      this.out = [];
      this.index = i;
      this.current = insns[i]!;
      this.body(insns[i]!, insns[i + 1], globals);
      this.items.push(this.out);
      if (bpf.isLdImm64(insns[i]!)) this.items.push([]);
      if (bpf.isLdImm64(insns[i]!)) i++;
    }
  }

  private body(insn: Insn, next: Insn | undefined, globals: Record<string, Pair>): void {
    const route = routeFor(insn.code);
    if (!route) return this.decline(`opcode 0x${insn.code.toString(16).padStart(2, '0')} has no plan`);
    const refused = this.opts.design.refusedOpcodes?.find((r) => r.codes.includes(insn.code));
    if (refused) return this.decline(refused.why);
    switch (route.plan) {
      case 'exit':
        return this.exit();
      case 'ja':
        return this.jump('ja', []);
      case 'call':
        return this.call(insn);
      case 'tail_call':
        this.calls = true;
        this.out.push({ k: 'tail_call' });
        return;
    }
    const pairs = Object.create(globals) as Record<string, Pair>;
    pairs.dst = this.home(insn.dst);
    // src_reg of some opcodes holds a pseudo value, not a register (LD_IMM64, CALL)
    pairs.src = this.home(insn.src <= REG_AX ? insn.src : 0);
    const scope: Scope<Num> = {
      pairs,
      regs: {},
      vals: { imm: insn.imm >>> 0, off: insn.off >>> 0, code: insn.code, imm_hi: (next?.imm ?? 0) >>> 0 },
    };
    callPlan(this.walker, route.plan, route.args, scope);
  }

  /**
   * A kfunc call: the arguments go where O32 wants them by the prototype's sizes (stack
   * slots first, while every home is intact, then a0-a3 in an order that reads each home
   * before it is overwritten); the last of those moves takes the delay slot.
   */
  private kfuncCall(insn: Insn): void {
    const def = kfuncModel(this.prog, insn, this.opts.binding);
    if (typeof def === 'string') return this.decline(def);
    this.calls = true;
    const words: [string, number[]][] = [];
    const moves: RegMove[] = [];
    const slots = o32Slots(def.argSizes);
    def.argSizes.forEach((size, i) => {
      const home = this.home(i + 1);
      const how = widenFor(size, def.argSigned?.[i] ?? false);
      const parts = size > 4 ? (this.endian === 'be' ? [home.hi, home.lo] : [home.lo, home.hi]) : [home.lo];
      parts.forEach((src, k) => {
        const slot = slots[i]! + k;
        if (slot < 4) return moves.push({ dst: A0 + slot, src, how });
        if (how === 'move') return words.push(['sw', [src, 4 * slot, SP]]);
        words.push(widen(how, T8, src), ['sw', [T8, 4 * slot, SP]]);
      });
    });
    for (const m of orderMoves(moves, T8)) words.push(widen(m.how, m.dst, m.src));
    const slot = words.pop();
    for (const [op, args] of words) this.e(op, ...args);
    this.callAddress((this.opts.binding.callBase + insn.imm) >>> 0, slot);
    // the result: v0/v1 as O32 returns 64 bits; a narrower one is zero-extended here
    // unless the verifier does it (verifier_zext); a void call leaves R0 undefined
    const r0 = this.home(0);
    const ret = this.o32(V0, V1);
    if (def.retSize > 4) {
      const back = orderMoves([{ dst: r0.lo, src: ret.lo, how: 'move' }, { dst: r0.hi, src: ret.hi, how: 'move' }], T8);
      for (const m of back) this.e('move', m.dst, m.src);
    } else if (def.retSize > 0) {
      if (r0.lo !== V0) this.e('move', r0.lo, V0);
      if (!this.prog.verifierZext) this.e('move', r0.hi, ZERO);
    }
  }

  private call(insn: Insn): void {
    const { declines } = this.opts.design;
    if (insn.src === bpf.PSEUDO_CALL) {
      if (declines.bpf2bpf) return this.decline(declines.bpf2bpf);
      // R1-R5 are where the callee expects them, and R0 comes back in its home
      this.localCalls = true;
      this.out.push({ k: 'local_call', func: insn.off });
      return;
    }
    if (insn.src === bpf.PSEUDO_KFUNC_CALL) return declines.kfunc ? this.decline(declines.kfunc) : this.kfuncCall(insn);
    this.calls = true;
    if (insn.imm === bpf.FUNC_TAIL_CALL) {
      this.out.push({ k: 'tail_call' });
      return;
    }
    // O32: R1 and R2 travel in a0-a3 already; R3-R5 go to the argument slots on the
    // stack, each a 64-bit value in the target's byte order
    const stores: [number, number][] = [];
    for (const r of [3, 4, 5]) {
      const at = OUTGOING + 8 * (r - 3);
      const { lo, hi } = this.home(r);
      const [first, second] = this.endian === 'be' ? [hi, lo] : [lo, hi];
      stores.push([first, at], [second, at + 4]);
    }
    // the last store goes in the delay slot of the jalr (it completes before the helper runs)
    const [lastReg, lastAt] = stores.pop()!;
    for (const [r, at] of stores) this.e('sw', r, at, SP);
    this.walkPlan('mov_i', { pairs: {}, regs: { reg: T9 }, vals: { imm: (this.opts.binding.callBase + insn.imm) >>> 0 } });
    this.e('jalr', RA, T9);
    this.e('sw', lastReg, lastAt, SP);
    this.calls = true;
  }
}

/**
 * The prototype of the kfunc a call goes to (the kernel's bpf_jit_find_kfunc_model): the
 * verifier has put `func - __bpf_call_base` in imm, so it is the program's kfunc bound at
 * that address. A string says why there is none.
 */
export function kfuncModel(prog: Program, insn: Insn, binding: Binding): KfuncDef | string {
  const def = prog.kfuncs?.find((k) => {
    const addr = binding.symbols.get(k.name);
    return addr !== undefined && ((addr - binding.callBase) | 0) === insn.imm;
  });
  if (!def) return `no kfunc of the program is bound at __bpf_call_base + ${insn.imm} (kfunc calls must be bound first)`;
  if (def.argSizes.length > 5) return `${def.name} takes ${def.argSizes.length} arguments; BPF passes at most 5`;
  const bad = def.argSizes.findIndex((n) => ![1, 2, 4, 8].includes(n));
  if (bad >= 0) return `${def.name}: argument ${bad + 1} is ${def.argSizes[bad]} bytes (a struct?); only 1, 2, 4 and 8 fit registers`;
  if (![0, 1, 2, 4, 8].includes(def.retSize)) return `${def.name} returns ${def.retSize} bytes`;
  return def;
}

/** Where a function sits in the program it was split from. */
interface FuncPosition {
  index: number;
  /** Index of its first instruction in the whole program (for messages). */
  first: number;
}

/** One layout pass over the discovered items: prologue, body, epilogue. */
class Layout {
  readonly out: number[] = [];
  readonly bpfStart: number[] = [];
  grew = false;
  /** Words laid out so far (in a measuring pass nothing else is kept). */
  private at = 0;

  constructor(
    private readonly d: Discovery,
    private readonly frame: Frame,
    /** Word index of each BPF instruction from the previous pass. */
    private readonly previous: number[],
    /** BPF instructions whose jump must use the long form. */
    private readonly longJumps: Set<number>,
    /** False for the passes that only find offsets; true for the one that emits. */
    private readonly emitting: boolean,
    /** Addresses of the program's functions (bpf2bpf calls), once the extra pass knows them. */
    private readonly funcAddrs: readonly number[] = [],
    /** Where the image goes (a long jump's j encodes it). */
    private readonly imageBase = d.opts.binding.imageBase,
  ) {}

  /** Words laid out by this pass. */
  get words(): number {
    return this.at;
  }

  private get opts(): JitOptions {
    return this.d.opts;
  }
  private e(op: string, ...args: number[]): void {
    this.at++;
    if (!this.emitting) return;
    const real = expand(op, args);
    const def = lookup(real.op)!;
    for (let i = 0; i < real.args.length; i++) real.args[i] = normalise(def.operands[i]?.kind, real.args[i]!);
    this.out.push(encode(real, this.opts.config.isa));
  }

  run(): void {
    this.prologue();
    const { items } = this.d;
    for (let i = 0; i < items.length; i++) {
      this.bpfStart[i] = this.at;
      for (const it of items[i]!) {
        if (typeof it === 'number') {
          this.at++;
          if (this.emitting) this.out.push(it);
        } else if (it.k === 'jump') {
          // with no frame the epilogue is two words: an exit is better off with its own copy
          if (it.op === 'ja' && it.target === items.length && this.frame.stack === 0) this.epilogue(RA, this.slotTakesLast(i));
          else this.branchTo(it, i);
        } else if (it.k === 'local_call') {
          this.localCall(it.func);
        } else {
          this.tailCall(i);
        }
      }
    }
    this.bpfStart[items.length] = this.at;
    const n = this.d.insns.length;
    this.epilogue(RA, n > 0 && this.d.insns[n - 1]!.code === (bpf.JMP | bpf.EXIT) && this.slotTakesLast(n - 1));
  }

  /**
   * May the frameless epilogue of the exit at `exit` take the body's last word into its
   * delay slot? Only when nothing jumps to the exit or to an instruction between the word
   * and the exit (a jump there would run that word too), and the word comes from an
   * instruction with no branch of its own in its plan (so it is not a delay slot itself);
   * instructions that emitted nothing are looked past.
   */
  private slotTakesLast(exit: number): boolean {
    const { insns, targeted, secondHalves } = this.d;
    if (this.frame.stack !== 0 || this.d.resultMove) return false;
    if (exit === insns.length - 1 && targeted.has(insns.length)) return false;
    for (let j = exit - 1; j >= 0; j--) {
      if (targeted.has(j + 1)) return false;
      if (secondHalves.has(j)) continue;
      if (!noBranches(insns[j]!) || this.d.withCti.has(j)) return false;
      if (this.bpfStart[j]! < this.at) return true;
    }
    return false;
  }

  /** A branch to a BPF instruction: short with a delay slot, or long through `j`. */
  private branchTo(j: Jump, site: number): void {
    const target = this.previous[j.target] ?? 0;
    if (!this.longJumps.has(site)) {
      const off = target - (this.at + 1);
      // the first pass knows no offsets yet: every jump starts short
      if (this.previous.length > 0 && (off < SHORT_MIN || off > SHORT_MAX)) {
        this.longJumps.add(site);
        this.grew = true;
      }
      if (j.op === 'ja') this.e('b', off * 4);
      else this.e(j.op, ...j.regs, off * 4);
      this.e('nop');
      return;
    }
    if (j.op !== 'ja') {
      // skip the delay slot, the j and its delay slot when the condition is false
      this.e(INVERT[j.op]!, ...j.regs, 12);
      this.e('nop');
    }
    const targetAddr = (this.imageBase + 4 * target) >>> 0;
    this.e('j', targetAddr & 0x0fffffff);
    this.e('nop');
  }

  /**
   * A bpf2bpf call: the callee's address in full (lui + ori, so the words do not change
   * size when the extra pass fills it in), called like a kernel function.
   */
  private localCall(func: number): void {
    const addr = this.funcAddrs[func] ?? 0;
    this.e('lui', T9, addr >>> 16);
    this.e('ori', T9, T9, addr & 0xffff);
    this.e('jalr', RA, T9);
    this.e('nop');
  }

  private tailCall(site: number): void {
    const { offsets } = this.opts.binding;
    const ary = this.d.home(2).lo;
    const ind = this.d.home(3).lo;
    const tcc = this.frame.stack;
    const out = (): number => ((this.previous[site + 1] ?? 0) - (this.at + 1)) * 4;
    this.e('lw', T8, offsets.arrayMaxEntries, ary);
    this.e('sltu', T8, ind, T8);
    this.e('beqz', T8, out());
    this.e('lw', T9, tcc, SP); // delay slot: the counter, for the next test
    this.e('blez', T9, out());
    this.e('addiu', T9, T9, -1); // delay slot: counted down whether or not we go on
    this.e('sw', T9, tcc, SP);
    this.e('sll', T8, ind, 2);
    this.e('addu', T8, T8, ary);
    this.e('lw', T8, offsets.arrayPtrs, T8);
    this.e('beqz', T8, out());
    this.e('nop');
    this.e('lw', T8, offsets.progBpfFunc, T8);
    this.e('addiu', T8, T8, TAIL_CALL_SKIP);
    // the callee takes the counter in t9 and the context in a0, as on entry
    const r1 = this.d.home(1);
    if (r1.lo !== A0) this.e('move', A0, r1.lo);
    this.epilogue(T8);
  }

  private prologue(): void {
    const r1 = this.d.home(1);
    // a function called by another BPF function finds R1-R5 in their homes and has no
    // tail calls (the verifier does not mix them with bpf2bpf calls here)
    if (this.d.func.index > 0) return this.frameSetup();
    // the tail-call counter travels in t9; a tail call brings its own
    this.e('ori', T9, ZERO, bpf.MAX_TAIL_CALL_CNT);
    // === tail calls enter here, with the counter in t9 and the context in a0 ===
    // only a program that tail-calls keeps the counter, in the home area our caller made
    if (this.d.tailCalls) this.e('sw', T9, 0, SP);
    if (this.d.r1Live) {
      if (r1.lo !== A0) this.e('move', r1.lo, A0);
      this.e('move', r1.hi, ZERO);
    }
    this.frameSetup();
  }

  private frameSetup(): void {
    const f = this.frame;
    if (f.stack) this.e('addiu', SP, SP, -f.stack);
    f.saved.forEach((r, k) => this.e('sw', r, f.savedAt + 4 * k, SP));
    if (this.d.fpUsed) this.e('addiu', this.d.home(bpf.REG_FP).lo, SP, f.fpOffset);
  }

  private epilogue(dest: number, fill = false): void {
    const f = this.frame;
    f.saved.forEach((r, k) => this.e('lw', r, f.savedAt + 4 * k, SP));
    // the result is R0's low word in v0; a tail call leaves no result
    const r0 = this.d.home(0);
    const moveResult = dest === RA && this.d.resultMove;
    if (f.stack === 0 && fill) {
      // nothing to pop or move and nothing jumps here: the last word goes in the slot
      const last = this.out.pop();
      this.at--;
      this.e('jr', dest);
      this.at++;
      if (this.emitting) this.out.push(last!);
      return;
    }
    if (f.stack === 0) {
      // nothing to pop: the delay slot takes the result; with nothing for it, R6
      // returns by a compact jump, which has no slot
      if (moveResult) {
        this.e('jr', dest);
        this.e('move', V0, r0.lo);
      } else if (this.opts.config.isa === 'r6') {
        this.e('jic', dest, 0);
      } else {
        this.e('jr', dest);
        this.e('nop');
      }
      return;
    }
    if (moveResult) this.e('move', V0, r0.lo);
    this.e('jr', dest);
    this.e('addiu', SP, SP, f.stack);
  }
}

/** One argument word, widened to its C type on the way (O32 passes 32-bit registers). */
function widen(how: RegMove['how'], dst: number, src: number): [string, number[]] {
  switch (how) {
    case 'move':
      return ['move', [dst, src]];
    case 'seb':
      return ['seb', [dst, src]];
    case 'seh':
      return ['seh', [dst, src]];
    case 'zeb':
      return ['andi', [dst, src, 0xff]];
    case 'zeh':
      return ['andi', [dst, src, 0xffff]];
  }
}

/** Bytes of the prologue a tail call skips: setting the counter (it arrives in t9). */
export const TAIL_CALL_SKIP = 4;

const LD_IMM64 = bpf.LD | bpf.IMM | bpf.DW;

/** Instructions whose plans have no branch, call or kernel-function call in them. */
export function noBranches(insn: Insn): boolean {
  const cls = insn.code & 0x07;
  const op = insn.code & 0xf0;
  const mode = insn.code & 0xe0;
  if (cls === bpf.ALU || cls === bpf.ALU64) return op !== bpf.DIV && op !== bpf.MOD;
  if (cls === bpf.LD) return insn.code === LD_IMM64;
  if (cls === bpf.LDX) return mode === bpf.MEM || mode === bpf.MEMSX;
  if (cls === bpf.ST || cls === bpf.STX) return mode === bpf.MEM;
  return false;
}

/** Where a jump (or a call's return, or a tail call's way out) at index i may go. */
export function jumpsTo(insn: Insn, i: number): number | undefined {
  const cls = insn.code & 0x07;
  if (cls !== bpf.JMP && cls !== bpf.JMP32) return undefined;
  const op = insn.code & 0xf0;
  if (op === bpf.EXIT) return undefined;
  if (op === bpf.CALL || insn.code === (bpf.JMP | bpf.TAIL_CALL)) return i + 1;
  return jumpTarget(insn, i);
}

/**
 * A tail call, as a helper call or as the verifier's rewrite. A bpf2bpf or kfunc call
 * whose imm happens to be 12 is not one.
 */
export function isTailCall(insn: Insn): boolean {
  if (insn.code === (bpf.JMP | bpf.TAIL_CALL)) return true;
  return insn.code === (bpf.JMP | bpf.CALL) && insn.src === 0 && insn.imm === bpf.FUNC_TAIL_CALL;
}

/** C-int plan values become the field values the encoder checks. */
function normalise(kind: OperandKind | undefined, v: number): number {
  if (kind === 'simm' || kind === 'broff' || kind === 'hi16') return v | 0;
  return v >>> 0;
}

function layFrame(d: Discovery, prog: Program): Frame {
  const { design } = d.opts;
  const fpReg = d.home(bpf.REG_FP).lo;
  const saved = design.calleeSaved.filter((r) => d.clobbered.has(r) || (r === fpReg && d.fpUsed));
  if ((d.calls || d.localCalls) && !saved.includes(RA)) saved.push(RA);
  const savedBytes = align8(4 * saved.length);
  const locals = align8(prog.stackDepth);
  const reserve = d.calls ? CALL_RESERVE : 0;
  const stack = align8(savedBytes + locals + reserve);
  return { stack, saved, savedAt: stack - savedBytes, fpOffset: reserve + locals };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

export const MAX_PASSES = 16;

/** A function whose offsets have converged: everything but the words. */
interface Converged {
  d: Discovery;
  frame: Frame;
  offsets: number[];
  longJumps: Set<number>;
  passes: number;
  words: number;
}

/** The first passes over one function: discovery, the frame, layout until offsets hold. */
function converge(prog: Program, opts: JitOptions, func?: FuncPosition): Converged {
  const d = new Discovery(prog, opts, func);
  d.run();
  const frame = layFrame(d, prog);
  const longJumps = new Set<number>();
  let previous: number[] = [];
  let words = 0;
  let n = 0;
  for (; n < MAX_PASSES; n++) {
    const pass = new Layout(d, frame, previous, longJumps, false);
    pass.run();
    const stable = !pass.grew && pass.bpfStart.length === previous.length && pass.bpfStart.every((w, i) => w === previous[i]);
    previous = pass.bpfStart;
    words = pass.words;
    if (stable) break;
  }
  if (n === MAX_PASSES) throw new Error(`${prog.id}: offsets did not converge in ${MAX_PASSES} passes`);
  return { d, frame, offsets: previous, longJumps, passes: n + 1, words };
}

/** The pass that writes the words, with the offsets of the last stable one. */
function emitWords(c: Converged, funcAddrs: readonly number[] = [], imageBase?: number): Layout {
  const pass = new Layout(c.d, c.frame, c.offsets, c.longJumps, true, funcAddrs, imageBase);
  pass.run();
  return pass;
}

/** Compile `prog` with a design for a configuration: the model's `bpf_int_jit_compile`. */
export function jit(prog: Program, opts: JitOptions): JitImage {
  // a design that brings its own passes (Design.compile) is compiled by them
  if (opts.design.compile) return opts.design.compile(prog, opts);
  const subprogs = splitSubprograms(prog);
  if (subprogs.length > 1) return jitFunctions(prog, subprogs, opts);
  const c = converge(prog, opts);
  const pass = emitWords(c);
  return {
    words: Uint32Array.from(pass.out),
    bpfStart: pass.bpfStart,
    tailCallSkip: TAIL_CALL_SKIP,
    stackSize: c.frame.stack,
    passes: c.passes,
  };
}

/**
 * A program with bpf2bpf calls, as jit_subprogs() has it compiled: each function by its
 * own passes, placed right after the one before (as the harness allocates them), then
 * the extra pass that writes every function with the others' addresses in its calls.
 */
function jitFunctions(prog: Program, subprogs: Subprog[], opts: JitOptions): JitImage {
  const tail = prog.insns.findIndex(isTailCall);
  if (tail >= 0) {
    throw new JitDecline(prog.id, tail, insnHex(prog.insns[tail]!), 'a tail call in a program with bpf2bpf calls: the verifier refuses the mix unless the JIT has bpf_jit_supports_subprog_tailcalls(), which this one has not');
  }
  const converged = subprogs.map((f, index) => converge({ ...prog, insns: f.insns }, opts, { index, first: f.first }));
  const addrs: number[] = [];
  let at = opts.binding.imageBase;
  for (const c of converged) {
    addrs.push(at >>> 0);
    at += 4 * c.words;
  }
  const words: number[] = [];
  const bpfStart: number[] = [];
  const funcs: NonNullable<JitImage['funcs']> = [];
  let passes = 0;
  converged.forEach((c, k) => {
    const base = words.length;
    const pass = emitWords(c, addrs, addrs[k]!);
    const n = subprogs[k]!.insns.length;
    for (let i = 0; i < n; i++) bpfStart.push(base + pass.bpfStart[i]!);
    funcs.push({ insn: subprogs[k]!.first, word: base, epilogue: base + pass.bpfStart[n]! });
    words.push(...pass.out);
    passes = Math.max(passes, c.passes);
  });
  bpfStart.push(funcs[funcs.length - 1]!.epilogue);
  return {
    words: Uint32Array.from(words),
    bpfStart,
    tailCallSkip: TAIL_CALL_SKIP,
    stackSize: converged[0]!.frame.stack,
    passes,
    funcs,
  };
}
