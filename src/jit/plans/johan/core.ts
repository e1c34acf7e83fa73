// The `johan` preset's pass driver: mainline's bpf_int_jit_compile, build_body,
// build_insn, build_prologue/build_epilogue, setup_jmp/finish_jmp, emit_call and
// emit_tail_call (arch/mips/net/bpf_jit_comp{,32}.c), walking the preset's DSL plans for
// the per-operation emitters. Mainline's passes differ from the shared core's in ways
// that change words, so they are modelled as mainline runs them:
//  - a descriptor per BPF instruction holds its word index from the latest pass (updated
//    as the pass goes, so a backward target reads this pass and a forward one the last)
//    and a sticky "converted" flag; a conditional branch is decided BEFORE its plan runs
//    (inverted around a long `j`, dropped when never taken), so plans get `jop`/`rel`;
//  - the first pass starts without a prologue and with all descriptors 0; iterations
//    repeat until no descriptor changes, converting every branch for the last two;
//  - `clobbered` (registers written, as mainline marks them) and `stack_used` (deepest
//    caller-save push) are pass-dynamic state: push_regs reads the mask as it is when the
//    instruction is reached, and the prologue sizes the frame from the previous pass.
// Instructions whose words depend on none of that are walked once per pass kind and then
// advanced by their size.
import { type Num } from '../../../bv/concrete.ts';
import * as bpf from '../../../bpf/opcodes.ts';
import type { Insn } from '../../../bpf/opcodes.ts';
import type { Program } from '../../../bpf/program.ts';
import { insnHex } from '../../../bpf/codec.ts';
import { encode, type MipsInsn } from '../../../mips/codec.ts';
import { lookup, type OperandKind } from '../../../mips/table.ts';
import { expand } from '../../../mips/pseudo.ts';
import { A0, GP, RA, S0, S1, S2, S3, S4, S5, S6, S7, SP, T8, T9, V0, V1, ZERO } from '../../../mips/regs.ts';
import { concreteWalker, JitDecline, type JitImage, type JitOptions } from '../../core.ts';
import { REG_TMP, halves } from '../../design.ts';
import { symbolAddress } from '../../binding.ts';
import type { PlanArg } from '../../dsl.ts';
import { callPlan, type Pair, type Scope, type Sink, type Walker } from '../../walk.ts';

const FP_REG = 30;
const bit = (r: number): number => 2 ** r;
const mask = (...regs: number[]): number => regs.reduce((m, r) => m | bit(r), 0) >>> 0;
/** v0-v1, a0-a3, t0-t5: JIT_CALLER_REGS. */
const CALLER = mask(V0, V1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);
/** t0-t5: R3-R5, stored to the O32 argument slots for helper calls (JIT_STACK_REGS). */
const STACK_ARGS = mask(8, 9, 10, 11, 12, 13);
const CALLEE = mask(S0, S1, S2, S3, S4, S5, S6, S7, GP, FP_REG, RA);
const RESERVED = 16;
const MAX_ITERATIONS = 8;
const JNOP = 0xf0;
const JNSET = 0xe0;
const JA = 0x00;

const INVERT: Record<number, number> = {
  [JA]: JNOP,
  [bpf.JEQ]: bpf.JNE,
  [bpf.JNE]: bpf.JEQ,
  [bpf.JSET]: JNSET,
  [bpf.JGT]: bpf.JLE,
  [bpf.JGE]: bpf.JLT,
  [bpf.JLT]: bpf.JGE,
  [bpf.JLE]: bpf.JGT,
  [bpf.JSGT]: bpf.JSLE,
  [bpf.JSGE]: bpf.JSLT,
  [bpf.JSLT]: bpf.JSGE,
  [bpf.JSLE]: bpf.JSGT,
};

function popcount(m: number): number {
  let n = 0;
  for (let x = m >>> 0; x; x = (x & (x - 1)) >>> 0) n++;
  return n;
}
const align8 = (n: number): number => (n + 7) & ~7;

function normalise(kind: OperandKind | undefined, v: number): number {
  if (kind === 'simm' || kind === 'broff' || kind === 'hi16') return v | 0;
  return v >>> 0;
}

/** Mainline's JIT context, and the sink the preset's plans emit into. */
class MainlineJit implements Sink<Num> {
  private readonly insns: readonly Insn[];
  private readonly n: number;
  private readonly desc: Int32Array;
  private readonly conv: Uint8Array;
  /** Words of an instruction whose emission depends on no pass state (-1: unknown or dynamic). */
  private readonly size: Int32Array;
  /** Words of a conditional jump's plan for the `jop` it last had (sizes depend on jop alone). */
  private readonly jumpJop: Int16Array;
  private readonly jumpSize: Int32Array;
  private readonly homes: Pair[];
  private readonly walker: Walker<Num, boolean>;
  private readonly globals: Record<string, Pair>;
  private emitting = false;
  private out: MipsInsn[] = [];
  private jitIndex = 0;
  private bpfIndex = 0;
  private changes = 0;
  private accessed = 0;
  private clobbered = 0;
  private stackSize = 0;
  private savedSize = 0;
  private stackUsed = 0;
  /** Set when the instruction being built read pass state (push/pop). */
  private dynamic = false;
  passes = 0;

  constructor(
    private readonly prog: Program,
    private readonly opts: JitOptions,
  ) {
    this.insns = prog.insns;
    this.n = this.insns.length;
    this.desc = new Int32Array(this.n + 1);
    this.conv = new Uint8Array(this.n + 1);
    this.size = new Int32Array(this.n).fill(-1);
    this.jumpJop = new Int16Array(this.n).fill(-1);
    this.jumpSize = new Int32Array(this.n);
    const { design, config } = opts;
    this.homes = design.regs.map((_, r) => halves(design, r, config.endian));
    this.walker = concreteWalker(prog, opts, this);
    this.globals = { r0: this.homes[0]!, r1: this.homes[1]!, r2: this.homes[2]!, tmp: this.homes[REG_TMP]! };
  }

  private get be(): boolean {
    return this.opts.config.endian === 'be';
  }

  // ---- Sink ----

  insn(op: string, args: Num[]): void {
    this.jitIndex++;
    if (!this.emitting) return;
    const real = expand(op, args as number[]);
    const def = lookup(real.op);
    if (!def) throw new Error(`plan emitted unknown instruction '${op}'`);
    for (let i = 0; i < real.args.length; i++) real.args[i] = normalise(def.operands[i]?.kind, real.args[i]!);
    this.out.push(real);
  }
  private e(op: string, ...args: number[]): void {
    this.insn(op, args);
  }
  jump(): void {
    throw new Error('johan plans branch with explicit offsets (jop/rel), not core jumps');
  }
  exit(): void {
    throw new Error('johan: EXIT is built by the core');
  }
  kcall(fn: string): void {
    this.call(symbolAddress(this.opts.binding, fn));
  }
  decline(why: string): void {
    this.fail(why);
  }
  clobber(regs: number[]): void {
    for (const r of regs) this.clobbered = (this.clobbered | bit(r)) >>> 0;
  }
  /**
   * push_regs/pop_regs of the caller-saved registers mainline has marked clobbered so
   * far. 64-bit cmpxchg pushes at depth 24 (its third argument takes the slots at 16).
   */
  saveCallerRegs(kind: 'push' | 'pop', except: number[]): void {
    this.dynamic = true;
    const cur = this.insns[this.bpfIndex]!;
    const cmpxchg64 = cur.code === (bpf.STX | bpf.ATOMIC | bpf.DW) && cur.imm === bpf.CMPXCHG;
    const depth = RESERVED + (cmpxchg64 ? 8 : 0);
    const m = (this.clobbered & CALLER) >>> 0;
    if (kind === 'push') this.pushRegs(m, mask(...except), depth);
    else this.popRegs(m, mask(...except), depth);
  }

  private fail(why: string): never {
    const i = Math.min(this.bpfIndex, this.n - 1);
    throw new JitDecline(this.prog.id, i, insnHex(this.insns[i]!), why);
  }

  private pushRegs(m: number, excl: number, depth: number): number {
    for (let r = 0; r < 32; r++) {
      if (!(m & bit(r))) continue;
      if (!(excl & bit(r))) this.e('sw', r, depth, SP);
      depth += 4;
    }
    this.stackUsed = Math.max(this.stackUsed, depth);
    return depth;
  }
  private popRegs(m: number, excl: number, depth: number): number {
    for (let r = 0; r < 32; r++) {
      if (!(m & bit(r))) continue;
      if (!(excl & bit(r))) this.e('lw', r, depth, SP);
      depth += 4;
    }
    return depth;
  }

  private movI(reg: number, imm: number): void {
    this.plan('mov_i', [{ k: 'reg', reg: { k: 'fixed', reg, name: '' } }, { k: 'val', v: { k: 'lit', v: imm | 0 } }], {});
  }
  private call(addr: number): void {
    this.movI(T9, addr);
    this.e('jalr', RA, T9);
    this.e('nop');
  }

  private plan(name: string, args: PlanArg[], pairs: Record<string, Pair>, vals: Record<string, Num> = {}): void {
    const scope: Scope<Num> = { pairs: Object.assign(Object.create(this.globals) as Record<string, Pair>, pairs), regs: {}, vals };
    callPlan(this.walker, name, args, scope);
  }

  // ---- addresses and branches ----

  private getTarget(loc: number): number {
    if (!this.emitting) return 0;
    const base = this.opts.binding.imageBase >>> 0;
    const pc = (base + 4 * this.jitIndex) >>> 0;
    const addr = (base + 4 * this.desc[loc]!) >>> 0;
    if (((addr ^ pc) & ~0x0fffffff) !== 0) this.fail('jump target out of the 256 MB region (mainline: TOO FAR)');
    return addr & 0x0fffffff;
  }
  private getOffset(off: number): number {
    return (this.desc[this.bpfIndex + off]! - this.jitIndex - 1) * 4;
  }

  private setupJmp(bpfOp: number, bpfOff: number): [number, number] {
    const i = this.bpfIndex;
    let op = bpfOp;
    let offset = 0;
    if (this.desc[i] === 0 || bpfOp === JNOP) return [op, 0];
    if (bpfOp === JA) this.conv[i] = 1;
    if (!this.conv[i]) offset = (this.desc[i + bpfOff + 1]! - this.desc[i + 1]! + 1) * 4;
    if (this.conv[i] || offset < -0x20000 || offset > 0x1ffff) {
      offset = 12;
      op = INVERT[bpfOp] ?? 0;
      if (!this.conv[i]) this.changes++;
      this.conv[i] = 1;
    }
    return [op, offset];
  }
  private setupJmpI(imm: number, width: 32 | 64, bpfOp: number, off: number): [number, number] {
    const u = imm >>> 0;
    let always = false;
    let never = false;
    switch (bpfOp) {
      case bpf.JSET:
      case bpf.JLT:
        never = imm === 0;
        break;
      case bpf.JGE:
        always = imm === 0;
        break;
      case bpf.JGT:
        never = u === 0xffffffff;
        break;
      case bpf.JLE:
        always = u === 0xffffffff;
        break;
      case bpf.JSGT:
        never = imm === 0x7fffffff && width === 32;
        break;
      case bpf.JSGE:
        always = imm === -0x80000000 && width === 32;
        break;
      case bpf.JSLT:
        never = imm === -0x80000000 && width === 32;
        break;
      case bpf.JSLE:
        always = imm === 0x7fffffff && width === 32;
        break;
    }
    if (never) bpfOp = JNOP;
    if (always) bpfOp = JA;
    return this.setupJmp(bpfOp, off);
  }
  private setupJmpR(sameReg: boolean, bpfOp: number, off: number): [number, number] {
    if (sameReg) {
      if ([bpf.JEQ, bpf.JGE, bpf.JLE, bpf.JSGE, bpf.JSLE].includes(bpfOp)) bpfOp = JA;
      else if ([bpf.JNE, bpf.JLT, bpf.JGT, bpf.JSGT, bpf.JSLT].includes(bpfOp)) bpfOp = JNOP;
    }
    return this.setupJmp(bpfOp, off);
  }
  private finishJmp(jop: number, off: number): void {
    if (jop !== JNOP) this.e('nop');
    if (this.conv[this.bpfIndex]) {
      this.e('j', this.getTarget(this.bpfIndex + off + 1));
      this.e('nop');
    }
  }

  // ---- prologue, epilogue, calls ----

  buildPrologue(): void {
    const r1 = this.homes[1]!;
    const fp = this.homes[bpf.REG_FP]!;
    this.e('ori', T9, ZERO, bpf.MAX_TAIL_CALL_CNT);
    this.e('sw', T9, 0, SP);
    if (this.be) this.e('move', r1.lo, A0);
    this.e('move', r1.hi, ZERO);
    const fpAccessed = (this.accessed & bit(bpf.REG_FP)) !== 0;
    if (fpAccessed) this.clobber([fp.lo, fp.hi]);
    const saved = align8(popcount(this.clobbered & CALLEE) * 4);
    const locals = align8(this.prog.stackDepth);
    const stack = align8(saved + locals + this.stackUsed);
    this.e('addiu', SP, SP, -stack);
    this.pushRegs((this.clobbered & CALLEE) >>> 0, 0, stack - saved);
    if (fpAccessed) this.e('addiu', fp.lo, SP, stack - saved);
    this.savedSize = saved;
    this.stackSize = stack;
  }

  buildEpilogue(dest: number): void {
    this.popRegs((this.clobbered & CALLEE) >>> 0, 0, this.stackSize - this.savedSize);
    if (this.be) this.e('move', V0, V1);
    this.e('jr', dest);
    this.e('addiu', SP, SP, this.stackSize);
  }

  private emitCall(insn: Insn): void {
    if (insn.src === bpf.PSEUDO_CALL) this.fail('bpf2bpf calls are not in mainline\'s MIPS32 JIT');
    if (insn.src === bpf.PSEUDO_KFUNC_CALL) this.fail('kfunc calls are not in mainline\'s MIPS32 JIT');
    this.pushRegs(STACK_ARGS, 0, RESERVED);
    this.movI(T9, (this.opts.binding.callBase + insn.imm) >>> 0);
    this.e('jalr', RA, T9);
    this.e('nop');
    this.clobber([RA, V0, V1]);
  }

  private emitTailCall(): void {
    const { offsets } = this.opts.binding;
    const ary = this.homes[2]!.lo;
    const ind = this.homes[3]!.lo;
    this.e('lw', T8, offsets.arrayMaxEntries, ary);
    this.e('sltu', T8, ind, T8);
    this.e('beqz', T8, this.getOffset(1));
    this.e('lw', T9, this.stackSize, SP);
    this.e('blez', T9, this.getOffset(1));
    this.e('addiu', T9, T9, -1);
    this.e('sw', T9, this.stackSize, SP);
    this.e('sll', T8, ind, 2);
    this.e('addu', T8, T8, ary);
    this.e('lw', T9, offsets.arrayPtrs, T8);
    this.e('beqz', T9, this.getOffset(1));
    this.e('nop');
    this.e('lw', T8, offsets.progBpfFunc, T9);
    this.e('addiu', T8, T8, this.be ? 12 : 8);
    this.buildEpilogue(T8);
  }

  // ---- the body ----

  buildBody(): void {
    this.stackUsed = 0;
    const { n, insns } = this;
    for (let i = 0; i < n; i++) {
      const insn = insns[i]!;
      this.accessed |= bit(insn.src) | bit(insn.dst);
      this.bpfIndex = i;
      if (!this.emitting) {
        if (this.desc[i] !== this.jitIndex) this.changes++;
        this.desc[i] = this.jitIndex;
      }
      const cached = this.size[i]!;
      let ret: number;
      if (!this.emitting && cached >= 0) {
        this.jitIndex += cached;
        ret = bpf.isLdImm64(insn) ? 1 : 0;
      } else {
        const start = this.jitIndex;
        this.dynamic = false;
        const isStatic = this.buildInsn(insn, insns[i + 1]);
        ret = bpf.isLdImm64(insn) ? 1 : 0;
        if (isStatic && !this.dynamic && !this.emitting) this.size[i] = this.jitIndex - start;
      }
      if (ret > 0) {
        i++;
        if (!this.emitting) this.desc[i] = this.jitIndex;
      }
    }
    this.desc[n] = this.jitIndex;
  }

  /** build_insn; true when the words depend on the instruction alone. */
  private buildInsn(insn: Insn, next: Insn | undefined): boolean {
    const code = insn.code;
    const cls = code & 0x07;
    const opc = code & 0xf0;
    const dst = this.homes[insn.dst];
    const src = this.homes[insn.src <= 10 ? insn.src : 0];
    if (!dst || !src) this.fail(`register r${insn.dst}/r${insn.src} does not exist`);
    const pairs = { dst: dst!, src: src! };
    const v = (x: number): PlanArg => ({ k: 'val', v: { k: 'lit', v: x | 0 } });
    const P = (p: string): PlanArg => ({ k: 'pair', pair: p });
    const R = (reg: number): PlanArg => ({ k: 'reg', reg: { k: 'fixed', reg, name: '' } });
    const isX = (code & 0x08) !== 0;

    if (cls === bpf.ALU || cls === bpf.ALU64) {
      if (opc === bpf.END) {
        if (cls === bpf.ALU64) this.fail('ISA v4 unconditional byte swap (BSWAP) is not in mainline\'s JIT');
        const swap = this.be ? !isX : isX;
        this.plan('end', [P('dst'), v(insn.imm), v(swap ? 1 : 0)], pairs);
        return true;
      }
      const name = `${cls === bpf.ALU ? 'alu32' : 'alu64'}_${isX ? 'x' : 'k'}`;
      if (!isX && opc !== bpf.NEG && ![bpf.ADD, bpf.SUB, bpf.MUL, bpf.DIV, bpf.OR, bpf.AND, bpf.LSH, bpf.RSH, bpf.MOD, bpf.XOR, bpf.MOV, bpf.ARSH].includes(opc)) {
        this.fail(`unknown opcode ${code.toString(16)}`);
      }
      if (opc === bpf.NEG && isX) this.fail(`unknown opcode ${code.toString(16)}`);
      const args = isX
        ? [P('dst'), P('src'), v(opc), v(insn.off), ...(cls === bpf.ALU ? [v(insn.imm)] : [])]
        : [P('dst'), v(insn.imm), v(opc), v(insn.off)];
      this.plan(name, args, pairs);
      return true;
    }
    if (code === (bpf.LD | bpf.IMM | bpf.DW)) {
      this.plan('ld_imm64', [P('dst'), v(insn.imm), v(next?.imm ?? 0)], pairs);
      return true;
    }
    if (cls === bpf.LDX && (code & 0xe0) === bpf.MEM) {
      this.plan('ldx', [P('dst'), R(src!.lo), v(insn.off), v(code & 0x18)], pairs);
      return true;
    }
    if (cls === bpf.ST && (code & 0xe0) === bpf.MEM) {
      this.plan('st', [P('dst'), v(insn.imm), v(insn.off), v(code & 0x18)], pairs);
      return true;
    }
    if (code === (bpf.ST | 0xc0)) return true; // BPF_NOSPEC: no speculation barrier on MIPS32
    if (cls === bpf.LDX && (code & 0xe0) === bpf.MEMSX) this.fail('ISA v4 sign-extending loads (LDX MEMSX) are not in mainline\'s JIT');
    if (cls === bpf.STX && (code & 0xe0) === bpf.MEM) {
      this.plan('stx', [R(dst!.lo), P('src'), v(insn.off), v(code & 0x18)], pairs);
      return true;
    }
    if (code === (bpf.STX | bpf.ATOMIC | bpf.W) || code === (bpf.STX | bpf.ATOMIC | bpf.DW)) {
      const name = (code & 0x18) === bpf.W ? 'atomic32' : 'atomic64';
      this.plan(name, [P('dst'), P('src'), v(insn.off), v(insn.imm)], pairs);
      return true;
    }
    if (cls === bpf.JMP || cls === bpf.JMP32) {
      if (opc === bpf.JA) {
        if (cls === bpf.JMP32) this.fail('ISA v4 32-bit-offset jump (JMP32 JA) is not in mainline\'s JIT');
        if (insn.off === 0) return true;
        this.e('j', this.getTarget(this.bpfIndex + insn.off + 1));
        this.e('nop');
        return false;
      }
      if (code === (bpf.JMP | bpf.EXIT)) {
        if (this.bpfIndex === this.n - 1) return true;
        this.e('j', this.getTarget(this.n));
        this.e('nop');
        return false;
      }
      if (code === (bpf.JMP | bpf.CALL)) {
        this.emitCall(insn);
        return false;
      }
      if (code === (bpf.JMP | bpf.TAIL_CALL)) {
        this.emitTailCall();
        return false;
      }
      if (![bpf.JEQ, bpf.JGT, bpf.JGE, bpf.JSET, bpf.JNE, bpf.JSGT, bpf.JSGE, bpf.JLT, bpf.JLE, bpf.JSLT, bpf.JSLE].includes(opc)) {
        this.fail(`unknown opcode ${code.toString(16)}`);
      }
      if (insn.off === 0) return true;
      const [jop, rel] = isX
        ? this.setupJmpR(insn.dst === insn.src, opc, insn.off)
        : this.setupJmpI(insn.imm, cls === bpf.JMP32 ? 32 : 64, opc, insn.off);
      const name = `${cls === bpf.JMP32 ? 'jmp32' : 'jmp64'}_${isX ? 'x' : 'k'}`;
      const i = this.bpfIndex;
      if (!this.emitting && this.jumpJop[i] === jop) this.jitIndex += this.jumpSize[i]!;
      else {
        const start = this.jitIndex;
        this.plan(name, [P('dst'), isX ? P('src') : v(insn.imm), v(rel), v(jop)], pairs);
        this.jumpJop[i] = jop;
        this.jumpSize[i] = this.jitIndex - start;
      }
      this.finishJmp(jop, insn.off);
      return false;
    }
    return this.fail(`unknown opcode ${code.toString(16).padStart(2, '0')}`);
  }

  // ---- bpf_int_jit_compile ----

  compile(): JitImage {
    this.buildBody();
    this.passes = 1;
    this.jitIndex = 0;
    this.buildPrologue();
    const bodyStart = this.jitIndex;
    let tries = MAX_ITERATIONS;
    do {
      this.jitIndex = bodyStart;
      this.changes = 0;
      if (tries === 2) this.conv.fill(1);
      this.buildBody();
      this.passes++;
    } while (this.changes > 0 && --tries > 0);
    if (this.changes > 0) this.fail('JIT offsets failed to converge');
    this.buildEpilogue(RA);

    this.emitting = true;
    this.jitIndex = 0;
    this.out = [];
    this.buildPrologue();
    this.buildBody();
    this.buildEpilogue(RA);
    this.passes++;

    const { isa } = this.opts.config;
    const words = new Uint32Array(this.out.length);
    for (let k = 0; k < this.out.length; k++) words[k] = encode(this.out[k]!, isa);
    return {
      words,
      bpfStart: Array.from(this.desc),
      tailCallSkip: this.be ? 12 : 8,
      stackSize: this.stackSize,
      passes: this.passes,
    };
  }
}

/** Compile `prog` as mainline's MIPS32 JIT does, with the johan preset's plans. */
export function mainlineJit(prog: Program, opts: JitOptions): JitImage {
  return new MainlineJit(prog, opts).compile();
}
