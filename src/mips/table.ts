// The MIPS32 instruction table: one entry per instruction, holding everything jitgen
// knows about it — operands in uasm order, field layout of its R2 and/or R6 encoding,
// the uasm builder's name, its control-flow class and its semantics over `BitVec`.
// The encoder, decoder, disassembler, simulator, symbolic runner, random case
// generators and the uasm availability report all read this table and nothing else.
//
// Field layout and opcode values: MIPS32 Architecture for Programmers Vol. II, Release
// 2 (MD00086) and Release 6 (MD00087). Operand order: the kernel's `uasm_i_<name>(buf,
// a, b, c)` (arch/mips/include/asm/uasm.h), which is also GNU as order for all of these.
//
// Conventions of operand values (MipsInsn.args):
//  - registers are numbers 0..31;
//  - signed immediates are signed numbers; unsigned ones (andi/ori/xori, shift amounts,
//    ext/ins pos and size, break code, sync stype) are non-negative;
//  - `lui` takes -0x8000..0xffff (uasm passes an s16; objdump prints 0..0xffff) and
//    decodes to 0..0xffff;
//  - branch offsets are in BYTES relative to the instruction after the branch (uasm's
//    convention: target = pc + 4 + off), for delay-slot and compact branches alike;
//  - `j`/`jal` take the target's low 28 bits (uasm's convention: the 256 MB region
//    comes from the delay slot's address).
import type { MipsState } from './state.ts';
import type { Isa } from './state.ts';

/** Semantics of one instruction, generic over the bit-vector backend. */
export type Sem = <V, B>(m: MipsState<V, B>, a: readonly number[]) => void;

export type OperandKind =
  | 'gpr' // register number
  | 'simm' // signed immediate, printed in decimal
  | 'uimm' // unsigned immediate, printed in hex
  | 'hi16' // lui's immediate: -0x8000..0xffff, decoded unsigned
  | 'broff' // branch offset in bytes from pc + 4, field holds off / 4
  | 'jtarget' // j/jal: target's low 28 bits, field holds target / 4
  | 'extsize' // ext size 1..32, field holds size - 1
  | 'inssize' // ins size 1..32, field holds pos + size - 1 (pos = the previous operand)
  | 'code' // break code (20 bits), printed as objdump does
  | 'stype'; // sync type (5 bits), printed as objdump does

export interface Operand {
  readonly name: string;
  readonly kind: OperandKind;
}

export type Slot = 'op' | 'rs' | 'rt' | 'rd' | 'sa' | 'func' | 'imm16' | 'off21' | 'off26' | 'off9' | 'b6' | 'code20';

/** Bit position and width of each field an encoding can use. */
export const SLOTS: Readonly<Record<Slot, readonly [lsb: number, width: number]>> = {
  op: [26, 6],
  rs: [21, 5],
  rt: [16, 5],
  rd: [11, 5],
  sa: [6, 5],
  func: [0, 6],
  imm16: [0, 16],
  off21: [0, 21],
  off26: [0, 26],
  off9: [7, 9],
  b6: [6, 1],
  code20: [6, 20],
};

/** An encoding as written in the table: each slot holds a fixed value or an operand name. */
export type EncSpec = Partial<Record<Slot, number | string>>;

/**
 * How control leaves an instruction: `none` falls through; `delay` is a branch or jump
 * with a delay slot; `compact` is an R6 compact jump/branch without delay or forbidden
 * slot; `compact-fs` is a conditional compact branch, followed by a forbidden slot (the
 * next instruction runs when it is not taken, and must not be a control transfer).
 */
export type Flow = 'none' | 'delay' | 'compact' | 'compact-fs';

export interface InsnDef {
  /** Unique key: MipsInsn.op and the builder's name (uasm's name when uasm has it). */
  readonly op: string;
  /** The mnemonic GNU objdump prints (before its aliases). */
  readonly mnemonic: string;
  readonly operands: readonly Operand[];
  readonly enc: { readonly r2?: EncSpec; readonly r6?: EncSpec };
  /** The name of its builder in the kernel's uasm scheme (`uasm_i_<name>`); defaults to
   *  `op`. Whether a given tree has it is uasmAvailability()'s question. */
  readonly uasm?: string;
  readonly flow: Flow;
  /** Operands are (rt, offset, base), printed `rt,offset(base)`. */
  readonly mem?: boolean;
  /** Operand constraints beyond field ranges; returns what is wrong. */
  readonly check?: (a: readonly number[]) => string | undefined;
  /** Operands in the order the encoding requires (beqc/bnec are symmetric). */
  readonly canonical?: (a: readonly number[]) => number[];
  /** objdump's text when it prints an alias (e.g. `move`), given printed operands. */
  readonly alias?: (a: readonly number[], printed: readonly string[]) => string | undefined;
  /** objdump's operand text when it differs from the operands joined by commas. */
  readonly syntax?: (printed: readonly string[]) => string;
  readonly sem: Sem;
}

// ---- operand shorthands -----------------------------------------------------------
const G = (name: string): Operand => ({ name, kind: 'gpr' });
const S = (name: string): Operand => ({ name, kind: 'simm' });
const U = (name: string): Operand => ({ name, kind: 'uimm' });
const BR: Operand = { name: 'off', kind: 'broff' };

// ---- encoding shorthands ----------------------------------------------------------
const SPECIAL = 0x00;
const REGIMM = 0x01;
const SPECIAL2 = 0x1c;
const SPECIAL3 = 0x1f;

/** R-type under SPECIAL: fields hold a fixed number or an operand name. */
function special(func: number, rs: number | string, rt: number | string, rd: number | string, sa: number | string): EncSpec {
  return { op: SPECIAL, rs, rt, rd, sa, func };
}
function itype(op: number, rs: number | string, rt: number | string, imm: number | string = 'imm'): EncSpec {
  return { op, rs, rt, imm16: imm };
}

// ---- semantics helpers (each written once, used by several entries) -------------------
/** Three-register ALU op rd = f(rs, rt). */
function alu3(f: <V, B>(m: MipsState<V, B>, x: V, y: V) => V): Sem {
  return (m, [rd, rs, rt]) => m.w(rd!, f(m, m.r(rs!), m.r(rt!)));
}
/** Register-immediate ALU op rt = f(rs, imm). */
function alui(f: <V, B>(m: MipsState<V, B>, x: V, imm: number) => V): Sem {
  return (m, [rt, rs, imm]) => m.w(rt!, f(m, m.r(rs!), imm!));
}
function bool<V, B>(m: MipsState<V, B>, c: B): V {
  return m.bv.ite(c, m.bv.lit(32, 1), m.bv.lit(32, 0));
}
function effAddr<V, B>(m: MipsState<V, B>, off: number, base: number): V {
  return m.bv.add(32, m.r(base), m.bv.lit(32, off));
}
function loadSem(size: 1 | 2 | 4, signed: boolean): Sem {
  return (m, [rt, off, base]) => m.w(rt!, m.load(effAddr(m, off!, base!), size, signed));
}
function storeSem(size: 1 | 2 | 4): Sem {
  return (m, [rt, off, base]) => m.store(effAddr(m, off!, base!), size, m.r(rt!));
}
/** Branch target of a pc-relative branch (delay-slot or compact). */
function rel(pc: number, off: number): number {
  return (pc + 4 + off) >>> 0;
}
/** Branch comparing one register with zero. */
function branchZ(cmp: <V, B>(m: MipsState<V, B>, x: V, zero: V) => B): Sem {
  return (m, [rs, off]) => m.branch(cmp(m, m.r(rs!), m.bv.lit(32, 0)), rel(m.pc, off!));
}
function compact2(cmp: <V, B>(m: MipsState<V, B>, x: V, y: V) => B): Sem {
  return (m, [rs, rt, off]) => m.compact(cmp(m, m.r(rs!), m.r(rt!)), m.bv.lit(32, rel(m.pc, off!)));
}
/** 64-bit product of two registers, signed or unsigned. */
function product<V, B>(m: MipsState<V, B>, x: V, y: V, signed: boolean): V {
  const ext = signed ? m.bv.sext.bind(m.bv) : m.bv.zext.bind(m.bv);
  return m.bv.mul(64, ext(32, 64, x), ext(32, 64, y));
}
function shiftImm(f: 'shl' | 'lshr' | 'ashr'): Sem {
  return (m, [rd, rt, sa]) => m.w(rd!, m.bv[f](32, m.r(rt!), m.bv.lit(32, sa!)));
}
/** Variable shifts use the low five bits of rs. */
function shiftVar(f: 'shl' | 'lshr' | 'ashr'): Sem {
  return (m, [rd, rt, rs]) => m.w(rd!, m.bv[f](32, m.r(rt!), m.bv.and(32, m.r(rs!), m.bv.lit(32, 31))));
}
function rotate<V, B>(m: MipsState<V, B>, x: V, s: V): V {
  // a shift by 32 yields 0 in the BitVec semantics, so s = 0 gives x back
  const bv = m.bv;
  return bv.or(32, bv.lshr(32, x, s), bv.shl(32, x, bv.sub(32, bv.lit(32, 32), s)));
}

// ---- operand constraints of R6 compact branches ----------------------------------
const nonZero = (i: number, what: string) => (a: readonly number[]) => (a[i] === 0 ? `${what} must not be $zero` : undefined);
function distinctNonZero(a: readonly number[]): string | undefined {
  if (a[0] === 0 || a[1] === 0) return 'registers must not be $zero';
  if (a[0] === a[1]) return 'registers must differ';
  return undefined;
}
/** beqc/bnec are symmetric; the encoding puts the lower register number in rs. */
const sortPair = (a: readonly number[]): number[] => (a[0]! > a[1]! ? [a[1]!, a[0]!, ...a.slice(2)] : [...a]);

const SYNC_NAMES: Readonly<Record<number, string>> = {
  0: 'sync', 4: 'sync_wmb', 0x10: 'sync_mb', 0x11: 'sync_acquire', 0x12: 'sync_release', 0x13: 'sync_rmb',
};
const REG0 = 'zero';

/** Keeps each entry's op as a literal type, so builders and MipsOp are checked names. */
function def<const O extends string>(d: InsnDef & { op: O }): InsnDef & { op: O } {
  return d;
}

export const TABLE = [
  // ---- ALU --------------------------------------------------------------------------
  def({
    op: 'addu', mnemonic: 'addu', operands: [G('rd'), G('rs'), G('rt')], uasm: 'addu', flow: 'none',
    enc: { r2: special(0x21, 'rs', 'rt', 'rd', 0), r6: special(0x21, 'rs', 'rt', 'rd', 0) },
    alias: (a, p) => (a[2] === 0 ? `move\t${p[0]},${p[1]}` : undefined),
    sem: alu3((m, x, y) => m.bv.add(32, x, y)),
  }),
  def({
    op: 'addiu', mnemonic: 'addiu', operands: [G('rt'), G('rs'), S('imm')], uasm: 'addiu', flow: 'none',
    enc: { r2: itype(0x09, 'rs', 'rt'), r6: itype(0x09, 'rs', 'rt') },
    alias: (a, p) => (a[1] === 0 ? `li\t${p[0]},${p[2]}` : undefined),
    sem: alui((m, x, imm) => m.bv.add(32, x, m.bv.lit(32, imm))),
  }),
  def({
    op: 'subu', mnemonic: 'subu', operands: [G('rd'), G('rs'), G('rt')], uasm: 'subu', flow: 'none',
    enc: { r2: special(0x23, 'rs', 'rt', 'rd', 0), r6: special(0x23, 'rs', 'rt', 'rd', 0) },
    alias: (a, p) => (a[1] === 0 ? `negu\t${p[0]},${p[2]}` : undefined),
    sem: alu3((m, x, y) => m.bv.sub(32, x, y)),
  }),
  def({
    op: 'and', mnemonic: 'and', operands: [G('rd'), G('rs'), G('rt')], uasm: 'and', flow: 'none',
    enc: { r2: special(0x24, 'rs', 'rt', 'rd', 0), r6: special(0x24, 'rs', 'rt', 'rd', 0) },
    sem: alu3((m, x, y) => m.bv.and(32, x, y)),
  }),
  def({
    op: 'andi', mnemonic: 'andi', operands: [G('rt'), G('rs'), U('imm')], uasm: 'andi', flow: 'none',
    enc: { r2: itype(0x0c, 'rs', 'rt'), r6: itype(0x0c, 'rs', 'rt') },
    sem: alui((m, x, imm) => m.bv.and(32, x, m.bv.lit(32, imm))),
  }),
  def({
    op: 'or', mnemonic: 'or', operands: [G('rd'), G('rs'), G('rt')], uasm: 'or', flow: 'none',
    enc: { r2: special(0x25, 'rs', 'rt', 'rd', 0), r6: special(0x25, 'rs', 'rt', 'rd', 0) },
    alias: (a, p) => (a[2] === 0 ? `move\t${p[0]},${p[1]}` : undefined),
    sem: alu3((m, x, y) => m.bv.or(32, x, y)),
  }),
  def({
    op: 'ori', mnemonic: 'ori', operands: [G('rt'), G('rs'), U('imm')], uasm: 'ori', flow: 'none',
    enc: { r2: itype(0x0d, 'rs', 'rt'), r6: itype(0x0d, 'rs', 'rt') },
    alias: (a, p) => (a[1] === 0 ? `li\t${p[0]},${p[2]}` : undefined),
    sem: alui((m, x, imm) => m.bv.or(32, x, m.bv.lit(32, imm))),
  }),
  def({
    op: 'xor', mnemonic: 'xor', operands: [G('rd'), G('rs'), G('rt')], uasm: 'xor', flow: 'none',
    enc: { r2: special(0x26, 'rs', 'rt', 'rd', 0), r6: special(0x26, 'rs', 'rt', 'rd', 0) },
    sem: alu3((m, x, y) => m.bv.xor(32, x, y)),
  }),
  def({
    op: 'xori', mnemonic: 'xori', operands: [G('rt'), G('rs'), U('imm')], uasm: 'xori', flow: 'none',
    enc: { r2: itype(0x0e, 'rs', 'rt'), r6: itype(0x0e, 'rs', 'rt') },
    sem: alui((m, x, imm) => m.bv.xor(32, x, m.bv.lit(32, imm))),
  }),
  def({
    op: 'nor', mnemonic: 'nor', operands: [G('rd'), G('rs'), G('rt')], uasm: 'nor', flow: 'none',
    enc: { r2: special(0x27, 'rs', 'rt', 'rd', 0), r6: special(0x27, 'rs', 'rt', 'rd', 0) },
    sem: alu3((m, x, y) => m.bv.not(32, m.bv.or(32, x, y))),
  }),
  def({
    op: 'lui', mnemonic: 'lui', operands: [G('rt'), { name: 'imm', kind: 'hi16' }], uasm: 'lui', flow: 'none',
    enc: { r2: itype(0x0f, 0, 'rt'), r6: itype(0x0f, 0, 'rt') },
    sem: (m, [rt, imm]) => m.w(rt!, m.bv.lit(32, imm! * 0x10000)),
  }),
  def({
    op: 'slt', mnemonic: 'slt', operands: [G('rd'), G('rs'), G('rt')], uasm: 'slt', flow: 'none',
    enc: { r2: special(0x2a, 'rs', 'rt', 'rd', 0), r6: special(0x2a, 'rs', 'rt', 'rd', 0) },
    sem: alu3((m, x, y) => bool(m, m.bv.slt(32, x, y))),
  }),
  def({
    op: 'sltu', mnemonic: 'sltu', operands: [G('rd'), G('rs'), G('rt')], uasm: 'sltu', flow: 'none',
    enc: { r2: special(0x2b, 'rs', 'rt', 'rd', 0), r6: special(0x2b, 'rs', 'rt', 'rd', 0) },
    sem: alu3((m, x, y) => bool(m, m.bv.ult(32, x, y))),
  }),
  def({
    op: 'slti', mnemonic: 'slti', operands: [G('rt'), G('rs'), S('imm')], uasm: 'slti', flow: 'none',
    enc: { r2: itype(0x0a, 'rs', 'rt'), r6: itype(0x0a, 'rs', 'rt') },
    sem: alui((m, x, imm) => bool(m, m.bv.slt(32, x, m.bv.lit(32, imm)))),
  }),
  def({
    // the immediate is sign-extended, then compared unsigned
    op: 'sltiu', mnemonic: 'sltiu', operands: [G('rt'), G('rs'), S('imm')], uasm: 'sltiu', flow: 'none',
    enc: { r2: itype(0x0b, 'rs', 'rt'), r6: itype(0x0b, 'rs', 'rt') },
    sem: alui((m, x, imm) => bool(m, m.bv.ult(32, x, m.bv.lit(32, imm)))),
  }),

  // ---- shifts and rotates -------------------------------------------------------------
  def({
    op: 'sll', mnemonic: 'sll', operands: [G('rd'), G('rt'), U('sa')], uasm: 'sll', flow: 'none',
    enc: { r2: special(0x00, 0, 'rt', 'rd', 'sa'), r6: special(0x00, 0, 'rt', 'rd', 'sa') },
    alias: (a) => (a[0] === 0 && a[1] === 0 ? ({ 1: 'ssnop', 3: 'ehb' } as Record<number, string>)[a[2]!] : undefined),
    sem: shiftImm('shl'),
  }),
  def({
    op: 'srl', mnemonic: 'srl', operands: [G('rd'), G('rt'), U('sa')], uasm: 'srl', flow: 'none',
    enc: { r2: special(0x02, 0, 'rt', 'rd', 'sa'), r6: special(0x02, 0, 'rt', 'rd', 'sa') },
    sem: shiftImm('lshr'),
  }),
  def({
    op: 'sra', mnemonic: 'sra', operands: [G('rd'), G('rt'), U('sa')], uasm: 'sra', flow: 'none',
    enc: { r2: special(0x03, 0, 'rt', 'rd', 'sa'), r6: special(0x03, 0, 'rt', 'rd', 'sa') },
    sem: shiftImm('ashr'),
  }),
  def({
    op: 'sllv', mnemonic: 'sllv', operands: [G('rd'), G('rt'), G('rs')], uasm: 'sllv', flow: 'none',
    enc: { r2: special(0x04, 'rs', 'rt', 'rd', 0), r6: special(0x04, 'rs', 'rt', 'rd', 0) },
    sem: shiftVar('shl'),
  }),
  def({
    op: 'srlv', mnemonic: 'srlv', operands: [G('rd'), G('rt'), G('rs')], uasm: 'srlv', flow: 'none',
    enc: { r2: special(0x06, 'rs', 'rt', 'rd', 0), r6: special(0x06, 'rs', 'rt', 'rd', 0) },
    sem: shiftVar('lshr'),
  }),
  def({
    op: 'srav', mnemonic: 'srav', operands: [G('rd'), G('rt'), G('rs')], uasm: 'srav', flow: 'none',
    enc: { r2: special(0x07, 'rs', 'rt', 'rd', 0), r6: special(0x07, 'rs', 'rt', 'rd', 0) },
    sem: shiftVar('ashr'),
  }),
  def({
    // SRL with rs = 1 (MD00086 ROTR)
    op: 'rotr', mnemonic: 'ror', operands: [G('rd'), G('rt'), U('sa')], uasm: 'rotr', flow: 'none',
    enc: { r2: special(0x02, 1, 'rt', 'rd', 'sa'), r6: special(0x02, 1, 'rt', 'rd', 'sa') },
    sem: (m, [rd, rt, sa]) => m.w(rd!, rotate(m, m.r(rt!), m.bv.lit(32, sa!))),
  }),
  def({
    // SRLV with sa = 1 (MD00086 ROTRV)
    op: 'rotrv', mnemonic: 'rorv', operands: [G('rd'), G('rt'), G('rs')], flow: 'none',
    enc: { r2: special(0x06, 'rs', 'rt', 'rd', 1), r6: special(0x06, 'rs', 'rt', 'rd', 1) },
    sem: (m, [rd, rt, rs]) => m.w(rd!, rotate(m, m.r(rt!), m.bv.and(32, m.r(rs!), m.bv.lit(32, 31)))),
  }),

  // ---- multiply and divide: R2 (HI/LO) -----------------------------------------------
  def({
    op: 'mult', mnemonic: 'mult', operands: [G('rs'), G('rt')], flow: 'none',
    enc: { r2: special(0x18, 'rs', 'rt', 0, 0) },
    sem: (m, [rs, rt]) => {
      const p = product(m, m.r(rs!), m.r(rt!), true);
      m.setHi(m.bv.extract(63, 32, p));
      m.setLo(m.bv.extract(31, 0, p));
    },
  }),
  def({
    op: 'multu', mnemonic: 'multu', operands: [G('rs'), G('rt')], uasm: 'multu', flow: 'none',
    enc: { r2: special(0x19, 'rs', 'rt', 0, 0) },
    sem: (m, [rs, rt]) => {
      const p = product(m, m.r(rs!), m.r(rt!), false);
      m.setHi(m.bv.extract(63, 32, p));
      m.setLo(m.bv.extract(31, 0, p));
    },
  }),
  def({
    // Division by zero leaves HI/LO UNPREDICTABLE on hardware; here they get the
    // BitVec (SMT-LIB) results, which QEMU happens to match (see the cross-check).
    op: 'div', mnemonic: 'div', operands: [G('rs'), G('rt')], flow: 'none',
    enc: { r2: special(0x1a, 'rs', 'rt', 0, 0) },
    syntax: (p) => `${REG0},${p.join(',')}`,
    sem: (m, [rs, rt]) => {
      const x = m.r(rs!);
      const y = m.r(rt!);
      m.setLo(m.bv.sdiv(32, x, y));
      m.setHi(m.bv.srem(32, x, y));
    },
  }),
  def({
    op: 'divu', mnemonic: 'divu', operands: [G('rs'), G('rt')], uasm: 'divu', flow: 'none',
    enc: { r2: special(0x1b, 'rs', 'rt', 0, 0) },
    syntax: (p) => `${REG0},${p.join(',')}`,
    sem: (m, [rs, rt]) => {
      const x = m.r(rs!);
      const y = m.r(rt!);
      m.setLo(m.bv.udiv(32, x, y));
      m.setHi(m.bv.urem(32, x, y));
    },
  }),
  def({
    op: 'mfhi', mnemonic: 'mfhi', operands: [G('rd')], uasm: 'mfhi', flow: 'none',
    enc: { r2: special(0x10, 0, 0, 'rd', 0) },
    sem: (m, [rd]) => m.w(rd!, m.hi()),
  }),
  def({
    op: 'mflo', mnemonic: 'mflo', operands: [G('rd')], uasm: 'mflo', flow: 'none',
    enc: { r2: special(0x12, 0, 0, 'rd', 0) },
    sem: (m, [rd]) => m.w(rd!, m.lo()),
  }),
  def({
    op: 'mthi', mnemonic: 'mthi', operands: [G('rs')], uasm: 'mthi', flow: 'none',
    enc: { r2: special(0x11, 'rs', 0, 0, 0) },
    sem: (m, [rs]) => m.setHi(m.r(rs!)),
  }),
  def({
    op: 'mtlo', mnemonic: 'mtlo', operands: [G('rs')], uasm: 'mtlo', flow: 'none',
    enc: { r2: special(0x13, 'rs', 0, 0, 0) },
    sem: (m, [rs]) => m.setLo(m.r(rs!)),
  }),
  def({
    // R2: SPECIAL2 MUL (HI/LO UNPREDICTABLE afterwards; left unchanged here).
    // R6: SOP30 with sa = 2 (MD00087 MUL).
    op: 'mul', mnemonic: 'mul', operands: [G('rd'), G('rs'), G('rt')], uasm: 'mul', flow: 'none',
    enc: { r2: { op: SPECIAL2, rs: 'rs', rt: 'rt', rd: 'rd', sa: 0, func: 0x02 }, r6: special(0x18, 'rs', 'rt', 'rd', 2) },
    sem: alu3((m, x, y) => m.bv.mul(32, x, y)),
  }),

  // ---- multiply and divide: R6 (three registers) -------------------------------------
  def({
    op: 'muh', mnemonic: 'muh', operands: [G('rd'), G('rs'), G('rt')], flow: 'none',
    enc: { r6: special(0x18, 'rs', 'rt', 'rd', 3) },
    sem: alu3((m, x, y) => m.bv.extract(63, 32, product(m, x, y, true))),
  }),
  def({
    op: 'mulu', mnemonic: 'mulu', operands: [G('rd'), G('rs'), G('rt')], uasm: 'mulu', flow: 'none',
    enc: { r6: special(0x19, 'rs', 'rt', 'rd', 2) },
    sem: alu3((m, x, y) => m.bv.mul(32, x, y)),
  }),
  def({
    op: 'muhu', mnemonic: 'muhu', operands: [G('rd'), G('rs'), G('rt')], uasm: 'muhu', flow: 'none',
    enc: { r6: special(0x19, 'rs', 'rt', 'rd', 3) },
    sem: alu3((m, x, y) => m.bv.extract(63, 32, product(m, x, y, false))),
  }),
  def({
    op: 'div_r6', mnemonic: 'div', operands: [G('rd'), G('rs'), G('rt')], flow: 'none',
    enc: { r6: special(0x1a, 'rs', 'rt', 'rd', 2) },
    sem: alu3((m, x, y) => m.bv.sdiv(32, x, y)),
  }),
  def({
    op: 'mod', mnemonic: 'mod', operands: [G('rd'), G('rs'), G('rt')], flow: 'none',
    enc: { r6: special(0x1a, 'rs', 'rt', 'rd', 3) },
    sem: alu3((m, x, y) => m.bv.srem(32, x, y)),
  }),
  def({
    op: 'divu_r6', mnemonic: 'divu', operands: [G('rd'), G('rs'), G('rt')], uasm: 'divu_r6', flow: 'none',
    enc: { r6: special(0x1b, 'rs', 'rt', 'rd', 2) },
    sem: alu3((m, x, y) => m.bv.udiv(32, x, y)),
  }),
  def({
    op: 'modu', mnemonic: 'modu', operands: [G('rd'), G('rs'), G('rt')], uasm: 'modu', flow: 'none',
    enc: { r6: special(0x1b, 'rs', 'rt', 'rd', 3) },
    sem: alu3((m, x, y) => m.bv.urem(32, x, y)),
  }),

  // ---- conditional moves and selects --------------------------------------------------
  def({
    op: 'movn', mnemonic: 'movn', operands: [G('rd'), G('rs'), G('rt')], uasm: 'movn', flow: 'none',
    enc: { r2: special(0x0b, 'rs', 'rt', 'rd', 0) },
    sem: (m, [rd, rs, rt]) => m.w(rd!, m.bv.ite(m.bv.eq(32, m.r(rt!), m.bv.lit(32, 0)), m.r(rd!), m.r(rs!))),
  }),
  def({
    op: 'movz', mnemonic: 'movz', operands: [G('rd'), G('rs'), G('rt')], uasm: 'movz', flow: 'none',
    enc: { r2: special(0x0a, 'rs', 'rt', 'rd', 0) },
    sem: (m, [rd, rs, rt]) => m.w(rd!, m.bv.ite(m.bv.eq(32, m.r(rt!), m.bv.lit(32, 0)), m.r(rs!), m.r(rd!))),
  }),
  def({
    op: 'seleqz', mnemonic: 'seleqz', operands: [G('rd'), G('rs'), G('rt')], uasm: 'seleqz', flow: 'none',
    enc: { r6: special(0x35, 'rs', 'rt', 'rd', 0) },
    sem: alu3((m, x, y) => m.bv.ite(m.bv.eq(32, y, m.bv.lit(32, 0)), x, m.bv.lit(32, 0))),
  }),
  def({
    op: 'selnez', mnemonic: 'selnez', operands: [G('rd'), G('rs'), G('rt')], uasm: 'selnez', flow: 'none',
    enc: { r6: special(0x37, 'rs', 'rt', 'rd', 0) },
    sem: alu3((m, x, y) => m.bv.ite(m.bv.eq(32, y, m.bv.lit(32, 0)), m.bv.lit(32, 0), x)),
  }),

  // ---- byte and bit-field operations (SPECIAL3) ---------------------------------------
  def({
    op: 'wsbh', mnemonic: 'wsbh', operands: [G('rd'), G('rt')], uasm: 'wsbh', flow: 'none',
    enc: { r2: { op: SPECIAL3, rs: 0, rt: 'rt', rd: 'rd', sa: 0x02, func: 0x20 }, r6: { op: SPECIAL3, rs: 0, rt: 'rt', rd: 'rd', sa: 0x02, func: 0x20 } },
    sem: (m, [rd, rt]) => {
      const bv = m.bv;
      const x = m.r(rt!);
      const down = bv.and(32, bv.lshr(32, x, bv.lit(32, 8)), bv.lit(32, 0x00ff00ff));
      const up = bv.and(32, bv.shl(32, x, bv.lit(32, 8)), bv.lit(32, 0xff00ff00));
      m.w(rd!, bv.or(32, down, up));
    },
  }),
  def({
    op: 'seb', mnemonic: 'seb', operands: [G('rd'), G('rt')], flow: 'none',
    enc: { r2: { op: SPECIAL3, rs: 0, rt: 'rt', rd: 'rd', sa: 0x10, func: 0x20 }, r6: { op: SPECIAL3, rs: 0, rt: 'rt', rd: 'rd', sa: 0x10, func: 0x20 } },
    sem: (m, [rd, rt]) => m.w(rd!, m.bv.sext(8, 32, m.bv.extract(7, 0, m.r(rt!)))),
  }),
  def({
    op: 'seh', mnemonic: 'seh', operands: [G('rd'), G('rt')], flow: 'none',
    enc: { r2: { op: SPECIAL3, rs: 0, rt: 'rt', rd: 'rd', sa: 0x18, func: 0x20 }, r6: { op: SPECIAL3, rs: 0, rt: 'rt', rd: 'rd', sa: 0x18, func: 0x20 } },
    sem: (m, [rd, rt]) => m.w(rd!, m.bv.sext(16, 32, m.bv.extract(15, 0, m.r(rt!)))),
  }),
  def({
    // rd holds msbd = size - 1, sa holds lsb = pos
    op: 'ext', mnemonic: 'ext', operands: [G('rt'), G('rs'), U('pos'), { name: 'size', kind: 'extsize' }], uasm: 'ext', flow: 'none',
    enc: { r2: { op: SPECIAL3, rs: 'rs', rt: 'rt', rd: 'size', sa: 'pos', func: 0x00 }, r6: { op: SPECIAL3, rs: 'rs', rt: 'rt', rd: 'size', sa: 'pos', func: 0x00 } },
    check: (a) => (a[2]! + a[3]! > 32 ? 'pos + size must not exceed 32' : undefined),
    sem: (m, [rt, rs, pos, size]) => m.w(rt!, m.bv.zext(size!, 32, m.bv.extract(pos! + size! - 1, pos!, m.r(rs!)))),
  }),
  def({
    // rd holds msb = pos + size - 1, sa holds lsb = pos
    op: 'ins', mnemonic: 'ins', operands: [G('rt'), G('rs'), U('pos'), { name: 'size', kind: 'inssize' }], uasm: 'ins', flow: 'none',
    enc: { r2: { op: SPECIAL3, rs: 'rs', rt: 'rt', rd: 'size', sa: 'pos', func: 0x04 }, r6: { op: SPECIAL3, rs: 'rs', rt: 'rt', rd: 'size', sa: 'pos', func: 0x04 } },
    check: (a) => (a[2]! + a[3]! > 32 ? 'pos + size must not exceed 32' : undefined),
    sem: (m, [rt, rs, pos, size]) => {
      const bv = m.bv;
      const field = Number((((1n << BigInt(size!)) - 1n) << BigInt(pos!)) & 0xffffffffn);
      const kept = bv.and(32, m.r(rt!), bv.lit(32, ~field >>> 0));
      const put = bv.and(32, bv.shl(32, m.r(rs!), bv.lit(32, pos!)), bv.lit(32, field));
      m.w(rt!, bv.or(32, kept, put));
    },
  }),

  // ---- loads and stores ---------------------------------------------------------------
  def({ op: 'lb', mnemonic: 'lb', operands: [G('rt'), S('off'), G('base')], uasm: 'lb', flow: 'none', mem: true,
    enc: { r2: itype(0x20, 'base', 'rt', 'off'), r6: itype(0x20, 'base', 'rt', 'off') }, sem: loadSem(1, true) }),
  def({ op: 'lbu', mnemonic: 'lbu', operands: [G('rt'), S('off'), G('base')], uasm: 'lbu', flow: 'none', mem: true,
    enc: { r2: itype(0x24, 'base', 'rt', 'off'), r6: itype(0x24, 'base', 'rt', 'off') }, sem: loadSem(1, false) }),
  def({ op: 'lh', mnemonic: 'lh', operands: [G('rt'), S('off'), G('base')], uasm: 'lh', flow: 'none', mem: true,
    enc: { r2: itype(0x21, 'base', 'rt', 'off'), r6: itype(0x21, 'base', 'rt', 'off') }, sem: loadSem(2, true) }),
  def({ op: 'lhu', mnemonic: 'lhu', operands: [G('rt'), S('off'), G('base')], uasm: 'lhu', flow: 'none', mem: true,
    enc: { r2: itype(0x25, 'base', 'rt', 'off'), r6: itype(0x25, 'base', 'rt', 'off') }, sem: loadSem(2, false) }),
  def({ op: 'lw', mnemonic: 'lw', operands: [G('rt'), S('off'), G('base')], uasm: 'lw', flow: 'none', mem: true,
    enc: { r2: itype(0x23, 'base', 'rt', 'off'), r6: itype(0x23, 'base', 'rt', 'off') }, sem: loadSem(4, false) }),
  def({ op: 'sb', mnemonic: 'sb', operands: [G('rt'), S('off'), G('base')], uasm: 'sb', flow: 'none', mem: true,
    enc: { r2: itype(0x28, 'base', 'rt', 'off'), r6: itype(0x28, 'base', 'rt', 'off') }, sem: storeSem(1) }),
  def({ op: 'sh', mnemonic: 'sh', operands: [G('rt'), S('off'), G('base')], uasm: 'sh', flow: 'none', mem: true,
    enc: { r2: itype(0x29, 'base', 'rt', 'off'), r6: itype(0x29, 'base', 'rt', 'off') }, sem: storeSem(2) }),
  def({ op: 'sw', mnemonic: 'sw', operands: [G('rt'), S('off'), G('base')], uasm: 'sw', flow: 'none', mem: true,
    enc: { r2: itype(0x2b, 'base', 'rt', 'off'), r6: itype(0x2b, 'base', 'rt', 'off') }, sem: storeSem(4) }),
  def({
    // R2: opcode LL with a 16-bit offset; R6: SPECIAL3 function 0x36 with a 9-bit offset
    op: 'll', mnemonic: 'll', operands: [G('rt'), S('off'), G('base')], uasm: 'll', flow: 'none', mem: true,
    enc: { r2: itype(0x30, 'base', 'rt', 'off'), r6: { op: SPECIAL3, rs: 'base', rt: 'rt', off9: 'off', b6: 0, func: 0x36 } },
    sem: (m, [rt, off, base]) => {
      const addr = effAddr(m, off!, base!);
      m.w(rt!, m.load(addr, 4, false));
      m.link(addr);
    },
  }),
  def({
    // rt := 1 when the store happened, else 0 (the link was broken or is for another address)
    op: 'sc', mnemonic: 'sc', operands: [G('rt'), S('off'), G('base')], uasm: 'sc', flow: 'none', mem: true,
    enc: { r2: itype(0x38, 'base', 'rt', 'off'), r6: { op: SPECIAL3, rs: 'base', rt: 'rt', off9: 'off', b6: 0, func: 0x26 } },
    sem: (m, [rt, off, base]) => {
      const addr = effAddr(m, off!, base!);
      const ok = m.linked(addr);
      m.store(addr, 4, m.bv.ite(ok, m.r(rt!), m.load(addr, 4, false)));
      m.w(rt!, bool(m, ok));
    },
  }),
  def({
    op: 'sync', mnemonic: 'sync', operands: [{ name: 'stype', kind: 'stype' }], uasm: 'sync', flow: 'none',
    enc: { r2: special(0x0f, 0, 0, 0, 'stype'), r6: special(0x0f, 0, 0, 0, 'stype') },
    alias: (a) => SYNC_NAMES[a[0]!],
    sem: () => {},
  }),

  // ---- misc ---------------------------------------------------------------------------
  def({
    // uasm's nop is a macro for `sll zero, zero, 0`; decoding word 0 gives `nop`
    op: 'nop', mnemonic: 'nop', operands: [], uasm: 'nop', flow: 'none',
    enc: { r2: special(0x00, 0, 0, 0, 0), r6: special(0x00, 0, 0, 0, 0) },
    sem: () => {},
  }),
  def({
    op: 'break', mnemonic: 'break', operands: [{ name: 'code', kind: 'code' }], uasm: 'break', flow: 'none',
    enc: { r2: { op: SPECIAL, code20: 'code', func: 0x0d }, r6: { op: SPECIAL, code20: 'code', func: 0x0d } },
    sem: (m, [code]) => m.trap(code!),
  }),

  // ---- branches and jumps with a delay slot -----------------------------------------
  def({
    op: 'beq', mnemonic: 'beq', operands: [G('rs'), G('rt'), BR], uasm: 'beq', flow: 'delay',
    enc: { r2: itype(0x04, 'rs', 'rt', 'off'), r6: itype(0x04, 'rs', 'rt', 'off') },
    alias: (a, p) => (a[0] === 0 && a[1] === 0 ? `b\t${p[2]}` : a[1] === 0 ? `beqz\t${p[0]},${p[2]}` : undefined),
    sem: (m, [rs, rt, off]) => m.branch(m.bv.eq(32, m.r(rs!), m.r(rt!)), rel(m.pc, off!)),
  }),
  def({
    op: 'bne', mnemonic: 'bne', operands: [G('rs'), G('rt'), BR], uasm: 'bne', flow: 'delay',
    enc: { r2: itype(0x05, 'rs', 'rt', 'off'), r6: itype(0x05, 'rs', 'rt', 'off') },
    alias: (a, p) => (a[1] === 0 ? `bnez\t${p[0]},${p[2]}` : undefined),
    sem: (m, [rs, rt, off]) => m.branch(m.bv.bnot(m.bv.eq(32, m.r(rs!), m.r(rt!))), rel(m.pc, off!)),
  }),
  def({
    op: 'blez', mnemonic: 'blez', operands: [G('rs'), BR], uasm: 'blez', flow: 'delay',
    enc: { r2: itype(0x06, 'rs', 0, 'off'), r6: itype(0x06, 'rs', 0, 'off') },
    sem: branchZ((m, x, z) => m.bv.sle(32, x, z)),
  }),
  def({
    op: 'bgtz', mnemonic: 'bgtz', operands: [G('rs'), BR], uasm: 'bgtz', flow: 'delay',
    enc: { r2: itype(0x07, 'rs', 0, 'off'), r6: itype(0x07, 'rs', 0, 'off') },
    sem: branchZ((m, x, z) => m.bv.slt(32, z, x)),
  }),
  def({
    op: 'bltz', mnemonic: 'bltz', operands: [G('rs'), BR], uasm: 'bltz', flow: 'delay',
    enc: { r2: itype(REGIMM, 'rs', 0x00, 'off'), r6: itype(REGIMM, 'rs', 0x00, 'off') },
    sem: branchZ((m, x, z) => m.bv.slt(32, x, z)),
  }),
  def({
    op: 'bgez', mnemonic: 'bgez', operands: [G('rs'), BR], uasm: 'bgez', flow: 'delay',
    enc: { r2: itype(REGIMM, 'rs', 0x01, 'off'), r6: itype(REGIMM, 'rs', 0x01, 'off') },
    alias: (a, p) => (a[0] === 0 ? `b\t${p[1]}` : undefined),
    sem: branchZ((m, x, z) => m.bv.sle(32, z, x)),
  }),
  def({
    op: 'j', mnemonic: 'j', operands: [{ name: 'target', kind: 'jtarget' }], uasm: 'j', flow: 'delay',
    enc: { r2: { op: 0x02, off26: 'target' }, r6: { op: 0x02, off26: 'target' } },
    sem: (m, [target]) => m.branch(m.bv.T, (((m.pc + 4) & 0xf0000000) | target!) >>> 0),
  }),
  def({
    op: 'jal', mnemonic: 'jal', operands: [{ name: 'target', kind: 'jtarget' }], uasm: 'jal', flow: 'delay',
    enc: { r2: { op: 0x03, off26: 'target' }, r6: { op: 0x03, off26: 'target' } },
    sem: (m, [target]) => {
      m.w(31, m.bv.lit(32, m.pc + 8));
      m.branch(m.bv.T, (((m.pc + 4) & 0xf0000000) | target!) >>> 0);
    },
  }),
  def({
    // R6 removed JR's own encoding: it is JALR with rd = 0 (MD00087 JR)
    op: 'jr', mnemonic: 'jr', operands: [G('rs')], uasm: 'jr', flow: 'delay',
    enc: { r2: special(0x08, 'rs', 0, 0, 0), r6: special(0x09, 'rs', 0, 0, 0) },
    sem: (m, [rs]) => m.jump(m.r(rs!)),
  }),
  def({
    op: 'jalr', mnemonic: 'jalr', operands: [G('rd'), G('rs')], uasm: 'jalr', flow: 'delay',
    enc: { r2: special(0x09, 'rs', 0, 'rd', 0), r6: special(0x09, 'rs', 0, 'rd', 0) },
    alias: (a, p) => (a[0] === 31 ? `jalr\t${p[1]}` : undefined),
    check: (a) => (a[0] === a[1] ? 'rd and rs must differ (UNPREDICTABLE)' : undefined),
    sem: (m, [rd, rs]) => {
      const target = m.r(rs!);
      m.w(rd!, m.bv.lit(32, m.pc + 8));
      m.jump(target);
    },
  }),

  // ---- R6 compact branches (no delay slot) -------------------------------------------
  def({
    op: 'bc', mnemonic: 'bc', operands: [BR], flow: 'compact',
    enc: { r6: { op: 0x32, off26: 'off' } },
    sem: (m, [off]) => m.compact(m.bv.T, m.bv.lit(32, rel(m.pc, off!))),
  }),
  def({
    op: 'balc', mnemonic: 'balc', operands: [BR], flow: 'compact',
    enc: { r6: { op: 0x3a, off26: 'off' } },
    sem: (m, [off]) => {
      m.w(31, m.bv.lit(32, m.pc + 4));
      m.compact(m.bv.T, m.bv.lit(32, rel(m.pc, off!)));
    },
  }),
  def({
    op: 'beqzc', mnemonic: 'beqzc', operands: [G('rs'), BR], flow: 'compact-fs',
    enc: { r6: { op: 0x36, rs: 'rs', off21: 'off' } },
    check: nonZero(0, 'rs'),
    sem: (m, [rs, off]) => m.compact(m.bv.eq(32, m.r(rs!), m.bv.lit(32, 0)), m.bv.lit(32, rel(m.pc, off!))),
  }),
  def({
    op: 'bnezc', mnemonic: 'bnezc', operands: [G('rs'), BR], flow: 'compact-fs',
    enc: { r6: { op: 0x3e, rs: 'rs', off21: 'off' } },
    check: nonZero(0, 'rs'),
    sem: (m, [rs, off]) => m.compact(m.bv.bnot(m.bv.eq(32, m.r(rs!), m.bv.lit(32, 0))), m.bv.lit(32, rel(m.pc, off!))),
  }),
  def({
    // POP10 with 0 < rs < rt
    op: 'beqc', mnemonic: 'beqc', operands: [G('rs'), G('rt'), BR], flow: 'compact-fs',
    enc: { r6: itype(0x08, 'rs', 'rt', 'off') },
    canonical: sortPair,
    check: (a) => distinctNonZero(a) ?? (a[0]! > a[1]! ? 'rs must be below rt' : undefined),
    sem: compact2((m, x, y) => m.bv.eq(32, x, y)),
  }),
  def({
    // POP30 with 0 < rs < rt
    op: 'bnec', mnemonic: 'bnec', operands: [G('rs'), G('rt'), BR], flow: 'compact-fs',
    enc: { r6: itype(0x18, 'rs', 'rt', 'off') },
    canonical: sortPair,
    check: (a) => distinctNonZero(a) ?? (a[0]! > a[1]! ? 'rs must be below rt' : undefined),
    sem: compact2((m, x, y) => m.bv.bnot(m.bv.eq(32, x, y))),
  }),
  def({
    op: 'bltc', mnemonic: 'bltc', operands: [G('rs'), G('rt'), BR], flow: 'compact-fs',
    enc: { r6: itype(0x17, 'rs', 'rt', 'off') }, check: distinctNonZero,
    sem: compact2((m, x, y) => m.bv.slt(32, x, y)),
  }),
  def({
    op: 'bgec', mnemonic: 'bgec', operands: [G('rs'), G('rt'), BR], flow: 'compact-fs',
    enc: { r6: itype(0x16, 'rs', 'rt', 'off') }, check: distinctNonZero,
    sem: compact2((m, x, y) => m.bv.sle(32, y, x)),
  }),
  def({
    op: 'bltuc', mnemonic: 'bltuc', operands: [G('rs'), G('rt'), BR], flow: 'compact-fs',
    enc: { r6: itype(0x07, 'rs', 'rt', 'off') }, check: distinctNonZero,
    sem: compact2((m, x, y) => m.bv.ult(32, x, y)),
  }),
  def({
    op: 'bgeuc', mnemonic: 'bgeuc', operands: [G('rs'), G('rt'), BR], flow: 'compact-fs',
    enc: { r6: itype(0x06, 'rs', 'rt', 'off') }, check: distinctNonZero,
    sem: compact2((m, x, y) => m.bv.ule(32, y, x)),
  }),
  def({
    // target = rt + sign-extended offset (no shift)
    op: 'jic', mnemonic: 'jic', operands: [G('rt'), S('off')], uasm: 'jic', flow: 'compact',
    enc: { r6: itype(0x36, 0, 'rt', 'off') },
    alias: (a, p) => (a[1] === 0 ? `jrc\t${p[0]}` : undefined),
    sem: (m, [rt, off]) => m.compact(m.bv.T, m.bv.add(32, m.r(rt!), m.bv.lit(32, off!))),
  }),
  def({
    op: 'jialc', mnemonic: 'jialc', operands: [G('rt'), S('off')], flow: 'compact',
    enc: { r6: itype(0x3e, 0, 'rt', 'off') },
    sem: (m, [rt, off]) => {
      const target = m.bv.add(32, m.r(rt!), m.bv.lit(32, off!));
      m.w(31, m.bv.lit(32, m.pc + 4));
      m.compact(m.bv.T, target);
    },
  }),
] as const;

/** Every op name of the table. */
export type MipsOp = (typeof TABLE)[number]['op'];

const BY_OP = new Map<string, InsnDef>(TABLE.map((d) => [d.op, d]));

/** The table entry of `op`, or undefined. */
export function lookup(op: string): InsnDef | undefined {
  return BY_OP.get(op);
}

/** Whether the instruction transfers control (forbidden in delay and forbidden slots). */
export function isCti(d: InsnDef): boolean {
  return d.flow !== 'none';
}

export function hasIsa(d: InsnDef, isa: Isa): boolean {
  return d.enc[isa] !== undefined;
}
