// BPF_JMP and BPF_JMP32 conditional jumps. A 64-bit condition is computed into t8 without
// branches (sltu on the high words, the low words deciding when the high words are equal)
// and ends in one branch on t8; the core turns that into a short or a long jump.
import { bin, emit, hi, lo, note, plan, when, type CExpr, type Plan, type RegExpr, type Stmt } from '../dsl.ts';
import { M } from '../regs.ts';
import { BPF, imm, isS16, movi, op, opIs, sextHi } from './common.ts';

/**
 * t8 = (a > b) for 64-bit pairs, signed on the high word when `signed`:
 * high words greater, or high words equal and low words greater. Only t8 and t9 are
 * used, so either operand may be the JIT's temporary pair.
 */
function greater(a: string, b: string, signed: boolean): Stmt[] {
  return [
    emit('sltu', M.t8, lo(b), lo(a)),
    emit('xor', M.t9, hi(a), hi(b)),
    emit('sltiu', M.t9, M.t9, 1),
    note('the low words decide only when the high words are equal'),
    emit('and', M.t8, M.t8, M.t9),
    emit(signed ? 'slt' : 'sltu', M.t9, hi(b), hi(a)),
    emit('or', M.t8, M.t8, M.t9),
  ];
}

/**
 * The 64-bit comparison of pairs `a` and `b` for operation `which`, ending in a jump.
 * `>=` and `<=` are the negations of `<` and `>`.
 */
function compare64(a: string, b: string): Stmt[] {
  const c = (which: CExpr, body: Stmt[]) => ({ labels: [which], body });
  return [
    {
      k: 'switch',
      on: op,
      cases: [
        c(BPF.JEQ, [...eq64(a, b), { k: 'jump', op: 'beqz', args: [M.t8] }]),
        c(BPF.JNE, [...eq64(a, b), { k: 'jump', op: 'bnez', args: [M.t8] }]),
        c(BPF.JSET, [
          emit('and', M.t8, hi(a), hi(b)),
          emit('and', M.t9, lo(a), lo(b)),
          emit('or', M.t8, M.t8, M.t9),
          { k: 'jump', op: 'bnez', args: [M.t8] },
        ]),
        c(BPF.JGT, [...greater(a, b, false), { k: 'jump', op: 'bnez', args: [M.t8] }]),
        c(BPF.JLE, [...greater(a, b, false), { k: 'jump', op: 'beqz', args: [M.t8] }]),
        c(BPF.JLT, [...greater(b, a, false), { k: 'jump', op: 'bnez', args: [M.t8] }]),
        c(BPF.JGE, [...greater(b, a, false), { k: 'jump', op: 'beqz', args: [M.t8] }]),
        c(BPF.JSGT, [...greater(a, b, true), { k: 'jump', op: 'bnez', args: [M.t8] }]),
        c(BPF.JSLE, [...greater(a, b, true), { k: 'jump', op: 'beqz', args: [M.t8] }]),
        c(BPF.JSLT, [...greater(b, a, true), { k: 'jump', op: 'bnez', args: [M.t8] }]),
        c(BPF.JSGE, [...greater(b, a, true), { k: 'jump', op: 'beqz', args: [M.t8] }]),
      ],
    },
  ];
}

/** t8 = (a != b) as a nonzero word. */
function eq64(a: string, b: string): Stmt[] {
  return [emit('xor', M.t8, hi(a), hi(b)), emit('xor', M.t9, lo(a), lo(b)), emit('or', M.t8, M.t8, M.t9)];
}

export const jmp64X: Plan = plan('jmp64_x', 'if (dst op src) goto off (64-bit)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'op', type: 'u8' },
], compare64('dst', 'src'));

export const jmp64K: Plan = plan('jmp64_k', 'if (dst op imm) goto off (64-bit, imm sign-extended)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
], [
  note('sign-extend imm into the temporary pair and compare registers'),
  movi(lo('tmp'), imm),
  sextHi('tmp'),
  ...compare64('dst', 'tmp'),
]);

/** 32-bit conditions on registers `a` and `b` (the low words). */
function compare32(a: RegExpr, b: RegExpr): Stmt[] {
  const c = (which: CExpr, body: Stmt[]) => ({ labels: [which], body });
  return [
    {
      k: 'switch',
      on: op,
      cases: [
        c(BPF.JEQ, [{ k: 'jump', op: 'beq', args: [a, b] }]),
        c(BPF.JNE, [{ k: 'jump', op: 'bne', args: [a, b] }]),
        c(BPF.JSET, [emit('and', M.t8, a, b), { k: 'jump', op: 'bnez', args: [M.t8] }]),
        c(BPF.JGT, [emit('sltu', M.t8, b, a), { k: 'jump', op: 'bnez', args: [M.t8] }]),
        c(BPF.JLE, [emit('sltu', M.t8, b, a), { k: 'jump', op: 'beqz', args: [M.t8] }]),
        c(BPF.JLT, [emit('sltu', M.t8, a, b), { k: 'jump', op: 'bnez', args: [M.t8] }]),
        c(BPF.JGE, [emit('sltu', M.t8, a, b), { k: 'jump', op: 'beqz', args: [M.t8] }]),
        c(BPF.JSGT, [emit('slt', M.t8, b, a), { k: 'jump', op: 'bnez', args: [M.t8] }]),
        c(BPF.JSLE, [emit('slt', M.t8, b, a), { k: 'jump', op: 'beqz', args: [M.t8] }]),
        c(BPF.JSLT, [emit('slt', M.t8, a, b), { k: 'jump', op: 'bnez', args: [M.t8] }]),
        c(BPF.JSGE, [emit('slt', M.t8, a, b), { k: 'jump', op: 'beqz', args: [M.t8] }]),
      ],
    },
  ];
}

export const jmp32X: Plan = plan('jmp32_x', 'if ((u32)dst op (u32)src) goto off', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'op', type: 'u8' },
], compare32(lo('dst'), lo('src')));

export const jmp32K: Plan = plan('jmp32_k', 'if ((u32)dst op imm) goto off', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
], [
  note('compare with zero directly; other constants go through t9'),
  when(bin('&&', bin('==', imm, 0), opIs(op, BPF.JEQ, BPF.JNE)), [
    when(bin('==', op, BPF.JEQ), [{ k: 'jump', op: 'beqz', args: [lo('dst')] }], [
      { k: 'jump', op: 'bnez', args: [lo('dst')] },
    ]),
  ], [movi(M.t9, imm), ...compare32(lo('dst'), M.t9)]),
]);

export const jmpPlans: Plan[] = [jmp64X, jmp64K, jmp32X, jmp32K];
export { isS16 };
