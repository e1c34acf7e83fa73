// The `johan` preset's conditional jumps: mainline's emit_jmp_i, emit_jmp_r (32-bit,
// bpf_jit_comp.c) and emit_jmp_i64, emit_jmp_r64 with their 64-bit comparison helpers
// (bpf_jit_comp32.c). Mainline decides the branch before the plan runs (setup_jmp: the
// operation may be inverted to skip a long `j`, become JIT_JNOP when never taken, ...):
// the core passes that operation as `jop` and the byte offset as `rel`, and finishes the
// jump (delay slot, long `j`) after the plan.
import { bin, call, emit, hi, lo, not, pairArg, param, plan, regArg, rparam, valArg, when, type CExpr, type Plan, type RegExpr, type Stmt } from '../../dsl.ts';
import { M } from '../../regs.ts';
import { BPF, JIT, imm, isS16, isU16, movi, movn, movz } from './common.ts';

const jop = param('jop');
const rel = param('rel');
const branchIf = (taken: 'beqz' | 'bnez', r: RegExpr): Stmt => emit(taken, r, rel);
type Case = { labels: CExpr[]; body: Stmt[] };
const c = (labels: CExpr[], body: Stmt[]): Case => ({ labels, body });

/** emit_jmp_i: dst (one register) against an immediate that valid_jmp_i accepted. */
const jmpI: Plan = plan('jmp_i', 'jump immediate (32-bit)', [
  { name: 'dst', type: 'reg' },
  { name: 'imm', type: 's32' },
  { name: 'rel', type: 's32' },
  { name: 'jop', type: 'u8' },
], [
  {
    k: 'switch',
    on: jop,
    cases: [
      c([BPF.JSET], [emit('andi', M.t9, rparam('dst'), bin('&', imm, 0xffff)), branchIf('bnez', M.t9)]),
      c([JIT.JNSET], [emit('andi', M.t9, rparam('dst'), bin('&', imm, 0xffff)), branchIf('beqz', M.t9)]),
      ...([
        [BPF.JGT, 'sltiu', 1, 'beqz'], [BPF.JGE, 'sltiu', 0, 'beqz'], [BPF.JLT, 'sltiu', 0, 'bnez'], [BPF.JLE, 'sltiu', 1, 'bnez'],
        [BPF.JSGT, 'slti', 1, 'beqz'], [BPF.JSGE, 'slti', 0, 'beqz'], [BPF.JSLT, 'slti', 0, 'bnez'], [BPF.JSLE, 'slti', 1, 'bnez'],
      ] as const).map(([o, f, plus, b]) => c([o], [emit(f, M.t9, rparam('dst'), bin('+', imm, plus)), branchIf(b, M.t9)])),
    ],
  },
]);

/** emit_jmp_r: dst against src, one register each. */
const jmpR: Plan = plan('jmp_r', 'jump register (32-bit)', [
  { name: 'dst', type: 'reg' },
  { name: 'src', type: 'reg' },
  { name: 'rel', type: 's32' },
  { name: 'jop', type: 'u8' },
], [
  {
    k: 'switch',
    on: jop,
    cases: [
      c([BPF.JEQ], [emit('beq', rparam('dst'), rparam('src'), rel)]),
      c([BPF.JNE], [emit('bne', rparam('dst'), rparam('src'), rel)]),
      c([BPF.JSET], [emit('and', M.t9, rparam('dst'), rparam('src')), branchIf('bnez', M.t9)]),
      c([JIT.JNSET], [emit('and', M.t9, rparam('dst'), rparam('src')), branchIf('beqz', M.t9)]),
      ...([
        [BPF.JGT, 'sltu', true, 'bnez'], [BPF.JGE, 'sltu', false, 'beqz'], [BPF.JLT, 'sltu', false, 'bnez'], [BPF.JLE, 'sltu', true, 'beqz'],
        [BPF.JSGT, 'slt', true, 'bnez'], [BPF.JSGE, 'slt', false, 'beqz'], [BPF.JSLT, 'slt', false, 'bnez'], [BPF.JSLE, 'slt', true, 'beqz'],
      ] as const).map(([o, f, swapped, b]) =>
        c([o], [swapped ? emit(f, M.t9, rparam('src'), rparam('dst')) : emit(f, M.t9, rparam('dst'), rparam('src')), branchIf(b, M.t9)])),
    ],
  },
]);

/** valid_jmp_i: may the immediate form of emit_jmp_i be used? */
const validJmpI = bin('||',
  bin('||', bin('==', jop, JIT.JNOP), bin('&&', bin('||', bin('==', jop, BPF.JSET), bin('==', jop, JIT.JNSET)), isU16(imm))),
  bin('||',
    bin('&&', bin('||', bin('||', bin('==', jop, BPF.JGE), bin('==', jop, BPF.JLT)), bin('||', bin('==', jop, BPF.JSGE), bin('==', jop, BPF.JSLT))), isS16(imm)),
    bin('&&', bin('||', bin('||', bin('==', jop, BPF.JGT), bin('==', jop, BPF.JLE)), bin('||', bin('==', jop, BPF.JSGT), bin('==', jop, BPF.JSLE))),
      bin('&&', bin('>=', imm, -0x8001), bin('<=', imm, 0x7ffe)))));

/** JMP32 with an immediate: the immediate form, or the constant in t6 and the register form. */
export const jmp32K: Plan = plan('jmp32_k', 'if ((u32)dst op imm) goto off', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'rel', type: 's32' },
  { name: 'jop', type: 'u8' },
], [
  when(validJmpI, [call('jmp_i', regArg(lo('dst')), valArg(imm), valArg(rel), valArg(jop))], [
    movi(M.t6, imm),
    call('jmp_r', regArg(lo('dst')), regArg(M.t6), valArg(rel), valArg(jop)),
  ]),
]);

export const jmp32X: Plan = plan('jmp32_x', 'if ((u32)dst op (u32)src) goto off', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'rel', type: 's32' },
  { name: 'jop', type: 'u8' },
], [call('jmp_r', regArg(lo('dst')), regArg(lo('src')), valArg(rel), valArg(jop))]);

// ---- 64-bit comparisons (rd = 0 or 1) ----

const neg = param('neg');

/**
 * emit_sltiu_r64: rd = rs <u v for a 64-bit v given as its low word `imm` and `neg`
 * (v < 0 as s64, i.e. its high word is all ones): v may be S32_MAX + 1.
 */
const sltiuR64: Plan = plan('sltiu_r64', '64-bit sltiu, imm may be S32_MAX + 1', [
  { name: 'rd', type: 'reg' },
  { name: 'rs', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'neg', type: 'bool' },
], [
  when(neg, [
    movi(rparam('rd'), imm),
    emit('sltu', rparam('rd'), lo('rs'), rparam('rd')),
    emit('sltiu', M.t9, hi('rs'), -1),
    emit('or', rparam('rd'), rparam('rd'), M.t9),
  ], [
    when(bin('<u', 0x7fff, imm), [
      movi(rparam('rd'), imm),
      emit('sltu', rparam('rd'), lo('rs'), rparam('rd')),
    ], [emit('sltiu', rparam('rd'), lo('rs'), imm)]),
    movn(rparam('rd'), M.zero, hi('rs')),
  ]),
]);

const sltuR64: Plan = plan('sltu_r64', '64-bit sltu', [
  { name: 'rd', type: 'reg' },
  { name: 'rs', type: 'pair' },
  { name: 'rt', type: 'pair' },
], [
  emit('sltu', rparam('rd'), lo('rs'), lo('rt')),
  emit('subu', M.t9, hi('rs'), hi('rt')),
  movn(rparam('rd'), M.zero, M.t9),
  emit('sltu', M.t9, hi('rs'), hi('rt')),
  emit('or', rparam('rd'), rparam('rd'), M.t9),
]);

/** emit_slti_r64: signed rd = rs < v, v as in sltiu_r64. */
const sltiR64: Plan = plan('slti_r64', '64-bit slti, imm may be S32_MAX + 1', [
  { name: 'rd', type: 'reg' },
  { name: 'rs', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'neg', type: 'bool' },
], [
  movi(rparam('rd'), imm),
  emit('sltu', M.t8, lo('rs'), rparam('rd')),
  emit('sltu', M.t9, rparam('rd'), lo('rs')),
  emit('srl', rparam('rd'), hi('rs'), 31),
  when(neg, [movz(M.t8, M.t9, rparam('rd'))], [movn(M.t8, M.t9, rparam('rd'))]),
  when(neg, [emit('addiu', rparam('rd'), hi('rs'), 1), movn(M.t8, M.zero, rparam('rd'))], [movn(M.t8, M.zero, hi('rs'))]),
  emit('slti', rparam('rd'), hi('rs'), { k: 'cond', c: neg, a: { k: 'lit', v: -1 }, b: { k: 'lit', v: 0 } }),
  emit('or', rparam('rd'), rparam('rd'), M.t8),
]);

const sltR64: Plan = plan('slt_r64', '64-bit slt', [
  { name: 'rd', type: 'reg' },
  { name: 'rs', type: 'pair' },
  { name: 'rt', type: 'pair' },
], [
  emit('sltu', M.t7, lo('rs'), lo('rt')),
  emit('sltu', M.t8, lo('rt'), lo('rs')),
  emit('xor', M.t9, hi('rs'), hi('rt')),
  emit('srl', rparam('rd'), M.t9, 31),
  movn(M.t7, M.t8, rparam('rd')),
  movn(M.t7, M.zero, M.t9),
  emit('slt', rparam('rd'), hi('rs'), hi('rt')),
  emit('or', rparam('rd'), rparam('rd'), M.t7),
]);

/** The 64-bit value imm (+1 when `plus`) as (low word, negative) arguments. */
function immArgs(plus: boolean) {
  return plus ? [valArg(bin('+', imm, 1)), valArg(bin('<', imm, -1))] : [valArg(imm), valArg(bin('<', imm, 0))];
}

export const jmp64K: Plan = plan('jmp64_k', 'if (dst op imm) goto off (64-bit, imm sign-extended)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'rel', type: 's32' },
  { name: 'jop', type: 'u8' },
], [
  {
    k: 'switch',
    on: jop,
    cases: [
      c([BPF.JEQ, BPF.JNE], [
        when(bin('&&', bin('>=', imm, -0x7fff), bin('<=', imm, 0x8000)), [emit('addiu', M.t6, lo('dst'), bin('-', 0, imm))], [
          when(not(bin('<u', 0xffff, imm)), [emit('xori', M.t6, lo('dst'), imm)], [
            movi(M.t6, imm),
            emit('xor', M.t6, lo('dst'), M.t6),
          ]),
        ]),
        when(bin('<', imm, 0), [emit('addiu', M.t9, hi('dst'), 1), emit('or', M.t6, M.t6, M.t9)], [
          emit('or', M.t6, M.t6, hi('dst')),
        ]),
        when(bin('==', jop, BPF.JEQ), [branchIf('beqz', M.t6)], [branchIf('bnez', M.t6)]),
      ]),
      c([BPF.JSET, JIT.JNSET], [
        when(not(bin('<u', 0xffff, imm)), [emit('andi', M.t6, lo('dst'), imm)], [
          movi(M.t6, imm),
          emit('and', M.t6, lo('dst'), M.t6),
        ]),
        when(bin('<', imm, 0), [emit('or', M.t6, M.t6, hi('dst'))]),
        when(bin('==', jop, BPF.JSET), [branchIf('bnez', M.t6)], [branchIf('beqz', M.t6)]),
      ]),
      ...([
        [BPF.JGT, 'sltiu_r64', true, 'beqz'], [BPF.JGE, 'sltiu_r64', false, 'beqz'],
        [BPF.JLT, 'sltiu_r64', false, 'bnez'], [BPF.JLE, 'sltiu_r64', true, 'bnez'],
        [BPF.JSGT, 'slti_r64', true, 'beqz'], [BPF.JSGE, 'slti_r64', false, 'beqz'],
        [BPF.JSLT, 'slti_r64', false, 'bnez'], [BPF.JSLE, 'slti_r64', true, 'bnez'],
      ] as const).map(([o, f, plus, b]) => c([o], [call(f, regArg(M.t6), pairArg('dst'), ...immArgs(plus)), branchIf(b, M.t6)])),
    ],
  },
]);

export const jmp64X: Plan = plan('jmp64_x', 'if (dst op src) goto off (64-bit)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'rel', type: 's32' },
  { name: 'jop', type: 'u8' },
], [
  {
    k: 'switch',
    on: jop,
    cases: [
      c([BPF.JEQ, BPF.JNE], [
        emit('subu', M.t6, lo('dst'), lo('src')),
        emit('subu', M.t7, hi('dst'), hi('src')),
        emit('or', M.t6, M.t6, M.t7),
        when(bin('==', jop, BPF.JEQ), [branchIf('beqz', M.t6)], [branchIf('bnez', M.t6)]),
      ]),
      c([BPF.JSET, JIT.JNSET], [
        emit('and', M.t6, lo('dst'), lo('src')),
        emit('and', M.t7, hi('dst'), hi('src')),
        emit('or', M.t6, M.t6, M.t7),
        when(bin('==', jop, BPF.JSET), [branchIf('bnez', M.t6)], [branchIf('beqz', M.t6)]),
      ]),
      ...([
        [BPF.JGT, 'sltu_r64', true, 'bnez'], [BPF.JGE, 'sltu_r64', false, 'beqz'],
        [BPF.JLT, 'sltu_r64', false, 'bnez'], [BPF.JLE, 'sltu_r64', true, 'beqz'],
        [BPF.JSGT, 'slt_r64', true, 'bnez'], [BPF.JSGE, 'slt_r64', false, 'beqz'],
        [BPF.JSLT, 'slt_r64', false, 'bnez'], [BPF.JSLE, 'slt_r64', true, 'beqz'],
      ] as const).map(([o, f, swapped, b]) =>
        c([o], [
          swapped ? call(f, regArg(M.t6), pairArg('src'), pairArg('dst')) : call(f, regArg(M.t6), pairArg('dst'), pairArg('src')),
          branchIf(b, M.t6),
        ])),
    ],
  },
]);

export const jmpPlans: Plan[] = [jmpI, jmpR, jmp32K, jmp32X, sltiuR64, sltuR64, sltiR64, sltR64, jmp64K, jmp64X];
