// The `johan` preset's loads, stores, atomics and kernel-function calls: mainline's
// emit_ldx, emit_stx, emit_atomic_r/emit_cmpxchg_r (ll/sc), emit_atomic_r64,
// emit_cmpxchg_r64 and emit_divmod_r64. Caller-saved registers are pushed and popped by
// the core (mainline's push_regs/pop_regs over `ctx->clobbered`, a pass-dynamic mask).
import { bin, emit, hi, lo, param, plan, rparam, when, type CExpr, type Plan, type RegExpr, type Stmt } from '../../dsl.ts';
import { M } from '../../regs.ts';
import { BPF, clobber, imm, memOrder, movi, movSe, off, op, zext } from './common.ts';

const size = param('size');
const kcall = (fn: string): Stmt => ({ k: 'kcall', fn });
const decline = (why: string): Stmt => ({ k: 'decline', why });

export const ldx: Plan = plan('ldx', 'dst = *(size *)(src + off)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'reg' },
  { name: 'off', type: 's16' },
  { name: 'size', type: 'u8' },
], [
  {
    k: 'switch',
    on: size,
    cases: [
      ...([[BPF.B, 'lbu'], [BPF.H, 'lhu'], [BPF.W, 'lw']] as const).map(([s, f]) => ({
        labels: [s],
        body: [emit(f, lo('dst'), off, rparam('src')), emit('move', hi('dst'), M.zero)],
      })),
      {
        labels: [BPF.DW],
        body: [
          note('load the word at off last when its register is the base'),
          memOrder('dst', (first, second) => [
            when({ k: 'same', a: first, b: rparam('src') }, [
              emit('lw', second, bin('+', off, 4), rparam('src')),
              emit('lw', first, off, rparam('src')),
            ], [
              emit('lw', first, off, rparam('src')),
              emit('lw', second, bin('+', off, 4), rparam('src')),
            ]),
          ]),
        ],
      },
    ],
  },
  clobber(lo('dst'), hi('dst')),
]);

function note(text: string): Stmt {
  return { k: 'note', text };
}

/** *(size *)(dst + off) = src, dst one register. */
export const stx: Plan = plan('stx', '*(size *)(dst + off) = src', [
  { name: 'dst', type: 'reg' },
  { name: 'src', type: 'pair' },
  { name: 'off', type: 's16' },
  { name: 'size', type: 'u8' },
], [
  {
    k: 'switch',
    on: size,
    cases: [
      ...([[BPF.B, 'sb'], [BPF.H, 'sh'], [BPF.W, 'sw']] as const).map(([s, f]) => ({
        labels: [s],
        body: [emit(f, lo('src'), off, rparam('dst'))],
      })),
      {
        labels: [BPF.DW],
        body: [memOrder('src', (first, second) => [
          emit('sw', first, off, rparam('dst')),
          emit('sw', second, bin('+', off, 4), rparam('dst')),
        ])],
      },
    ],
  },
]);

/** ST: the constant goes into the temporary pair first, then as STX. */
export const st: Plan = plan('st', '*(size *)(dst + off) = imm', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'off', type: 's16' },
  { name: 'size', type: 'u8' },
], [
  when(bin('==', size, BPF.DW), [movSe('tmp', imm)], [movi(lo('tmp'), imm)]),
  { k: 'call', plan: 'stx', args: [{ k: 'reg', reg: lo('dst') }, { k: 'pair', pair: 'tmp' }, { k: 'val', v: off }, { k: 'val', v: size }] },
]);

// ---- atomics ----

const RMW_CODES = [0x00, 0x01, 0x50, 0x51, 0x40, 0x41, 0xa0, 0xa1, 0xe1];
const isRmw: CExpr = RMW_CODES.map((k) => bin('==', imm, k)).reduce((a, b) => bin('||', a, b));
const NOT_YET = 'this atomic operation is not in mainline\'s JIT';

function rmw(src: RegExpr): Stmt {
  return {
    k: 'switch',
    on: imm,
    cases: [
      { labels: [BPF.ADD, { k: 'lit', v: 0x01 }], body: [emit('addu', M.t8, M.t9, src)] },
      { labels: [BPF.AND, { k: 'lit', v: 0x51 }], body: [emit('and', M.t8, M.t9, src)] },
      { labels: [BPF.OR, { k: 'lit', v: 0x41 }], body: [emit('or', M.t8, M.t9, src)] },
      { labels: [BPF.XOR, { k: 'lit', v: 0xa1 }], body: [emit('xor', M.t8, M.t9, src)] },
      { labels: [BPF.XCHG], body: [emit('move', M.t8, src)] },
    ],
  };
}

export const atomic32: Plan = plan('atomic32', 'atomic operation on the u32 at dst + off (ll/sc)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'off', type: 's16' },
  { name: 'imm', type: 's32' },
], [
  when(isRmw, [
    emit('ll', M.t9, off, lo('dst')),
    rmw(lo('src')),
    emit('sc', M.t8, off, lo('dst')),
    emit('beqz', M.t8, -16),
    emit('nop'),
    when(bin('&', imm, BPF.FETCH), [emit('move', lo('src'), M.t9), clobber(lo('src')), zext('src')]),
  ], [
    when(bin('==', imm, BPF.CMPXCHG), [
      emit('ll', M.t9, off, lo('dst')),
      emit('bne', M.t9, lo('r0'), 12),
      emit('move', M.t8, lo('src')),
      emit('sc', M.t8, off, lo('dst')),
      emit('beqz', M.t8, -20),
      emit('move', lo('r0'), M.t9),
      clobber(lo('r0')),
    ], [decline(NOT_YET)]),
  ]),
]);

const ATOMIC64_FN: [number, string][] = [
  [0x00, 'atomic64_add'], [0x01, 'atomic64_fetch_add'],
  [0x50, 'atomic64_and'], [0x51, 'atomic64_fetch_and'],
  [0x40, 'atomic64_or'], [0x41, 'atomic64_fetch_or'],
  [0xa0, 'atomic64_xor'], [0xa1, 'atomic64_fetch_xor'],
  [0xe1, 'jit_xchg64'],
];

export const atomic64: Plan = plan('atomic64', 'atomic operation on the u64 at dst + off (kernel functions)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'off', type: 's16' },
  { name: 'imm', type: 's32' },
], [
  when(isRmw, [
    { k: 'push', except: 'none' },
    note('argument 1: the 64-bit src in a0-a1; argument 2: dst + off in a2'),
    emit('move', M.t9, lo('dst')),
    memOrderRev('r1', 'src'),
    emit('addiu', M.a2, M.t9, off),
    { k: 'switch', on: imm, cases: ATOMIC64_FN.map(([k, fn]) => ({ labels: [{ k: 'lit', v: k }], body: [kcall(fn)] })) },
    when(bin('&', imm, BPF.FETCH), [
      emit('move', lo('src'), lo('r0')),
      emit('move', hi('src'), hi('r0')),
      clobber(lo('src'), hi('src')),
      { k: 'pop', except: 'src' },
    ], [{ k: 'pop', except: 'none' }]),
    clobber(M.ra),
  ], [
    when(bin('==', imm, BPF.CMPXCHG), [
      note('the core pushes at depth 24 here: argument 3 (src) takes the stack slots at 16'),
      { k: 'push', except: 'r0' },
      memOrder('src', (first, second) => [emit('sw', first, 16, M.sp), emit('sw', second, 20, M.sp)]),
      emit('addiu', M.t9, lo('dst'), off),
      memOrderRev('r2', 'r0'),
      emit('move', M.a0, M.t9),
      kcall('atomic64_cmpxchg'),
      { k: 'pop', except: 'r0' },
      clobber(M.v0, M.v1, M.ra),
    ], [decline(NOT_YET)]),
  ]),
]);

/**
 * `move to[0], from[0]; move to[1], from[1]` in mainline's map order: element 0 is the
 * word at +4 in memory (the low word on big endian, the high word on little endian).
 */
function memOrderRev(to: string, from: string): Stmt {
  return when({ k: 'target', what: 'be' }, [emit('move', lo(to), lo(from)), emit('move', hi(to), hi(from))], [
    emit('move', hi(to), hi(from)),
    emit('move', lo(to), lo(from)),
  ]);
}

/** emit_divmod_r64: dst = dst / src or dst % src through div64_u64 / jit_mod64. */
export const divmod64: Plan = plan('divmod_r64', 'ALU div/mod register (64-bit)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'op', type: 'u8' },
], [
  { k: 'push', except: 'none' },
  note('the 64-bit arguments in a0-a1 and a2-a3, element by element through t9'),
  when({ k: 'target', what: 'be' }, [...argMoves('lo'), ...argMoves('hi')], [...argMoves('hi'), ...argMoves('lo')]),
  when(bin('==', op, BPF.DIV), [kcall('div64_u64')], [kcall('jit_mod64')]),
  when({ k: 'target', what: 'be' }, [emit('move', lo('dst'), lo('r0')), emit('move', hi('dst'), hi('r0'))], [
    emit('move', hi('dst'), hi('r0')),
    emit('move', lo('dst'), lo('r0')),
  ]),
  { k: 'pop', except: 'dst' },
  clobber(lo('dst'), hi('dst'), M.v0, M.v1, M.ra),
]);

function argMoves(half: 'lo' | 'hi'): Stmt[] {
  const h = half === 'lo' ? lo : hi;
  return [emit('move', M.t9, h('src')), emit('move', h('r1'), h('dst')), emit('move', h('r2'), M.t9)];
}

export const memPlans: Plan[] = [ldx, stx, st, atomic32, atomic64, divmod64];
