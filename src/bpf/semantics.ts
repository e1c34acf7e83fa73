// THE semantics of BPF (RFC 9669, ISA v4 included), written once against `BitVec`.
//
// `compile` decodes one instruction and returns a closure that applies it to a state
// and says what happens to control flow; `step` is compile-and-apply. The concrete
// interpreter caches the closures per instruction (decode once, run many times); the
// proofs run the very same closures on Z3 terms, with `taken` of a branch as a term.
// Registers are 64-bit values; memory goes through `Memory<V>` in the target's byte
// order, addresses being 64-bit register values (a 32-bit target faults on a high word).
import type { AccessSize, BitVec, ByteOrder, Memory } from '../bv/types.ts';
import { insnHex } from './codec.ts';
import * as op from './opcodes.ts';

/** Kernel-internal opcode the verifier turns `call bpf_tail_call` into (test_bpf uses it). */
export const TAIL_CALL = 0xf0;

/** An instruction whose arithmetic operands may be terms (for proofs over all `imm`/`off`). */
export interface SemInsn<V> extends op.Insn {
  /** `imm` as a 32-bit value; overrides `imm` where it is an operand (not a selector). */
  immV?: V;
  /** `off` as a 16-bit value; overrides `off` in address computations. */
  offV?: V;
}

export interface BpfState<V> {
  /** R0-R10 (and AX at 11), each a 64-bit value. */
  regs: V[];
  mem: Memory<V>;
}

export interface SemEnv<V> {
  /** The target's byte order: memory accesses and what BPF_END's TO_LE/TO_BE mean. */
  order: ByteOrder;
  /** Value of an `LD_IMM64` with a pseudo `src_reg` (map fd, map value, ...); none: unsupported. */
  ldImm64Pseudo?: (insn: op.Insn, next: op.Insn) => V;
}

export type Effect<B> =
  /** Fall through; `size` is 2 after LD_IMM64. */
  | { kind: 'next'; size: 1 | 2 }
  | { kind: 'branch'; taken: B; target: number }
  | { kind: 'call'; callee: 'helper' | 'kfunc'; id: number }
  | { kind: 'call'; callee: 'local'; target: number }
  /** bpf_tail_call(ctx = R1, prog array = R2, index = R3). */
  | { kind: 'tailcall' }
  | { kind: 'exit' };

export type Exec<V, B> = (st: BpfState<V>) => Effect<B>;

/** An instruction the semantics does not define (reserved encoding or field). */
export class ReservedInsn extends Error {
  constructor(readonly pc: number, readonly insn: op.Insn, what: string) {
    super(`insn ${pc} (${insnHex(insn)}): ${what}`);
    this.name = 'ReservedInsn';
  }
}

const NEXT: Effect<never> = Object.freeze({ kind: 'next', size: 1 });
const NEXT2: Effect<never> = Object.freeze({ kind: 'next', size: 2 });
const EXIT: Effect<never> = Object.freeze({ kind: 'exit' });
const TAILCALL: Effect<never> = Object.freeze({ kind: 'tailcall' });

/** Apply one instruction to `st`. `next` is the second half of an LD_IMM64. */
export function step<V, B>(
  bv: BitVec<V, B>,
  st: BpfState<V>,
  insn: SemInsn<V>,
  pc: number,
  next: SemInsn<V> | undefined,
  env: SemEnv<V>,
): Effect<B> {
  return compile(bv, insn, pc, next, env)(st);
}

/** Decode `insn` (at index `pc`) once into a closure over the state. */
export function compile<V, B>(
  bv: BitVec<V, B>,
  insn: SemInsn<V>,
  pc: number,
  next: SemInsn<V> | undefined,
  env: SemEnv<V>,
): Exec<V, B> {
  const site = new Site(pc, insn);
  if (insn.dst > op.REG_AX || insn.src > op.REG_AX) site.fail('bad register');
  switch (op.cls(insn.code)) {
    case op.ALU:
    case op.ALU64:
      return compileAlu(bv, insn, env, site);
    case op.JMP:
    case op.JMP32:
      return compileJmp(bv, insn, pc, site);
    case op.LDX:
    case op.ST:
    case op.STX:
      return compileMem(bv, insn, env, site);
    case op.LD:
      return compileLd(bv, insn, next, env, site);
  }
  return site.fail('unknown instruction class');
}

/**
 * Where an instruction is, to name it in a ReservedInsn. (A class rather than a closure:
 * compile runs once per executed instruction, and named closures cost under tsx.)
 */
class Site {
  constructor(
    readonly pc: number,
    readonly insn: op.Insn,
  ) {}
  fail(what: string): never {
    throw new ReservedInsn(this.pc, this.insn, what);
  }
}

// ---- operands ---------------------------------------------------------------

function imm32<V, B>(bv: BitVec<V, B>, insn: SemInsn<V>): V {
  return insn.immV ?? bv.lit(32, insn.imm);
}

function off64<V, B>(bv: BitVec<V, B>, insn: SemInsn<V>): V {
  return insn.offV ? bv.sext(16, 64, insn.offV) : bv.lit(64, insn.off);
}

/** The low `w` bits of a 64-bit value. */
function low<V, B>(bv: BitVec<V, B>, w: number, v: V): V {
  return w === 64 ? v : bv.extract(w - 1, 0, v);
}

// ---- ALU --------------------------------------------------------------------

/** `a OP b` at width `w` (32 or 64), BPF's rules for shifts and division included. */
function aluValue<V, B>(
  bv: BitVec<V, B>,
  code: number,
  off: number,
  w: number,
  site: Site,
): (a: V, b: V) => V {
  const zero = bv.lit(w, 0);
  const shiftMask = bv.lit(w, w - 1);
  const signed = off === 1;
  switch (op.op(code)) {
    case op.ADD:
      return (a, b) => bv.add(w, a, b);
    case op.SUB:
      return (a, b) => bv.sub(w, a, b);
    case op.MUL:
      return (a, b) => bv.mul(w, a, b);
    case op.OR:
      return (a, b) => bv.or(w, a, b);
    case op.AND:
      return (a, b) => bv.and(w, a, b);
    case op.XOR:
      return (a, b) => bv.xor(w, a, b);
    // shift amounts are masked to the operand width (RFC 9669 4.1, kernel interpreter)
    case op.LSH:
      return (a, b) => bv.shl(w, a, bv.and(w, b, shiftMask));
    case op.RSH:
      return (a, b) => bv.lshr(w, a, bv.and(w, b, shiftMask));
    case op.ARSH:
      return (a, b) => bv.ashr(w, a, bv.and(w, b, shiftMask));
    // BPF: x / 0 = 0 and x % 0 = x, where SMT-LIB's udiv gives all ones; signed forms
    // (off == 1) truncate toward zero, INT_MIN / -1 = INT_MIN and INT_MIN % -1 = 0 as
    // bvsdiv/bvsrem give (the verifier's rewrite for -1 yields the same)
    case op.DIV:
      if (off !== 0 && off !== 1) site.fail(`DIV with off ${off}`);
      return (a, b) => bv.ite(bv.eq(w, b, zero), zero, signed ? bv.sdiv(w, a, b) : bv.udiv(w, a, b));
    case op.MOD:
      if (off !== 0 && off !== 1) site.fail(`MOD with off ${off}`);
      return (a, b) => bv.ite(bv.eq(w, b, zero), a, signed ? bv.srem(w, a, b) : bv.urem(w, a, b));
    case op.MOV:
      return (_a, b) => b;
    case op.NEG:
      return (a) => bv.neg(w, a);
  }
  return site.fail('unknown ALU operation');
}

function compileAlu<V, B>(bv: BitVec<V, B>, insn: SemInsn<V>, env: SemEnv<V>, site: Site): Exec<V, B> {
  const code = insn.code;
  const is64 = op.cls(code) === op.ALU64;
  const w = is64 ? 64 : 32;
  const { dst, src } = insn;
  const useReg = op.src(code) === op.X;

  if (op.op(code) === op.END) return compileEnd(bv, insn, is64, env, site);

  // MOVSX: MOV X with off 8/16 (and 32 for ALU64) sign-extends the source's low bits
  if (op.op(code) === op.MOV && useReg && insn.off !== 0) {
    const from = insn.off;
    if (!(from === 8 || from === 16 || (from === 32 && is64))) site.fail(`MOVSX with off ${from}`);
    return (st) => {
      const v = bv.sext(from, w, bv.extract(from - 1, 0, st.regs[src]!));
      st.regs[dst] = is64 ? v : bv.zext(32, 64, v);
      return NEXT;
    };
  }
  if (op.op(code) === op.NEG && useReg) site.fail('NEG with source X');

  const f = aluValue(bv, code, insn.off, w, site);
  if (is64) {
    if (useReg) {
      return (st) => {
        st.regs[dst] = f(st.regs[dst]!, st.regs[src]!);
        return NEXT;
      };
    }
    const k = bv.sext(32, 64, imm32(bv, insn));
    return (st) => {
      st.regs[dst] = f(st.regs[dst]!, k);
      return NEXT;
    };
  }
  // 32-bit: operate on the low words, zero-extend the result into the register
  if (useReg) {
    return (st) => {
      st.regs[dst] = bv.zext(32, 64, f(bv.extract(31, 0, st.regs[dst]!), bv.extract(31, 0, st.regs[src]!)));
      return NEXT;
    };
  }
  const k = imm32(bv, insn);
  return (st) => {
    st.regs[dst] = bv.zext(32, 64, f(bv.extract(31, 0, st.regs[dst]!), k));
    return NEXT;
  };
}

/** Reverse the bytes of the low `w` bits of `v` (a value of width `w`). */
function swapBytes<V, B>(bv: BitVec<V, B>, w: number, v: V): V {
  // lowest byte first becomes the most significant
  let out = bv.extract(7, 0, v);
  for (let i = 1; i < w / 8; i++) out = bv.concat(8 * i, out, 8, bv.extract(8 * i + 7, 8 * i, v));
  return out;
}

function compileEnd<V, B>(
  bv: BitVec<V, B>,
  insn: SemInsn<V>,
  is64: boolean,
  env: SemEnv<V>,
  site: Site,
): Exec<V, B> {
  const w = insn.imm;
  if (w !== 16 && w !== 32 && w !== 64) site.fail(`byte swap of width ${insn.imm}`);
  const { dst } = insn;
  let swap: boolean;
  if (is64) {
    // BSWAP (ALU64 | END | TO_LE): unconditional
    if (op.src(insn.code) !== op.TO_LE) site.fail('ALU64 END with TO_BE');
    swap = true;
  } else {
    // TO_LE / TO_BE: a swap only when the target's byte order differs, else a truncation
    const to = op.src(insn.code) === op.TO_BE ? 'be' : 'le';
    swap = to !== env.order;
  }
  return (st) => {
    const v = low(bv, w, st.regs[dst]!);
    const r = swap ? swapBytes(bv, w, v) : v;
    st.regs[dst] = w === 64 ? r : bv.zext(w, 64, r);
    return NEXT;
  };
}

// ---- jumps and calls --------------------------------------------------------

type Cond<V, B> = (a: V, b: V) => B;

function condition<V, B>(bv: BitVec<V, B>, code: number, w: number, site: Site): Cond<V, B> {
  const zero = bv.lit(w, 0);
  switch (op.op(code)) {
    case op.JEQ:
      return (a, b) => bv.eq(w, a, b);
    case op.JNE:
      return (a, b) => bv.bnot(bv.eq(w, a, b));
    case op.JGT:
      return (a, b) => bv.ult(w, b, a);
    case op.JGE:
      return (a, b) => bv.ule(w, b, a);
    case op.JLT:
      return (a, b) => bv.ult(w, a, b);
    case op.JLE:
      return (a, b) => bv.ule(w, a, b);
    case op.JSET:
      return (a, b) => bv.bnot(bv.eq(w, bv.and(w, a, b), zero));
    case op.JSGT:
      return (a, b) => bv.slt(w, b, a);
    case op.JSGE:
      return (a, b) => bv.sle(w, b, a);
    case op.JSLT:
      return (a, b) => bv.slt(w, a, b);
    case op.JSLE:
      return (a, b) => bv.sle(w, a, b);
  }
  return site.fail('unknown jump condition');
}

function compileJmp<V, B>(bv: BitVec<V, B>, insn: SemInsn<V>, pc: number, site: Site): Exec<V, B> {
  const code = insn.code;
  const is32 = op.cls(code) === op.JMP32;
  const target = pc + 1 + insn.off;
  switch (op.op(code)) {
    case op.JA: {
      // JMP32 | JA (ISA v4 "gotol") takes its 32-bit offset from imm
      const always: Effect<B> = { kind: 'branch', taken: bv.T, target: is32 ? pc + 1 + insn.imm : target };
      return () => always;
    }
    case op.EXIT:
      if (is32) site.fail('EXIT in class JMP32');
      return () => EXIT;
    case TAIL_CALL:
      if (is32) site.fail('tail call in class JMP32');
      return () => TAILCALL;
    case op.CALL: {
      if (is32) site.fail('CALL in class JMP32');
      if (insn.src === op.PSEUDO_CALL) {
        const call: Effect<B> = { kind: 'call', callee: 'local', target: pc + 1 + insn.imm };
        return () => call;
      }
      if (insn.src === op.PSEUDO_KFUNC_CALL) {
        const call: Effect<B> = { kind: 'call', callee: 'kfunc', id: insn.imm };
        return () => call;
      }
      if (insn.src !== 0) site.fail(`CALL with src_reg ${insn.src}`);
      if (insn.imm === op.FUNC_TAIL_CALL) return () => TAILCALL;
      const call: Effect<B> = { kind: 'call', callee: 'helper', id: insn.imm };
      return () => call;
    }
  }
  const w = is32 ? 32 : 64;
  const cond = condition(bv, code, w, site);
  const { dst, src } = insn;
  const branch = branchEffects(bv, target);
  if (op.src(code) === op.X) {
    if (is32) return (st) => branch(cond(bv.extract(31, 0, st.regs[dst]!), bv.extract(31, 0, st.regs[src]!)));
    return (st) => branch(cond(st.regs[dst]!, st.regs[src]!));
  }
  // K: imm is sign-extended to 64 bits for JMP, taken as is for JMP32
  if (is32) {
    const k = imm32(bv, insn);
    return (st) => branch(cond(bv.extract(31, 0, st.regs[dst]!), k));
  }
  const k = bv.sext(32, 64, imm32(bv, insn));
  return (st) => branch(cond(st.regs[dst]!, k));
}

/** A branch effect for `taken`; concrete outcomes share two preallocated objects. */
function branchEffects<V, B>(bv: BitVec<V, B>, target: number): (taken: B) => Effect<B> {
  if (bv.symbolic) return (taken) => ({ kind: 'branch', taken, target });
  const yes: Effect<B> = { kind: 'branch', taken: bv.T, target };
  const no: Effect<B> = { kind: 'branch', taken: bv.F, target };
  return (taken) => (taken === bv.T ? yes : no);
}

// ---- memory -----------------------------------------------------------------

function compileMem<V, B>(bv: BitVec<V, B>, insn: SemInsn<V>, env: SemEnv<V>, site: Site): Exec<V, B> {
  const code = insn.code;
  const size = op.sizeBytes(code) as AccessSize;
  const bits = size * 8;
  const mode = op.mode(code);
  const order = env.order;
  const { dst, src } = insn;
  const off = off64(bv, insn);
  const cls = op.cls(code);

  if (cls === op.LDX) {
    if (mode !== op.MEM && mode !== op.MEMSX) site.fail('LDX with an unknown mode');
    if (mode === op.MEMSX && size === 8) site.fail('sign-extending load of 8 bytes');
    if (mode === op.MEMSX) {
      return (st) => {
        st.regs[dst] = bv.sext(bits, 64, st.mem.load(64, bv.add(64, st.regs[src]!, off), size, order));
        return NEXT;
      };
    }
    return (st) => {
      const v = st.mem.load(64, bv.add(64, st.regs[src]!, off), size, order);
      st.regs[dst] = bits === 64 ? v : bv.zext(bits, 64, v);
      return NEXT;
    };
  }
  if (cls === op.ST) {
    if (mode !== op.MEM) site.fail('ST with a mode other than MEM');
    const value = low(bv, bits, bv.sext(32, 64, imm32(bv, insn)));
    return (st) => {
      st.mem.store(64, bv.add(64, st.regs[dst]!, off), size, order, value);
      return NEXT;
    };
  }
  if (mode === op.MEM) {
    return (st) => {
      st.mem.store(64, bv.add(64, st.regs[dst]!, off), size, order, low(bv, bits, st.regs[src]!));
      return NEXT;
    };
  }
  if (mode !== op.ATOMIC) site.fail('STX with an unknown mode');
  if (size !== 4 && size !== 8) site.fail('atomic operation of 1 or 2 bytes');
  return compileAtomic(bv, insn, size, off, order, site);
}

/** BPF_ATOMIC: one read-modify-write of 32 or 64 bits at dst + off. */
function compileAtomic<V, B>(
  bv: BitVec<V, B>,
  insn: SemInsn<V>,
  size: 4 | 8,
  off: V,
  order: ByteOrder,
  site: Site,
): Exec<V, B> {
  const w = size * 8;
  const { dst, src } = insn;
  const atomicOp = insn.imm;
  if (atomicOp === op.CMPXCHG) {
    // R0 = old; memory = (old == lo(R0)) ? src : old
    return (st) => {
      const addr = bv.add(64, st.regs[dst]!, off);
      const old = st.mem.load(64, addr, size, order);
      const same = bv.eq(w, old, low(bv, w, st.regs[0]!));
      st.mem.store(64, addr, size, order, bv.ite(same, low(bv, w, st.regs[src]!), old));
      st.regs[0] = w === 64 ? old : bv.zext(32, 64, old);
      return NEXT;
    };
  }
  if (atomicOp === op.XCHG) {
    return (st) => {
      const addr = bv.add(64, st.regs[dst]!, off);
      const old = st.mem.load(64, addr, size, order);
      st.mem.store(64, addr, size, order, low(bv, w, st.regs[src]!));
      st.regs[src] = w === 64 ? old : bv.zext(32, 64, old);
      return NEXT;
    };
  }
  const fetch = (atomicOp & op.FETCH) !== 0;
  const f = atomicValue(bv, atomicOp & ~op.FETCH, w) ?? site.fail(`unknown atomic operation 0x${(atomicOp >>> 0).toString(16)}`);
  return (st) => {
    const addr = bv.add(64, st.regs[dst]!, off);
    const old = st.mem.load(64, addr, size, order);
    st.mem.store(64, addr, size, order, f(old, low(bv, w, st.regs[src]!)));
    if (fetch) st.regs[src] = w === 64 ? old : bv.zext(32, 64, old);
    return NEXT;
  };
}

/** The arithmetic of an atomic read-modify-write, or undefined for an unknown one. */
function atomicValue<V, B>(bv: BitVec<V, B>, aluOp: number, w: number): ((a: V, b: V) => V) | undefined {
  switch (aluOp) {
    case op.ADD:
      return (a, b) => bv.add(w, a, b);
    case op.AND:
      return (a, b) => bv.and(w, a, b);
    case op.OR:
      return (a, b) => bv.or(w, a, b);
    case op.XOR:
      return (a, b) => bv.xor(w, a, b);
  }
  return undefined;
}

function compileLd<V, B>(
  bv: BitVec<V, B>,
  insn: SemInsn<V>,
  next: SemInsn<V> | undefined,
  env: SemEnv<V>,
  site: Site,
): Exec<V, B> {
  if (insn.code !== (op.LD | op.IMM | op.DW)) {
    const mode = op.mode(insn.code);
    if (mode === op.ABS || mode === op.IND) site.fail('legacy packet access (LD ABS/IND) is not supported');
    site.fail('unknown LD instruction');
  }
  if (!next) return site.fail('LD_IMM64 without its second half');
  const { dst } = insn;
  let value: V;
  if (insn.src === 0) {
    value = bv.concat(32, next.immV ?? bv.lit(32, next.imm), 32, imm32(bv, insn));
  } else if (env.ldImm64Pseudo) {
    value = env.ldImm64Pseudo(insn, next);
  } else {
    return site.fail(`LD_IMM64 with pseudo src_reg ${insn.src} has no value here`);
  }
  return (st) => {
    st.regs[dst] = value;
    return NEXT2;
  };
}
