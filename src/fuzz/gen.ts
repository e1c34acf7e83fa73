// Random valid programs for the differential fuzzer. Each program initialises every
// register and its stack first (the verifier would reject reads of undefined state, and
// the interpreter and the JITed code start from different garbage), then runs a random
// body, then folds every defined register and every stack slot into R0 so that the 32
// bits `bpf_func` returns depend on all of the final state, high words included.
//
// Division by zero and signed overflow (INT_MIN / -1): the kernel's verifier rewrites
// them, so the JIT never sees them happen. The generator guards every divisor register
// (`if src == 0: src = C`, and for SDIV/SMOD also `if src == -1`) and never emits K = 0
// (or K = -1 for SDIV/SMOD). Shift amounts in a register are masked to the width first
// (the verifier does not require it, but RFC 9669's masking is what the interpreter
// implements and mainline JITs differ on). Loops are counted down from at most 6 and
// contain no calls.
import * as op from '../bpf/opcodes.ts';
import type { Insn } from '../bpf/opcodes.ts';
import {
  FUNC_GET_NUMA_NODE_ID,
  FUNC_GET_PRANDOM_U32,
  FUNC_GET_SMP_PROCESSOR_ID,
  FUNC_JIFFIES64,
  FUNC_KTIME_GET_BOOT_NS,
  FUNC_KTIME_GET_COARSE_NS,
  FUNC_KTIME_GET_NS,
} from '../bpf/helpers.ts';
import { ATOMIC_OPS } from '../bpf/validate.ts';
import { PROG_ARRAY_MARKER, TAIL_CALL_INSN, type FuzzCase } from './case.ts';
import { Rng } from './rng.ts';
import { modelledKfuncs } from '../bpf/kfuncs.ts';

export interface GenOptions {
  /** Body steps of the program under test (each one to a few instructions); default 24. */
  steps?: number;
  /** Tail calls through a prog array of generated programs (default true). */
  tailCalls?: boolean;
  /** bpf2bpf calls into generated subprograms (default true; never in a case with tail calls). */
  bpf2bpf?: boolean;
  /** Calls of the modelled kfuncs (src/bpf/kfuncs.ts), `imm` their index there (default true). */
  kfuncs?: boolean;
  /** Helper calls (the interpreter's stubs, default true). */
  helpers?: boolean;
  /** ISA v4 instructions: MOVSX, SDIV/SMOD, LDX MEMSX, BSWAP, JMP32 JA (default true). */
  isaV4?: boolean;
}

const HELPERS = [
  FUNC_KTIME_GET_NS,
  FUNC_GET_PRANDOM_U32,
  FUNC_GET_SMP_PROCESSOR_ID,
  FUNC_GET_NUMA_NODE_ID,
  FUNC_JIFFIES64,
  FUNC_KTIME_GET_BOOT_NS,
  FUNC_KTIME_GET_COARSE_NS,
];

/** 32-bit immediates at the edges the plans branch on (16-bit fits, zero, sign bits). */
const IMM32 = [
  0, 1, 2, -1, -2, 0x7fff, 0x8000, -0x8000, -0x8001, 0xffff, 0x10000, 0x7fffffff, -0x80000000, 31, 32, 33, 63, 64, 0x12345678,
  -0x12345678, 0xff, 0x80, 0x7f, 0xff00,
];
/** 64-bit values for LD_IMM64 (as u64). */
const IMM64 = [
  0n, 1n, 0xffffffffffffffffn, 0x8000000000000000n, 0x7fffffffffffffffn, 0x80000000n, 0x7fffffffn, 0xffffffffn, 0x100000000n,
  0xffffffff00000000n, 0x00000000ffff8000n, 0xffffffff80000000n, 0x0000000180000000n, 0x8000000080000000n, 0x0123456789abcdefn,
  0xfedcba9876543210n, 0xffffn, 0x10000n,
];

// MOV twice: moves (and ISA v4 sign-extending moves) are the commonest ALU op in real code
const ALU_OPS = [op.ADD, op.SUB, op.MUL, op.DIV, op.OR, op.AND, op.LSH, op.RSH, op.NEG, op.MOD, op.XOR, op.MOV, op.MOV, op.ARSH];
const COND = [op.JEQ, op.JGT, op.JGE, op.JSET, op.JNE, op.JSGT, op.JSGE, op.JLT, op.JLE, op.JSLT, op.JSLE];
const ATOMICS = [...ATOMIC_OPS];
const SIZES = [op.B, op.H, op.W, op.DW];

/** Multiplier of the final fold (FNV's prime: odd, so no bit is lost). */
const FOLD_MUL = 0x01000193;

const ins = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm: imm | 0 });

/** Generates the body of one (sub)program. */
class ProgGen {
  readonly out: Insn[] = [];
  /** Registers holding defined values. */
  init = new Set<number>();
  /** Registers the body must not write (live loop counters). */
  readonly reserved = new Set<number>();
  private loopDepth = 0;
  private blockDepth = 0;
  /** Pending bpf2bpf calls: instruction index, to be pointed at the subprogram. */
  readonly localCalls: number[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly opts: Required<GenOptions>,
    private readonly stackDepth: number,
    /** A prog array exists: tail calls may be emitted. */
    private readonly progArray: boolean,
    /** 0: the program itself; k > 0: a bpf2bpf callee k calls deep (no helper or tail calls). */
    private readonly depth: number,
  ) {}

  private emit(i: Insn): void {
    this.out.push(i);
  }

  private imm32(): number {
    return this.rng.chance(0.7) ? this.rng.pick(IMM32) : this.rng.u32() | 0;
  }

  private imm64(): bigint {
    if (this.rng.chance(0.7)) return this.rng.pick(IMM64);
    return (BigInt(this.rng.u32()) << 32n) | BigInt(this.rng.u32());
  }

  private ldImm64(dst: number, v: bigint): void {
    this.emit(ins(op.LD | op.IMM | op.DW, dst, 0, 0, Number(v & 0xffffffffn)));
    this.emit(ins(0, 0, 0, 0, Number(v >> 32n)));
    this.init.add(dst);
  }

  /** Give `r` a defined, interesting value. */
  setReg(r: number): void {
    if (this.rng.chance(0.5)) this.ldImm64(r, this.imm64());
    else this.emit(ins((this.rng.chance(0.5) ? op.ALU64 : op.ALU) | op.MOV | op.K, r, 0, 0, this.imm32()));
    this.init.add(r);
  }

  /** Every register R0-R9 and every stack byte the program uses get a value. */
  prelude(regs: readonly number[]): void {
    for (const r of regs) this.setReg(r);
    for (let off = -this.stackDepth; off < 0; off += 8) {
      if (this.rng.chance(0.5)) this.emit(ins(op.ST | op.MEM | op.DW, op.REG_FP, 0, off, this.imm32()));
      else this.emit(ins(op.STX | op.MEM | op.DW, op.REG_FP, this.definedReg(), off, 0));
    }
  }

  private definedReg(): number {
    const d = [...this.init];
    return d.length ? this.rng.pick(d) : op.REG_FP;
  }

  /** A register the body may overwrite (defined or not, as `needDefined` says). */
  private writable(needDefined: boolean): number | null {
    const c: number[] = [];
    for (let r = 0; r <= 9; r++) if (!this.reserved.has(r) && (!needDefined || this.init.has(r))) c.push(r);
    return c.length ? this.rng.pick(c) : null;
  }

  private stackOffset(size: number): number {
    const slots = this.stackDepth / size;
    return -size * (1 + this.rng.int(slots));
  }

  body(steps: number): void {
    for (let s = 0; s < steps; s++) this.step();
  }

  private step(): void {
    const o = this.opts;
    const kind = this.rng.weighted({
      alu: 40,
      end: o.isaV4 ? 4 : 2,
      ldimm: 4,
      store: 6,
      load: 6,
      atomic: 5,
      jcond: this.blockDepth < 3 ? 8 : 0,
      ja: this.blockDepth < 3 ? 1 : 0,
      loop: this.loopDepth === 0 && this.blockDepth < 2 ? 3 : 0,
      call: o.helpers && this.loopDepth === 0 && this.depth === 0 ? 3 : 0,
      tail: this.progArray && this.loopDepth === 0 && this.depth === 0 ? 3 : 0,
      local: o.bpf2bpf && this.loopDepth === 0 && this.depth < MAX_CALL_DEPTH ? 3 : 0,
      kfunc: o.kfuncs && this.loopDepth === 0 ? 2 : 0,
    });
    switch (kind) {
      case 'alu':
        return this.alu();
      case 'end':
        return this.end();
      case 'ldimm': {
        const d = this.writable(false);
        if (d !== null) this.ldImm64(d, this.imm64());
        return;
      }
      case 'store':
        return this.store();
      case 'load':
        return this.load();
      case 'atomic':
        return this.atomic();
      case 'jcond':
        return this.jcond();
      case 'ja':
        return this.ja();
      case 'loop':
        return this.loop();
      case 'call':
        this.emit(ins(op.JMP | op.CALL, 0, 0, 0, this.rng.pick(HELPERS)));
        for (let r = 1; r <= 5; r++) this.init.delete(r);
        this.init.add(0);
        return;
      case 'tail':
        return this.tailCall();
      case 'local':
        return this.localCall();
      case 'kfunc':
        return this.kfuncCall();
    }
  }

  /** Make `r` safe as a divisor: not 0 (and for signed division not -1), as the verifier's rewrite guarantees. */
  private guardDivisor(r: number, is32: boolean, signed: boolean): void {
    const jcls = is32 ? op.JMP32 : op.JMP;
    const bad = signed ? [0, -1] : [0];
    for (const b of bad) {
      this.emit(ins(jcls | op.JNE | op.K, r, 0, 1, b));
      this.emit(ins(op.ALU64 | op.MOV | op.K, r, 0, 0, this.rng.pick([1, 3, 7, 0x10000, -0x80000000, 0x7fffffff, -3])));
    }
  }

  private alu(): void {
    const is32 = this.rng.chance(0.5);
    const cls = is32 ? op.ALU : op.ALU64;
    const width = is32 ? 32 : 64;
    const o = this.rng.pick(ALU_OPS);
    const dst = this.writable(o !== op.MOV);
    if (dst === null) return;
    if (o === op.NEG) {
      this.emit(ins(cls | op.NEG | op.K, dst, 0, 0, 0));
      return;
    }
    const x = this.rng.chance(0.5);
    const signed = (o === op.DIV || o === op.MOD) && this.opts.isaV4 && this.rng.chance(0.4);
    const off = signed ? 1 : 0;
    if (!x) {
      let imm = this.imm32();
      if (o === op.LSH || o === op.RSH || o === op.ARSH) {
        imm = this.rng.chance(0.5) ? this.rng.pick([0, 1, width / 2 - 1, width / 2, width / 2 + 1, width - 1]) : this.rng.int(width);
      }
      if ((o === op.DIV || o === op.MOD) && (imm === 0 || (signed && imm === -1))) imm = 7;
      this.emit(ins(cls | o | op.K, dst, 0, off, imm));
      this.init.add(dst);
      return;
    }
    const needsGuard = o === op.DIV || o === op.MOD || o === op.LSH || o === op.RSH || o === op.ARSH;
    // a guard rewrites src, so a guarded src must be writable; dst == src is fine
    const src = needsGuard ? this.writable(true) : this.definedReg();
    if (src === null || (src === op.REG_FP && o !== op.MOV)) return;
    if (src === op.REG_FP) return; // the frame pointer's value differs between engines
    if (o === op.DIV || o === op.MOD) this.guardDivisor(src, is32, signed);
    if (o === op.LSH || o === op.RSH || o === op.ARSH) this.emit(ins(op.ALU64 | op.AND | op.K, src, 0, 0, width - 1));
    let movOff = 0;
    if (o === op.MOV && this.opts.isaV4 && this.rng.chance(0.5)) movOff = this.rng.pick(is32 ? [8, 16] : [8, 16, 32]);
    this.emit(ins(cls | o | op.X, dst, src, o === op.MOV ? movOff : off, 0));
    this.init.add(dst);
  }

  private end(): void {
    const dst = this.writable(true);
    if (dst === null) return;
    const imm = this.rng.pick([16, 32, 64]);
    if (this.opts.isaV4 && this.rng.chance(0.4)) this.emit(ins(op.ALU64 | op.END | op.TO_LE, dst, 0, 0, imm));
    else this.emit(ins(op.ALU | op.END | (this.rng.chance(0.5) ? op.TO_BE : op.TO_LE), dst, 0, 0, imm));
  }

  private store(): void {
    const sz = this.rng.pick(SIZES);
    const bytes = op.sizeBytes(sz);
    const off = this.stackOffset(bytes);
    if (this.rng.chance(0.4)) this.emit(ins(op.ST | op.MEM | sz, op.REG_FP, 0, off, this.imm32()));
    else {
      const src = this.definedReg();
      if (src === op.REG_FP) return;
      this.emit(ins(op.STX | op.MEM | sz, op.REG_FP, src, off, 0));
    }
  }

  private load(): void {
    const dst = this.writable(false);
    if (dst === null) return;
    const sx = this.opts.isaV4 && this.rng.chance(0.3);
    const sz = sx ? this.rng.pick([op.B, op.H, op.W]) : this.rng.pick(SIZES);
    this.emit(ins(op.LDX | (sx ? op.MEMSX : op.MEM) | sz, dst, op.REG_FP, this.stackOffset(op.sizeBytes(sz)), 0));
    this.init.add(dst);
  }

  private atomic(): void {
    const sz = this.rng.pick([op.W, op.DW]);
    const a = this.rng.pick(ATOMICS);
    const writesSrc = a !== op.CMPXCHG && (a & op.FETCH) !== 0;
    if (a === op.CMPXCHG && (!this.init.has(0) || this.reserved.has(0))) return;
    const src = writesSrc ? this.writable(true) : this.definedReg();
    if (src === null || src === op.REG_FP) return;
    this.emit(ins(op.STX | op.ATOMIC | sz, op.REG_FP, src, this.stackOffset(op.sizeBytes(sz)), a));
  }

  /** A forward conditional jump over a block: the registers defined after it are those both paths define. */
  private jcond(): void {
    const dst = this.definedReg();
    if (dst === op.REG_FP) return;
    const cls = this.rng.chance(0.5) ? op.JMP32 : op.JMP;
    const cond = this.rng.pick(COND);
    const x = this.rng.chance(0.5);
    let src = 0;
    if (x) {
      src = this.definedReg();
      if (src === op.REG_FP) return;
    }
    const at = this.out.length;
    this.emit(ins(cls | cond | (x ? op.X : op.K), dst, src, 0, x ? 0 : this.imm32()));
    const before = new Set(this.init);
    this.blockDepth++;
    this.body(1 + this.rng.int(4));
    this.blockDepth--;
    this.init = new Set([...this.init].filter((r) => before.has(r)));
    this.out[at] = { ...this.out[at]!, off: this.out.length - at - 1 };
  }

  /** An unconditional forward jump over dead code (JMP JA, or JMP32 JA with its offset in imm). */
  private ja(): void {
    const at = this.out.length;
    const long = this.opts.isaV4 && this.rng.chance(0.5);
    this.emit(ins(long ? op.JMP32 | op.JA : op.JMP | op.JA, 0, 0, 0, 0));
    const before = new Set(this.init);
    this.blockDepth++;
    this.body(1 + this.rng.int(2));
    this.blockDepth--;
    this.init = before;
    const d = this.out.length - at - 1;
    this.out[at] = long ? { ...this.out[at]!, imm: d } : { ...this.out[at]!, off: d };
  }

  /** `c = n; do { body } while (--c != 0)`, with a counter the body leaves alone. */
  private loop(): void {
    const free = [6, 7, 8, 9].filter((r) => !this.reserved.has(r));
    if (free.length === 0) return;
    const c = this.rng.pick(free);
    this.emit(ins(op.ALU64 | op.MOV | op.K, c, 0, 0, 1 + this.rng.int(6)));
    this.init.add(c);
    this.reserved.add(c);
    const top = this.out.length;
    this.loopDepth++;
    this.body(1 + this.rng.int(5));
    this.loopDepth--;
    const is32 = this.rng.chance(0.5);
    this.emit(ins((is32 ? op.ALU : op.ALU64) | op.SUB | op.K, c, 0, 0, 1));
    const cond = this.rng.pick([op.JNE, op.JGT, op.JSGT]);
    const at = this.out.length;
    this.emit(ins((is32 ? op.JMP32 : op.JMP) | cond | op.K, c, 0, top - at - 1, 0));
    this.reserved.delete(c);
  }

  private tailCall(): void {
    this.ldImm64(2, BigInt(PROG_ARRAY_MARKER));
    // mostly a real slot; sometimes past the end or a huge index (bounds check)
    const idx = this.rng.chance(0.85) ? this.rng.int(4) : this.rng.pick([4, 5, 100, -1, 0x7fffffff]);
    this.emit(ins(op.ALU64 | op.MOV | op.K, 3, 0, 0, idx));
    this.emit(TAIL_CALL_INSN);
    for (let r = 0; r <= 5; r++) this.init.delete(r);
  }

  private localCall(): void {
    for (let r = 1; r <= 5; r++) if (!this.init.has(r)) this.setReg(r);
    this.localCalls.push(this.out.length);
    this.emit(ins(op.JMP | op.CALL, 0, op.PSEUDO_CALL, 0, 0));
    for (let r = 1; r <= 5; r++) this.init.delete(r);
    this.init.add(0);
  }

  /** A kfunc call: every argument register defined first (the verifier checks the used ones). */
  private kfuncCall(): void {
    for (let r = 1; r <= 5; r++) if (!this.init.has(r)) this.setReg(r);
    this.emit(ins(op.JMP | op.CALL, 0, op.PSEUDO_KFUNC_CALL, 0, this.rng.int(modelledKfuncs().length)));
    for (let r = 1; r <= 5; r++) this.init.delete(r);
    this.init.add(0);
  }

  /** Fold every defined register and every stack slot into R0, then exit. */
  foldAndExit(): void {
    const mix = (): void => this.emit(ins(op.ALU64 | op.MUL | op.K, 0, 0, 0, FOLD_MUL));
    if (!this.init.has(0)) this.emit(ins(op.ALU64 | op.MOV | op.K, 0, 0, 0, 0));
    for (let r = 1; r <= 9; r++) {
      if (!this.init.has(r)) continue;
      this.emit(ins(op.ALU64 | op.XOR | op.X, 0, r, 0, 0));
      mix();
    }
    for (let off = -this.stackDepth; off < 0; off += 8) {
      this.emit(ins(op.LDX | op.MEM | op.DW, 1, op.REG_FP, off, 0));
      this.emit(ins(op.ALU64 | op.XOR | op.X, 0, 1, 0, 0));
      mix();
    }
    this.emit(ins(op.ALU64 | op.MOV | op.X, 1, 0, 0, 0));
    this.emit(ins(op.ALU64 | op.RSH | op.K, 1, 0, 0, 32));
    this.emit(ins(op.ALU64 | op.XOR | op.X, 0, 1, 0, 0));
    this.emit(ins(op.JMP | op.EXIT, 0, 0, 0, 0));
  }
}

const DEFAULTS: Required<GenOptions> = { steps: 24, tailCalls: true, bpf2bpf: true, kfuncs: true, helpers: true, isaV4: true };

/** bpf2bpf calls nest this deep: the program, a callee, and the callee's own callee. */
const MAX_CALL_DEPTH = 2;

/** One whole program: prelude, body, fold, exit, then the bpf2bpf callees it calls. */
function genProgram(rng: Rng, opts: Required<GenOptions>, stackDepth: number, steps: number, progArray: boolean): Insn[] {
  const g = new ProgGen(rng, opts, stackDepth, progArray, 0);
  g.prelude([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  g.body(steps);
  g.foldAndExit();
  const insns = g.out;
  const pending = g.localCalls.map((at) => ({ at, depth: 1 }));
  for (let next = pending.shift(); next; next = pending.shift()) {
    // each call gets its own callee: args R1-R5, its own frame, a result in R0
    const callee = new ProgGen(rng, opts, stackDepth, false, next.depth);
    callee.init = new Set([1, 2, 3, 4, 5]);
    callee.prelude([]);
    callee.body(1 + rng.int(6));
    if (!callee.init.has(0)) callee.setReg(0);
    callee.out.push(ins(op.JMP | op.EXIT, 0, 0, 0, 0));
    const base = insns.length;
    insns[next.at] = { ...insns[next.at]!, imm: base - next.at - 1 };
    insns.push(...callee.out);
    for (const at of callee.localCalls) pending.push({ at: base + at, depth: next.depth + 1 });
  }
  return insns;
}

/** A random case for `seed`: deterministic, valid, free of reads of undefined state. */
export function generateCase(seed: number, options: GenOptions = {}): FuzzCase {
  const opts = { ...DEFAULTS, ...options };
  const rng = new Rng(seed);
  const stackDepth = rng.pick([8, 16, 32, 64, 64, 64]);
  const withArray = opts.tailCalls && rng.chance(0.15);
  // bpf2bpf calls allowed in a fifth of the cases, about half of which make one (a design
  // that declines them declines the whole case, which must not starve the rest), never
  // beside tail calls: the verifier refuses the mix unless the JIT supports tail calls in
  // subprograms, and jitgen's does not
  const mainOpts = { ...opts, bpf2bpf: opts.bpf2bpf && !withArray && rng.chance(0.2) };
  const main = genProgram(rng, mainOpts, stackDepth, 1 + rng.int(opts.steps * 2), withArray);
  const programs = [main];
  const progArray: (number | null)[] = [];
  if (withArray) {
    // slots: the program itself (recursion runs into the counter limit), fresh targets, holes
    const targets = 1 + rng.int(2);
    for (let t = 0; t < targets; t++) programs.push(genProgram(rng, { ...opts, bpf2bpf: false }, stackDepth, 1 + rng.int(opts.steps), true));
    const slots = 2 + rng.int(3);
    for (let i = 0; i < slots; i++) progArray.push(rng.chance(0.2) ? null : rng.int(programs.length));
  }
  return { programs, progArray, stackDepth };
}
