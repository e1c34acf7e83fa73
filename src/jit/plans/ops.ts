// Byte swaps, LD_IMM64, 32-bit atomics (native ll/sc) and the operations that call kernel
// functions: 64-bit division and 64-bit atomics. For calls, the core saves the live
// caller-saved BPF registers (`push`) and restores them (`pop`) around the call.
import { bin, emit, hi, isBE, lo, not, note, param, plan, same, when, isR6, type CExpr, type Plan, type Stmt } from '../dsl.ts';
import { M } from '../regs.ts';
import { BPF, imm, movi, off, op } from './common.ts';

const swap = param('swap');

export const endian: Plan = plan('bswap', 'dst = byte-swapped (when swap) and truncated to imm bits', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'swap', type: 'bool' },
], [
  {
    k: 'switch',
    on: imm,
    cases: [
      {
        labels: [{ k: 'lit', v: 16 }],
        body: [
          when(swap, [emit('wsbh', lo('dst'), lo('dst'))]),
          emit('andi', lo('dst'), lo('dst'), 0xffff),
          emit('move', hi('dst'), M.zero),
        ],
      },
      {
        labels: [{ k: 'lit', v: 32 }],
        body: [
          when(swap, [
            note('swap the bytes in each halfword, then the halfwords'),
            emit('wsbh', lo('dst'), lo('dst')),
            emit('rotr', lo('dst'), lo('dst'), 16),
          ]),
          emit('move', hi('dst'), M.zero),
        ],
      },
      {
        labels: [{ k: 'lit', v: 64 }],
        body: [
          when(swap, [
            note('swap each word and exchange the words'),
            emit('wsbh', M.t9, lo('dst')),
            emit('rotr', M.t9, M.t9, 16),
            emit('wsbh', lo('dst'), hi('dst')),
            emit('rotr', lo('dst'), lo('dst'), 16),
            emit('move', hi('dst'), M.t9),
          ]),
        ],
      },
    ],
  },
]);

export const ldImm64: Plan = plan('ld_imm64', 'dst = imm64 (two 32-bit halves)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'imm_hi', type: 's32' },
], [
  movi(lo('dst'), imm),
  movi(hi('dst'), param('imm_hi')),
]);

/** `ll`/`sc` reach only a 9-bit offset on R6: form the address in t7 when off is larger. */
const fitsLl = bin('||', not(isR6), bin('&&', bin('>=', off, -256), bin('<=', off, 255)));

function llsc(body: (base: ReturnType<typeof lo>, o: CExpr) => Stmt[]): Stmt[] {
  return [
    when(fitsLl, body(lo('dst'), off), [
      emit('addiu', M.t7, lo('dst'), off),
      ...body(M.t7, { k: 'lit', v: 0 }),
    ]),
  ];
}

/** The read-modify-write of one BPF atomic op on t8 (old) into t9 (new). */
function rmw(src: ReturnType<typeof lo>): Stmt {
  return {
    k: 'switch',
    on: bin('&', op, 0xf0),
    cases: [
      { labels: [BPF.ADD], body: [emit('addu', M.t9, M.t8, src)] },
      { labels: [BPF.AND], body: [emit('and', M.t9, M.t8, src)] },
      { labels: [BPF.OR], body: [emit('or', M.t9, M.t8, src)] },
      { labels: [BPF.XOR], body: [emit('xor', M.t9, M.t8, src)] },
      { labels: [{ k: 'lit', v: 0xe0 }], body: [emit('move', M.t9, src)] },
    ],
  };
}

export const atomic32: Plan = plan('atomic32', 'atomic op on the u32 at dst + off (ll/sc loop)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'off', type: 's16' },
  { name: 'op', type: 's32' },
], [
  when(bin('==', op, BPF.CMPXCHG), llsc((base, o) => [
    note('r0 = cmpxchg(dst + off, r0, src): give up when the word differs from r0'),
    emit('ll', M.t8, o, base),
    emit('bne', M.t8, lo('r0'), 12),
    emit('move', M.t9, lo('src')),
    emit('sc', M.t9, o, base),
    emit('beqz', M.t9, -20),
    emit('nop'),
    emit('move', lo('r0'), M.t8),
    emit('move', hi('r0'), M.zero),
  ]), llsc((base, o) => [
    note('retry until the store-conditional succeeds'),
    emit('ll', M.t8, o, base),
    rmw(lo('src')),
    emit('sc', M.t9, o, base),
    emit('beqz', M.t9, -16),
    emit('nop'),
    when(bin('&', op, BPF.FETCH), [emit('move', lo('src'), M.t8), emit('move', hi('src'), M.zero)]),
  ])),
]);

/** Copy pair `from` into pair `to`, word by word, skipping what is already in place. */
function movePair(to: string, from: string): Stmt[] {
  return [
    when(same(lo(to), lo(from)), [], [emit('move', lo(to), lo(from))]),
    when(same(hi(to), hi(from)), [], [emit('move', hi(to), hi(from))]),
  ];
}

export const divmod64: Plan = plan('divmod64', 'dst = dst / src or dst % src (64-bit, kernel functions)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'op', type: 'u8' },
  { name: 'off', type: 's16' },
], [
  { k: 'push', except: 'dst' },
  note('O32: the dividend goes in a0-a1, the divisor in a2-a3'),
  emit('move', M.t8, lo('src')),
  emit('move', M.t9, hi('src')),
  ...movePair('arg1', 'dst'),
  emit('move', lo('arg2'), M.t8),
  emit('move', hi('arg2'), M.t9),
  when(bin('==', off, 1), [
    when(bin('==', op, BPF.DIV), [{ k: 'kcall', fn: 'div64_s64' }], [{ k: 'kcall', fn: 'jit_smod64' }]),
  ], [
    when(bin('==', op, BPF.DIV), [{ k: 'kcall', fn: 'div64_u64' }], [{ k: 'kcall', fn: 'jit_mod64' }]),
  ]),
  ...movePair('dst', 'ret'),
  { k: 'pop', except: 'dst' },
]);

/** The kernel function of each 64-bit atomic operation (imm of BPF_ATOMIC). */
const ATOMIC64_FN: [number, string][] = [
  [0x00, 'atomic64_add'],
  [0x01, 'atomic64_fetch_add'],
  [0x50, 'atomic64_and'],
  [0x51, 'atomic64_fetch_and'],
  [0x40, 'atomic64_or'],
  [0x41, 'atomic64_fetch_or'],
  [0xa0, 'atomic64_xor'],
  [0xa1, 'atomic64_fetch_xor'],
  [0xe1, 'jit_xchg64'],
];

export const atomic64: Plan = plan('atomic64', 'atomic op on the u64 at dst + off (kernel functions)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'off', type: 's16' },
  { name: 'op', type: 's32' },
], [
  when(bin('==', op, BPF.CMPXCHG), [
    { k: 'push', except: 'r0' },
    note('r0 = atomic64_cmpxchg(dst + off, r0, src): v in a0, old in a2-a3, new on the stack'),
    emit('addiu', M.t9, lo('dst'), off),
    when(isBE, [emit('sw', hi('src'), 16, M.sp), emit('sw', lo('src'), 20, M.sp)], [
      emit('sw', lo('src'), 16, M.sp),
      emit('sw', hi('src'), 20, M.sp),
    ]),
    ...movePair('arg2', 'r0'),
    emit('move', M.a0, M.t9),
    { k: 'kcall', fn: 'atomic64_cmpxchg' },
    ...movePair('r0', 'ret'),
    { k: 'pop', except: 'r0' },
  ], [
    { k: 'push', except: 'none' },
    note('O32: the 64-bit operand goes in a0-a1, the pointer in a2'),
    emit('addiu', M.t9, lo('dst'), off),
    ...movePair('arg1', 'src'),
    emit('move', M.a2, M.t9),
    {
      k: 'switch',
      on: op,
      cases: ATOMIC64_FN.map(([code, fn]) => ({ labels: [{ k: 'lit', v: code }], body: [{ k: 'kcall', fn }] })),
    },
    note('a fetched old value replaces src, so src is not restored'),
    when(bin('&', op, BPF.FETCH), [...movePair('src', 'ret'), { k: 'pop', except: 'src' }], [
      { k: 'pop', except: 'none' },
    ]),
  ]),
]);

export const opsPlans: Plan[] = [endian, ldImm64, atomic32, divmod64, atomic64];
export { hi, lo, imm };
