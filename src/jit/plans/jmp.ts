// BPF_JMP and BPF_JMP32 conditional jumps. A 64-bit condition is computed into t8 without
// branches and ends in one branch on t8 (or on a register directly); the core turns that
// into a short or a long jump. Conditions that a constant operand or a register compared
// with itself decides at compile time become an unconditional jump, or a jump on `zero`
// that is never taken (the core emits nothing for it).
import { bin, emit, hi, lo, note, plan, same, when, isR6, type CExpr, type Plan, type RegExpr, type Stmt } from '../dsl.ts';
import { M } from '../regs.ts';
import { BPF, imm, isS16, isU16, movi, op } from './common.ts';

type Case = { labels: CExpr[]; body: Stmt[] };
const c = (which: CExpr | CExpr[], body: Stmt[]): Case => ({ labels: Array.isArray(which) ? which : [which], body });
const onOp = (cases: Case[]): Stmt => ({ k: 'switch', on: op, cases });

const jump = (o: 'beq' | 'bne' | 'beqz' | 'bnez' | 'bltz' | 'bgez' | 'blez' | 'bgtz', ...args: RegExpr[]): Stmt => ({ k: 'jump', op: o, args });
/** The branch is always taken. */
const always: Stmt = { k: 'jump', op: 'ja', args: [] };
/** The branch is never taken: a jump on `zero` that the core leaves out. */
const never: Stmt = jump('bnez', M.zero);
/** Jump when t8 is nonzero (`whenSet`) or zero. */
const onT8 = (whenSet: boolean): Stmt => jump(whenSet ? 'bnez' : 'beqz', M.t8);

/** rd = 0 when rt != 0 (one instruction on either ISA). */
function zeroIf(rd: RegExpr, rt: RegExpr): Stmt {
  return when(isR6, [emit('seleqz', rd, rd, rt)], [emit('movn', rd, M.zero, rt)]);
}

/**
 * rd = (rt != 0) ? rs : rd, where rs is zero whenever rt is (rs compares the words rt
 * tells apart, or is a bit of rt): on R6 the seleqz half leaves rd's part and rs adds
 * its own by `or`, with no selnez and no scratch register.
 */
function takeIfSet(rd: RegExpr, rs: RegExpr, rt: RegExpr): Stmt {
  return when(isR6, [emit('seleqz', rd, rd, rt), emit('or', rd, rd, rs)], [emit('movn', rd, rs, rt)]);
}

/**
 * t8 = (a > b) for 64-bit pairs, signed on the high words when `signed`: the low words
 * decide when the high words are equal. Uses t6, t8 and t9 (not the operands).
 */
function greater(a: string, b: string, signed: boolean): Stmt[] {
  return [
    emit('sltu', M.t8, lo(b), lo(a)),
    emit(signed ? 'slt' : 'sltu', M.t9, hi(b), hi(a)),
    note('the high words decide when they differ'),
    emit('xor', M.t6, hi(a), hi(b)),
    takeIfSet(M.t8, M.t9, M.t6),
  ];
}

/** t8 = (a != b) as a nonzero word. */
function ne64(a: string, b: string): Stmt[] {
  return [emit('xor', M.t8, hi(a), hi(b)), emit('xor', M.t9, lo(a), lo(b)), emit('or', M.t8, M.t8, M.t9)];
}

export const jmp64X: Plan = plan('jmp64_x', 'if (dst op src) goto off (64-bit)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'op', type: 'u8' },
], [
  when(same(lo('dst'), lo('src')), [
    note('a register compared with itself: only JSET depends on its value'),
    onOp([
      c([BPF.JEQ, BPF.JGE, BPF.JLE, BPF.JSGE, BPF.JSLE], [always]),
      c(BPF.JSET, [emit('or', M.t8, hi('dst'), lo('dst')), onT8(true)]),
      c([], [never]),
    ]),
  ], [
    onOp([
      c(BPF.JEQ, [...ne64('dst', 'src'), onT8(false)]),
      c(BPF.JNE, [...ne64('dst', 'src'), onT8(true)]),
      c(BPF.JSET, [
        emit('and', M.t8, hi('dst'), hi('src')),
        emit('and', M.t9, lo('dst'), lo('src')),
        emit('or', M.t8, M.t8, M.t9),
        onT8(true),
      ]),
      c(BPF.JGT, [...greater('dst', 'src', false), onT8(true)]),
      c(BPF.JLE, [...greater('dst', 'src', false), onT8(false)]),
      c(BPF.JLT, [...greater('src', 'dst', false), onT8(true)]),
      c(BPF.JGE, [...greater('src', 'dst', false), onT8(false)]),
      c(BPF.JSGT, [...greater('dst', 'src', true), onT8(true)]),
      c(BPF.JSLE, [...greater('dst', 'src', true), onT8(false)]),
      c(BPF.JSLT, [...greater('src', 'dst', true), onT8(true)]),
      c(BPF.JSGE, [...greater('src', 'dst', true), onT8(false)]),
    ]),
  ]),
]);

const negative = bin('<', imm, 0);
const L = lo('dst');
const H = hi('dst');

/** t8 = (lo(dst) <u imm) with imm sign-extended to 32 bits. */
const loBelowImm: Stmt = when(isS16(imm), [emit('sltiu', M.t8, L, imm)], [movi(M.t9, imm), emit('sltu', M.t8, L, M.t9)]);
/** t8 = (lo(dst) >u imm). */
const loAboveImm: Stmt = when(bin('==', imm, 0), [emit('sltu', M.t8, M.zero, L)], [movi(M.t9, imm), emit('sltu', M.t8, M.t9, L)]);
/** t9 = ~hi(dst): zero exactly when the high word is all ones (imm's when negative). */
const notHi: Stmt = emit('nor', M.t9, H, M.zero);

/** t8 = (dst >u sext(imm)), imm != -1. */
const ugt: Stmt[] = [
  loAboveImm,
  when(negative, [
    note('above a negative imm: the high word is all ones and the low word above imm'),
    notHi,
    zeroIf(M.t8, M.t9),
  ], [
    note('above a non-negative imm: a nonzero high word, or the low word above imm'),
    emit('or', M.t8, M.t8, H),
  ]),
];

/** t8 = (dst <u sext(imm)), imm != 0. */
const ult: Stmt[] = [
  loBelowImm,
  when(negative, [
    note('below a negative imm: a high word not all ones, or the low word below imm'),
    notHi,
    emit('or', M.t8, M.t8, M.t9),
  ], [
    note('below a non-negative imm: a zero high word and the low word below imm'),
    zeroIf(M.t8, H),
  ]),
];

/** t8 = (dst >s sext(imm)), imm != -1 (that case is a sign test). */
const sgt: Stmt[] = [
  loAboveImm,
  when(negative, [
    note('the high word decides unless it is all ones: then it is above -1 iff not negative'),
    notHi,
    emit('srl', M.t6, M.t9, 31),
    takeIfSet(M.t8, M.t6, M.t9),
  ], [
    note('the high word decides unless it is zero: then it is above 0 iff positive'),
    emit('slt', M.t9, M.zero, H),
    takeIfSet(M.t8, M.t9, H),
  ]),
];

/** t8 = (dst <s sext(imm)), imm != 0 (that case is a sign test). */
const slt: Stmt[] = [
  loBelowImm,
  when(negative, [
    note('the high word decides unless it is all ones: then it is below -1 iff its inverse is positive'),
    notHi,
    emit('slt', M.t6, M.zero, M.t9),
    takeIfSet(M.t8, M.t6, M.t9),
  ], [
    note('the high word decides unless it is zero: then it is below 0 iff negative'),
    emit('srl', M.t9, H, 31),
    takeIfSet(M.t8, M.t9, H),
  ]),
];

/** t8 = dst ^ sext(imm), nonzero when they differ. */
const neImm: Stmt[] = [
  when(bin('==', imm, 0), [emit('or', M.t8, H, L)], [
    when(isU16(imm), [emit('xori', M.t8, L, imm)], [movi(M.t9, imm), emit('xor', M.t8, L, M.t9)]),
    when(negative, [notHi, emit('or', M.t8, M.t8, M.t9)], [emit('or', M.t8, M.t8, H)]),
  ]),
];

export const jmp64K: Plan = plan('jmp64_k', 'if (dst op imm) goto off (64-bit, imm sign-extended)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
], [
  onOp([
    c(BPF.JEQ, [...neImm, onT8(false)]),
    c(BPF.JNE, [...neImm, onT8(true)]),
    c(BPF.JSET, [
      when(bin('==', imm, 0), [never], [
        when(isU16(imm), [emit('andi', M.t8, L, imm)], [movi(M.t9, imm), emit('and', M.t8, L, M.t9)]),
        note('a negative imm has all high bits set'),
        when(negative, [emit('or', M.t8, M.t8, H)]),
        onT8(true),
      ]),
    ]),
    c(BPF.JGT, [when(bin('==', imm, -1), [never], [...ugt, onT8(true)])]),
    c(BPF.JLE, [when(bin('==', imm, -1), [always], [...ugt, onT8(false)])]),
    c(BPF.JLT, [when(bin('==', imm, 0), [never], [...ult, onT8(true)])]),
    c(BPF.JGE, [when(bin('==', imm, 0), [always], [...ult, onT8(false)])]),
    c(BPF.JSGT, [when(bin('==', imm, -1), [jump('bgez', H)], [...sgt, onT8(true)])]),
    c(BPF.JSLE, [when(bin('==', imm, -1), [jump('bltz', H)], [...sgt, onT8(false)])]),
    c(BPF.JSLT, [when(bin('==', imm, 0), [jump('bltz', H)], [...slt, onT8(true)])]),
    c(BPF.JSGE, [when(bin('==', imm, 0), [jump('bgez', H)], [...slt, onT8(false)])]),
  ]),
]);

/** 32-bit conditions on registers `a` and `b` (the low words). */
function compare32(a: RegExpr, b: RegExpr): Stmt[] {
  return [
    onOp([
      c(BPF.JEQ, [jump('beq', a, b)]),
      c(BPF.JNE, [jump('bne', a, b)]),
      c(BPF.JSET, [emit('and', M.t8, a, b), onT8(true)]),
      c(BPF.JGT, [emit('sltu', M.t8, b, a), onT8(true)]),
      c(BPF.JLE, [emit('sltu', M.t8, b, a), onT8(false)]),
      c(BPF.JLT, [emit('sltu', M.t8, a, b), onT8(true)]),
      c(BPF.JGE, [emit('sltu', M.t8, a, b), onT8(false)]),
      c(BPF.JSGT, [emit('slt', M.t8, b, a), onT8(true)]),
      c(BPF.JSLE, [emit('slt', M.t8, b, a), onT8(false)]),
      c(BPF.JSLT, [emit('slt', M.t8, a, b), onT8(true)]),
      c(BPF.JSGE, [emit('slt', M.t8, a, b), onT8(false)]),
    ]),
  ];
}

export const jmp32X: Plan = plan('jmp32_x', 'if ((u32)dst op (u32)src) goto off', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'op', type: 'u8' },
], [
  when(same(lo('dst'), lo('src')), [
    note('a register compared with itself: only JSET depends on its value'),
    onOp([
      c([BPF.JEQ, BPF.JGE, BPF.JLE, BPF.JSGE, BPF.JSLE], [always]),
      c(BPF.JSET, [jump('bnez', lo('dst'))]),
      c([], [never]),
    ]),
  ], compare32(lo('dst'), lo('src'))),
]);

const immPlus1 = bin('+', imm, 1);

export const jmp32K: Plan = plan('jmp32_k', 'if ((u32)dst op imm) goto off', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
], [
  note('zero, the extremes and 16-bit constants need no constant in a register'),
  onOp([
    c(BPF.JEQ, [when(bin('==', imm, 0), [jump('beqz', L)], [movi(M.t9, imm), jump('beq', L, M.t9)])]),
    c(BPF.JNE, [when(bin('==', imm, 0), [jump('bnez', L)], [movi(M.t9, imm), jump('bne', L, M.t9)])]),
    c(BPF.JSET, [
      when(bin('==', imm, 0), [never], [
        when(isU16(imm), [emit('andi', M.t8, L, imm)], [movi(M.t9, imm), emit('and', M.t8, L, M.t9)]),
        onT8(true),
      ]),
    ]),
    ...([[BPF.JLT, true], [BPF.JGE, false]] as const).map(([o, below]) =>
      c(o, [
        when(bin('==', imm, 0), [below ? never : always], [
          when(isS16(imm), [emit('sltiu', M.t8, L, imm)], [movi(M.t9, imm), emit('sltu', M.t8, L, M.t9)]),
          onT8(below),
        ]),
      ]),
    ),
    ...([[BPF.JGT, true], [BPF.JLE, false]] as const).map(([o, above]) =>
      c(o, [
        when(bin('==', imm, 0), [jump(above ? 'bnez' : 'beqz', L)], [
          when(bin('==', imm, -1), [above ? never : always], [
            note('above imm is not below imm + 1'),
            when(isS16(immPlus1), [emit('sltiu', M.t8, L, immPlus1)], [movi(M.t9, imm), emit('sltu', M.t8, M.t9, L)]),
            when(isS16(immPlus1), [onT8(!above)], [onT8(above)]),
          ]),
        ]),
      ]),
    ),
    ...([[BPF.JSLT, true], [BPF.JSGE, false]] as const).map(([o, below]) =>
      c(o, [
        when(bin('==', imm, 0), [jump(below ? 'bltz' : 'bgez', L)], [
          when(isS16(imm), [emit('slti', M.t8, L, imm)], [movi(M.t9, imm), emit('slt', M.t8, L, M.t9)]),
          onT8(below),
        ]),
      ]),
    ),
    ...([[BPF.JSGT, true], [BPF.JSLE, false]] as const).map(([o, above]) =>
      c(o, [
        when(bin('==', imm, 0), [jump(above ? 'bgtz' : 'blez', L)], [
          when(bin('==', imm, 0x7fffffff), [above ? never : always], [
            note('above imm is not below imm + 1'),
            when(isS16(immPlus1), [emit('slti', M.t8, L, immPlus1)], [movi(M.t9, imm), emit('slt', M.t8, M.t9, L)]),
            when(isS16(immPlus1), [onT8(!above)], [onT8(above)]),
          ]),
        ]),
      ]),
    ),
  ]),
]);

export const jmpPlans: Plan[] = [jmp64X, jmp64K, jmp32X, jmp32K];
export { isS16 };
