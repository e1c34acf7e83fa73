// Loads and stores. Pointers are 32 bits: the address is lo(src) + off. A 64-bit access
// is two word accesses ordered by the target's byte order; the word whose register is
// also the base is loaded last. An offset too large for off + 4 goes through t9.
import { bin, emit, hi, isBE, lit, lo, note, param, plan, same, when, type CExpr, type Plan, type RegExpr, type Stmt } from '../dsl.ts';
import { M } from '../regs.ts';
import { BPF, imm, isS16, movi, off, zext } from './common.ts';

const size = param('size');
const sign = param('sign');

/** Byte offsets of the high and low word of a 64-bit value at `o`. */
function wordOffsets(o: CExpr) {
  return {
    hiOff: (be: boolean) => (be ? o : bin('+', o, 4)),
    loOff: (be: boolean) => (be ? bin('+', o, 4) : o),
  };
}

/** Load the 64-bit value at base + o into dst, in an order safe when dst overlaps base. */
function load64(base: RegExpr, o: CExpr): Stmt[] {
  const { hiOff, loOff } = wordOffsets(o);
  const order = (be: boolean): Stmt[] => [
    when(same(lo('dst'), base), [
      emit('lw', hi('dst'), hiOff(be), base),
      emit('lw', lo('dst'), loOff(be), base),
    ], [
      emit('lw', lo('dst'), loOff(be), base),
      emit('lw', hi('dst'), hiOff(be), base),
    ]),
  ];
  return [when(isBE, order(true), order(false))];
}

/** Where the access goes: (base, offset) usable by both words of a 64-bit access. */
function withBase(body: (base: RegExpr, o: CExpr) => Stmt[]): Stmt[] {
  return [
    when(bin('>', off, 0x7fff - 4), [
      note('off + 4 would not fit the offset field: form the address first'),
      emit('addiu', M.t9, lo('src'), off),
      ...body(M.t9, lit(0)),
    ], body(lo('src'), off)),
  ];
}

export const ldx: Plan = plan('ldx', 'dst = *(size *)(src + off), zero- or sign-extended', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'off', type: 's16' },
  { name: 'size', type: 'u8' },
  { name: 'sign', type: 'bool' },
], [
  {
    k: 'switch',
    on: size,
    cases: [
      { labels: [BPF.DW], body: withBase(load64) },
      {
        labels: [BPF.W],
        body: [emit('lw', lo('dst'), off, lo('src')), when(sign, [emit('sra', hi('dst'), lo('dst'), 31)], [zext('dst')])],
      },
      {
        labels: [BPF.H],
        body: [
          when(sign, [
            emit('lh', lo('dst'), off, lo('src')),
            emit('sra', hi('dst'), lo('dst'), 31),
          ], [emit('lhu', lo('dst'), off, lo('src')), zext('dst')]),
        ],
      },
      {
        labels: [BPF.B],
        body: [
          when(sign, [
            emit('lb', lo('dst'), off, lo('src')),
            emit('sra', hi('dst'), lo('dst'), 31),
          ], [emit('lbu', lo('dst'), off, lo('src')), zext('dst')]),
        ],
      },
    ],
  },
]);

/** Store the register pair `v` (or the word `w` for sizes below 64) at dst + off. */
function storeOf(loReg: RegExpr, hiReg: RegExpr): Stmt[] {
  const store64 = (base: RegExpr, o: CExpr): Stmt[] => {
    const { hiOff, loOff } = wordOffsets(o);
    return [
      when(isBE, [emit('sw', hiReg, hiOff(true), base), emit('sw', loReg, loOff(true), base)], [
        emit('sw', loReg, loOff(false), base),
        emit('sw', hiReg, hiOff(false), base),
      ]),
    ];
  };
  return [
    {
      k: 'switch',
      on: size,
      cases: [
        {
          labels: [BPF.DW],
          body: [
            when(bin('>', off, 0x7fff - 4), [
              note('off + 4 would not fit the offset field: form the address first'),
              emit('addiu', M.t8, lo('dst'), off),
              ...store64(M.t8, lit(0)),
            ], store64(lo('dst'), off)),
          ],
        },
        { labels: [BPF.W], body: [emit('sw', loReg, off, lo('dst'))] },
        { labels: [BPF.H], body: [emit('sh', loReg, off, lo('dst'))] },
        { labels: [BPF.B], body: [emit('sb', loReg, off, lo('dst'))] },
      ],
    },
  ];
}

export const stx: Plan = plan('stx', '*(size *)(dst + off) = src', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'off', type: 's16' },
  { name: 'size', type: 'u8' },
], storeOf(lo('src'), hi('src')));

export const st: Plan = plan('st', '*(size *)(dst + off) = imm', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'off', type: 's16' },
  { name: 'size', type: 'u8' },
], [
  note('a zero constant is stored straight from the zero register'),
  when(bin('==', imm, 0), storeOf(M.zero, M.zero), [
    movi(M.t9, imm),
    when(bin('<', imm, 0), [
      emit('addiu', M.t7, M.zero, -1),
      ...storeOf(M.t9, M.t7),
    ], storeOf(M.t9, M.zero)),
  ]),
]);

export const memPlans: Plan[] = [ldx, stx, st];
export { isS16 };
