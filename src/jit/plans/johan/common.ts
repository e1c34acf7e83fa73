// The `johan` preset's small emitters: mainline's emit_mov_i, emit_mov_r, emit_alu_i,
// emit_alu_r, sign/zero extension and the conditional moves of bpf_jit_comp{,32}.c, as
// plans. Mainline marks the registers it writes explicitly (clobber_reg); the prologue
// saves callee-saved registers and calls save caller-saved ones by those marks only, so
// every plan here states its clobbers exactly where mainline does, no more.
import {
  bin, call, emit, hi, lo, macro, named, not, param, plan, regArg, rparam, same, valArg, verifierZext, when, isR6,
  type CExpr, type Plan, type RegExpr, type Stmt,
} from '../../dsl.ts';
import { M } from '../../regs.ts';
import { BPF, high16, isS16, isU16, low16 } from '../common.ts';

export const imm = param('imm');
export const op = param('op');
export const off = param('off');
const _0 = param('_0');

/** Mainline's internal jump operations (bpf_jit_comp.h). */
export const JIT = {
  JNSET: named('JIT_JNSET', 0xe0),
  JNOP: named('JIT_JNOP', 0xf0),
  JA: named('BPF_JA', 0x00),
} as const;

/** is_power_of_2() on an unsigned long (u32 here). */
export const isPow2 = macro('is_power_of_2', 1, bin('&&', bin('!=', _0, 0), bin('==', bin('&', _0, bin('-', _0, 1)), 0)));

/** ilog2() of a power of two up to 2^30 (what rewrite_alu_i may see): a sum of bit tests. */
export const ilog2 = macro(
  'ilog2',
  1,
  Array.from({ length: 30 }, (_, k) => not(bin('<u', _0, 2 ** (k + 1)))).reduce<CExpr>((a, b) => bin('+', a, b), { k: 'lit', v: 0 }),
);

export const clobber = (...regs: RegExpr[]): Stmt => ({ k: 'clobber', regs });

/** dst = imm: addiu when it fits, lui + ori otherwise (ori even when the low half is 0). */
export const movI: Plan = plan('mov_i', 'dst = imm (register width)', [
  { name: 'dst', type: 'reg' },
  { name: 'imm', type: 's32' },
], [
  when(isS16(imm), [emit('addiu', rparam('dst'), M.zero, imm)], [
    emit('lui', rparam('dst'), high16(imm)),
    emit('ori', rparam('dst'), rparam('dst'), low16(imm)),
  ]),
  clobber(rparam('dst')),
]);

/** dst = src as `ori dst, src, 0`. */
export const movR: Plan = plan('mov_r', 'dst = src (register width)', [
  { name: 'dst', type: 'reg' },
  { name: 'src', type: 'reg' },
], [emit('ori', rparam('dst'), rparam('src'), 0), clobber(rparam('dst'))]);

export const movi = (r: RegExpr, v: CExpr | number): Stmt => call('mov_i', regArg(r), valArg(v));
export const movr = (d: RegExpr, s: RegExpr): Stmt => call('mov_r', regArg(d), regArg(s));

/** dst = imm sign-extended to 64 bits. */
export const movSeI64: Plan = plan('mov_se_i64', 'dst = imm (sign-extended)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
], [
  movi(lo('dst'), imm),
  when(bin('<', imm, 0), [emit('addiu', hi('dst'), M.zero, -1)], [emit('move', hi('dst'), M.zero)]),
  clobber(lo('dst'), hi('dst')),
]);

/** Zero the high word unless the verifier inserts zero extension itself. */
export const zextVer: Plan = plan('zext_ver', 'zero extension, if the verifier does not do it for us', [
  { name: 'dst', type: 'pair' },
], [when(not(verifierZext), [emit('move', hi('dst'), M.zero), clobber(hi('dst'))])]);

/** 32-bit ALU operation with an immediate that fits (after rewrite_alu_i). */
export const aluI: Plan = plan('alu_i', 'ALU immediate operation (32-bit)', [
  { name: 'dst', type: 'reg' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
], [
  {
    k: 'switch',
    on: op,
    cases: [
      { labels: [BPF.NEG], body: [emit('subu', rparam('dst'), M.zero, rparam('dst'))] },
      { labels: [BPF.AND], body: [emit('andi', rparam('dst'), rparam('dst'), low16(imm))] },
      { labels: [BPF.OR], body: [emit('ori', rparam('dst'), rparam('dst'), low16(imm))] },
      { labels: [BPF.XOR], body: [emit('xori', rparam('dst'), rparam('dst'), low16(imm))] },
      { labels: [BPF.LSH], body: [emit('sll', rparam('dst'), rparam('dst'), imm)] },
      { labels: [BPF.RSH], body: [emit('srl', rparam('dst'), rparam('dst'), imm)] },
      { labels: [BPF.ARSH], body: [emit('sra', rparam('dst'), rparam('dst'), imm)] },
      { labels: [BPF.ADD], body: [emit('addiu', rparam('dst'), rparam('dst'), imm)] },
      { labels: [BPF.SUB], body: [emit('addiu', rparam('dst'), rparam('dst'), bin('-', 0, imm))] },
    ],
  },
  clobber(rparam('dst')),
]);

/** 32-bit ALU operation on registers; MUL/DIV/MOD native (R2 through HI/LO). */
export const aluR: Plan = plan('alu_r', 'ALU register operation (32-bit)', [
  { name: 'dst', type: 'reg' },
  { name: 'src', type: 'reg' },
  { name: 'op', type: 'u8' },
], [
  {
    k: 'switch',
    on: op,
    cases: [
      ...([
        [BPF.AND, 'and'], [BPF.OR, 'or'], [BPF.XOR, 'xor'], [BPF.LSH, 'sllv'], [BPF.RSH, 'srlv'], [BPF.ARSH, 'srav'],
        [BPF.ADD, 'addu'], [BPF.SUB, 'subu'], [BPF.MUL, 'mul'],
      ] as const).map(([o, f]) => ({ labels: [o], body: [emit(f, rparam('dst'), rparam('dst'), rparam('src'))] })),
      {
        labels: [BPF.DIV],
        body: [when(isR6, [emit('divu_r6', rparam('dst'), rparam('dst'), rparam('src'))], [
          emit('divu', rparam('dst'), rparam('src')),
          emit('mflo', rparam('dst')),
        ])],
      },
      {
        labels: [BPF.MOD],
        body: [when(isR6, [emit('modu', rparam('dst'), rparam('dst'), rparam('src'))], [
          emit('divu', rparam('dst'), rparam('src')),
          emit('mfhi', rparam('dst')),
        ])],
      },
    ],
  },
  clobber(rparam('dst')),
]);

export const aluI_ = (d: RegExpr, v: CExpr | number, o: CExpr): Stmt => call('alu_i', regArg(d), valArg(v), valArg(o));
export const aluR_ = (d: RegExpr, s: RegExpr, o: CExpr): Stmt => call('alu_r', regArg(d), regArg(s), valArg(o));

/**
 * rd = rt != 0 ? rs : rd (emit_movn_r); R6 emulates it with selnez/seleqz and, unless rs
 * is zero, modifies rs. emit_movz_r likewise for rt == 0.
 */
function condMove(name: string, keep: 'selnez' | 'seleqz', drop: 'selnez' | 'seleqz', r2op: string): Plan {
  const rd = rparam('rd');
  const rs = rparam('rs');
  const rt = rparam('rt');
  const rsIsZero = same(rs, M.zero);
  return plan(name, `conditional ${r2op} or its R6 equivalent; rs may be modified`, [
    { name: 'rd', type: 'reg' },
    { name: 'rs', type: 'reg' },
    { name: 'rt', type: 'reg' },
  ], [
    when(isR6, [
      when(not(rsIsZero), [emit(keep, rs, rs, rt)]),
      emit(drop, rd, rd, rt),
      when(not(rsIsZero), [emit('or', rd, rd, rs)]),
    ], [emit(r2op, rd, rs, rt)]),
    clobber(rd, rs),
  ]);
}
export const movnR = condMove('movn_r', 'selnez', 'seleqz', 'movn');
export const movzR = condMove('movz_r', 'seleqz', 'selnez', 'movz');
export const movn = (rd: RegExpr, rs: RegExpr, rt: RegExpr): Stmt => call('movn_r', regArg(rd), regArg(rs), regArg(rt));
export const movz = (rd: RegExpr, rs: RegExpr, rt: RegExpr): Stmt => call('movz_r', regArg(rd), regArg(rs), regArg(rt));

/** `op == a || op == b ...` */
export function opIn(on: CExpr, ...values: CExpr[]): CExpr {
  return values.map((v) => bin('==', on, v)).reduce((a, b) => bin('||', a, b));
}

/**
 * The word of a pair at the lower address, and the other: mainline's `reg[1]` and
 * `reg[0]` (its map lists each pair as {word at +4, word at +0} in memory order).
 */
export function memOrder(pair: string, body: (first: RegExpr, second: RegExpr) => Stmt[]): Stmt {
  return when({ k: 'target', what: 'be' }, body(hi(pair), lo(pair)), body(lo(pair), hi(pair)));
}

export { isS16, isU16, low16, high16, BPF, zextVer as _zextVer };
export const zext = (pair: string): Stmt => call('zext_ver', { k: 'pair', pair });
export const movSe = (pair: string, v: CExpr): Stmt => call('mov_se_i64', { k: 'pair', pair }, valArg(v));

export const commonPlans: Plan[] = [movI, movR, movSeI64, zextVer, aluI, aluR, movnR, movzR];
