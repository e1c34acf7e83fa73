// Plans and C helpers shared by every plan family: constants, conditional moves, zero
// extension. Each is one small emitter function in the rendered C.
import {
  bin, call, emit, hi, lit, lo, macro, named, not, note, param, plan, regArg, rparam, valArg, verifierZext, when,
  isR6, type CExpr, type Plan, type RegExpr, type Stmt,
} from '../dsl.ts';
import { M } from '../regs.ts';

const _0 = param('_0');
const _1 = param('_1');

/** `imm` fits a signed 16-bit immediate field. */
export const isS16 = macro('is_s16', 1, bin('&&', bin('>=', _0, -0x8000), bin('<=', _0, 0x7fff)));
/** `imm` fits an unsigned 16-bit immediate field (andi/ori/xori). */
export const isU16 = macro('is_u16', 1, bin('&&', bin('>=', _0, 0), bin('<=', _0, 0xffff)));
/**
 * Low and high halfwords of a 32-bit constant, as the field values of ori and lui. The
 * high one is sign-extended: uasm's lui takes a signed 16-bit field and WARNs (at run
 * time, in the kernel) on 0x8000 and above, though it encodes the same word.
 */
export const low16 = macro('low16', 1, bin('&', _0, 0xffff));
export const high16 = macro('high16', 1, bin('>>', _0, 16));
export const bpfOp = macro('BPF_OP', 1, bin('&', _0, 0xf0));
export const bpfSize = macro('BPF_SIZE', 1, bin('&', _0, 0x18));
export const bpfMode = macro('BPF_MODE', 1, bin('&', _0, 0xe0));
void _1;

/** BPF operation codes as plans name them (printed by their uapi names). */
export const BPF = {
  ADD: named('BPF_ADD', 0x00),
  SUB: named('BPF_SUB', 0x10),
  MUL: named('BPF_MUL', 0x20),
  DIV: named('BPF_DIV', 0x30),
  OR: named('BPF_OR', 0x40),
  AND: named('BPF_AND', 0x50),
  LSH: named('BPF_LSH', 0x60),
  RSH: named('BPF_RSH', 0x70),
  NEG: named('BPF_NEG', 0x80),
  MOD: named('BPF_MOD', 0x90),
  XOR: named('BPF_XOR', 0xa0),
  MOV: named('BPF_MOV', 0xb0),
  ARSH: named('BPF_ARSH', 0xc0),
  JEQ: named('BPF_JEQ', 0x10),
  JGT: named('BPF_JGT', 0x20),
  JGE: named('BPF_JGE', 0x30),
  JSET: named('BPF_JSET', 0x40),
  JNE: named('BPF_JNE', 0x50),
  JSGT: named('BPF_JSGT', 0x60),
  JSGE: named('BPF_JSGE', 0x70),
  JLT: named('BPF_JLT', 0xa0),
  JLE: named('BPF_JLE', 0xb0),
  JSLT: named('BPF_JSLT', 0xc0),
  JSLE: named('BPF_JSLE', 0xd0),
  B: named('BPF_B', 0x10),
  H: named('BPF_H', 0x08),
  W: named('BPF_W', 0x00),
  DW: named('BPF_DW', 0x18),
  FETCH: named('BPF_FETCH', 0x01),
  XCHG: named('BPF_XCHG', 0xe1),
  CMPXCHG: named('BPF_CMPXCHG', 0xf1),
} as const;

export const imm = param('imm');
export const off = param('off');
export const op = param('op');

/** `op == X || op == Y ...` */
export function opIs(on: CExpr, ...values: CExpr[]): CExpr {
  return values.map((v) => bin('==', on, v)).reduce((a, b) => bin('||', a, b));
}

/** Load a 32-bit constant into one register, in as few instructions as it takes. */
export const movI: Plan = plan('mov_i', 'reg = imm (a 32-bit constant)', [
  { name: 'reg', type: 'reg' },
  { name: 'imm', type: 's32' },
], [
  when(isS16(imm), [emit('addiu', rparam('reg'), M.zero, imm)], [
    when(isU16(imm), [emit('ori', rparam('reg'), M.zero, imm)], [
      emit('lui', rparam('reg'), high16(imm)),
      when(bin('!=', low16(imm), 0), [emit('ori', rparam('reg'), rparam('reg'), low16(imm))]),
    ]),
  ]),
]);

/** Helper call of `mov_i`. */
export function movi(reg: RegExpr, value: CExpr | number): Stmt {
  return call('mov_i', regArg(reg), valArg(value));
}

/**
 * rd = rt != 0 ? rs : rd. R2 has movn; R6 replaced it with selnez/seleqz, which need a
 * scratch register to merge the two halves.
 */
export const movN: Plan = plan('movn_r', 'rd = (rt != 0) ? rs : rd, on any ISA', [
  { name: 'rd', type: 'reg' },
  { name: 'rs', type: 'reg' },
  { name: 'rt', type: 'reg' },
  { name: 'tmp', type: 'reg' },
], [
  when(isR6, [
    emit('seleqz', rparam('rd'), rparam('rd'), rparam('rt')),
    emit('selnez', rparam('tmp'), rparam('rs'), rparam('rt')),
    emit('or', rparam('rd'), rparam('rd'), rparam('tmp')),
  ], [emit('movn', rparam('rd'), rparam('rs'), rparam('rt'))]),
]);


export function movn(rd: RegExpr, rs: RegExpr, rt: RegExpr, tmp: RegExpr): Stmt {
  return call('movn_r', regArg(rd), regArg(rs), regArg(rt), regArg(tmp));
}

/** Zero the high word after a 32-bit operation, unless the verifier inserts zext itself. */
export function zext(pair: string): Stmt {
  return when(not(verifierZext), [emit('move', hi(pair), M.zero)]);
}

/** hi = sign of lo (sign-extend a 32-bit value held in lo into the pair). */
export function sextHi(pair: string): Stmt {
  return emit('sra', hi(pair), lo(pair), 31);
}

export const commonPlans: Plan[] = [movI, movN];

export { lit, note };
