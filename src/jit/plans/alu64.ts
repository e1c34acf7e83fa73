// BPF_ALU64 on register pairs. Carries and borrows come from sltu; shifts by a register
// amount are branch-free (conditional moves pick the >= 32 case); 64-bit division calls
// kernel functions (the core places the arguments; see core/calls).
import { bin, call, emit, hi, lo, note, pairArg, plan, same, valArg, when, isR6, type Plan, type Stmt } from '../dsl.ts';
import { M } from '../regs.ts';
import { BPF, imm, isS16, isU16, movi, movn, off, op, sextHi } from './common.ts';

const dst = 'dst';
const src = 'src';
const negative = bin('<', imm, 0);
const isZero = bin('==', imm, 0);

/** dst = dst + imm, imm sign-extended to 64 bits. */
const addK: Stmt[] = [
  note('add the low words; the carry out of them goes into the high word'),
  when(isS16(imm), [
    emit('addiu', lo(dst), lo(dst), imm),
    emit('sltiu', M.t9, lo(dst), imm),
  ], [
    movi(M.t8, imm),
    emit('addu', lo(dst), lo(dst), M.t8),
    emit('sltu', M.t9, lo(dst), M.t8),
  ]),
  emit('addu', hi(dst), hi(dst), M.t9),
  note('a negative imm adds all ones to the high word'),
  when(negative, [emit('addiu', hi(dst), hi(dst), -1)]),
];

/** dst = dst - imm, imm sign-extended to 64 bits. */
const subK: Stmt[] = [
  note('the borrow out of the low words comes off the high word'),
  when(isS16(imm), [emit('sltiu', M.t9, lo(dst), imm)], [
    movi(M.t8, imm),
    emit('sltu', M.t9, lo(dst), M.t8),
  ]),
  when(isS16(bin('-', 0, imm)), [emit('addiu', lo(dst), lo(dst), bin('-', 0, imm))], [
    when(isS16(imm), [movi(M.t8, imm)]),
    emit('subu', lo(dst), lo(dst), M.t8),
  ]),
  emit('subu', hi(dst), hi(dst), M.t9),
  when(negative, [emit('addiu', hi(dst), hi(dst), 1)]),
];

/** AND/OR/XOR with a sign-extended constant: the high word sees 0 or all ones. */
function logicK(iform: string, rform: string, highZero: Stmt[], highOnes: Stmt[]): Stmt[] {
  return [
    when(isU16(imm), [emit(iform, lo(dst), lo(dst), imm)], [
      movi(M.t9, imm),
      emit(rform, lo(dst), lo(dst), M.t9),
    ]),
    when(negative, highOnes, highZero),
  ];
}

/** 64-bit shift by a constant amount 0..63. */
function shiftK(kind: 'sll' | 'srl' | 'sra'): Stmt[] {
  const n = bin('&', imm, 63);
  const inner: Stmt[] =
    kind === 'sll'
      ? [
          emit('srl', M.t9, lo(dst), bin('-', 32, n)),
          emit('sll', hi(dst), hi(dst), n),
          emit('or', hi(dst), hi(dst), M.t9),
          emit('sll', lo(dst), lo(dst), n),
        ]
      : [
          emit('sll', M.t9, hi(dst), bin('-', 32, n)),
          emit('srl', lo(dst), lo(dst), n),
          emit('or', lo(dst), lo(dst), M.t9),
          emit(kind, hi(dst), hi(dst), n),
        ];
  const wide: Stmt[] =
    kind === 'sll'
      ? [emit('sll', hi(dst), lo(dst), bin('-', n, 32)), emit('move', lo(dst), M.zero)]
      : kind === 'srl'
        ? [emit('srl', lo(dst), hi(dst), bin('-', n, 32)), emit('move', hi(dst), M.zero)]
        : [emit('sra', lo(dst), hi(dst), bin('-', n, 32)), emit('sra', hi(dst), hi(dst), 31)];
  return [when(bin('==', n, 0), [], [when(bin('<', n, 32), inner, wide)])];
}

/** dst = dst * imm (low 64 bits of the product; imm sign-extended). */
const mulK: Stmt[] = [
  note('hi = hi * imm + high word of lo * imm; a negative imm also subtracts lo'),
  movi(M.t9, imm),
  emit('mul', hi(dst), hi(dst), M.t9),
  when(negative, [emit('subu', hi(dst), hi(dst), lo(dst))]),
  when(isR6, [
    emit('muhu', M.t8, lo(dst), M.t9),
    emit('mul', lo(dst), lo(dst), M.t9),
  ], [
    emit('multu', lo(dst), M.t9),
    emit('mflo', lo(dst)),
    emit('mfhi', M.t8),
  ]),
  emit('addu', hi(dst), hi(dst), M.t8),
];

export const alu64K: Plan = plan('alu64_k', 'dst = dst op imm (64-bit, imm sign-extended)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
  { name: 'off', type: 's16' },
], [
  {
    k: 'switch',
    on: op,
    cases: [
      { labels: [BPF.MOV], body: [movi(lo(dst), imm), sextHi(dst)] },
      // adding, subtracting, or-ing or xor-ing 0 and and-ing all ones change nothing
      { labels: [BPF.ADD], body: [when(isZero, [], addK)] },
      { labels: [BPF.SUB], body: [when(isZero, [], subK)] },
      { labels: [BPF.AND], body: [when(bin('==', imm, -1), [], logicK('andi', 'and', [emit('move', hi(dst), M.zero)], []))] },
      { labels: [BPF.OR], body: [when(isZero, [], logicK('ori', 'or', [], [emit('addiu', hi(dst), M.zero, -1)]))] },
      { labels: [BPF.XOR], body: [when(isZero, [], logicK('xori', 'xor', [], [emit('nor', hi(dst), hi(dst), M.zero)]))] },
      { labels: [BPF.LSH], body: shiftK('sll') },
      { labels: [BPF.RSH], body: shiftK('srl') },
      { labels: [BPF.ARSH], body: shiftK('sra') },
      {
        labels: [BPF.MUL],
        body: [
          note('a product with 0 is 0'),
          when(isZero, [emit('move', lo(dst), M.zero), emit('move', hi(dst), M.zero)], mulK),
        ],
      },
      {
        labels: [BPF.NEG],
        body: [
          note('0 - dst: negate both words, borrow from the high word unless lo was 0'),
          emit('subu', lo(dst), M.zero, lo(dst)),
          emit('sltu', M.t9, M.zero, lo(dst)),
          emit('subu', hi(dst), M.zero, hi(dst)),
          emit('subu', hi(dst), hi(dst), M.t9),
        ],
      },
      {
        labels: [BPF.DIV, BPF.MOD],
        body: [
          note('no 64-bit divider: sign-extend imm into the temporary and call the kernel'),
          movi(lo('tmp'), imm),
          sextHi('tmp'),
          call('divmod64', pairArg(dst), pairArg('tmp'), valArg(op), valArg(off)),
        ],
      },
    ],
  },
]);

/** 64-bit shift by register: amount s = src & 63, branch-free. */
function shiftX(kind: 'sll' | 'srl' | 'sra'): Stmt[] {
  const s = M.t6; // a copy of the amount: src may be dst
  const big = M.t8; // s & 32: the words cross
  const inv = M.t9; // ~s: (31 - s) in the low five bits
  const part = M.t7;
  const v = kind === 'sll' ? 'sllv' : kind === 'srl' ? 'srlv' : 'srav';
  const [from, to] = kind === 'sll' ? [lo(dst), hi(dst)] : [hi(dst), lo(dst)];
  const body: Stmt[] = [
    emit('move', s, lo(src)),
    emit('andi', big, s, 32),
    emit('nor', inv, s, M.zero),
    note('bits that cross words: shift by one first, so that s == 0 moves none'),
    emit(kind === 'sll' ? 'srl' : 'sll', part, from, 1),
    emit(kind === 'sll' ? 'srlv' : 'sllv', part, part, inv),
    emit(kind === 'sll' ? 'sllv' : 'srlv', to, to, s),
    emit('or', to, to, part),
    emit(v, from, from, s),
    note('for s >= 32 the shifted word moves across and the other fills'),
  ];
  if (kind === 'sll') body.push(movn(hi(dst), lo(dst), big, inv), movn(lo(dst), M.zero, big, inv));
  if (kind === 'srl') body.push(movn(lo(dst), hi(dst), big, inv), movn(hi(dst), M.zero, big, inv));
  if (kind === 'sra') {
    body.push(movn(lo(dst), hi(dst), big, inv), emit('sra', part, hi(dst), 31), movn(hi(dst), part, big, inv));
  }
  return body;
}

/** dst = dst * src (low 64 bits). */
const mulX: Stmt[] = [
  note('hi = hi * src.lo + lo * src.hi + high word of lo * src.lo'),
  emit('mul', M.t9, hi(dst), lo(src)),
  emit('mul', M.t8, lo(dst), hi(src)),
  emit('addu', M.t9, M.t9, M.t8),
  when(isR6, [
    emit('muhu', M.t8, lo(dst), lo(src)),
    emit('mul', lo(dst), lo(dst), lo(src)),
  ], [
    emit('multu', lo(dst), lo(src)),
    emit('mflo', lo(dst)),
    emit('mfhi', M.t8),
  ]),
  emit('addu', hi(dst), M.t9, M.t8),
];

export const alu64X: Plan = plan('alu64_x', 'dst = dst op src (64-bit)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'op', type: 'u8' },
  { name: 'off', type: 's16' },
], [
  {
    k: 'switch',
    on: op,
    cases: [
      {
        labels: [BPF.MOV],
        body: [
          note('off selects a sign-extending move (ISA v4 MOVSX)'),
          when(bin('==', off, 8), [emit('seb', lo(dst), lo(src)), sextHi(dst)], [
            when(bin('==', off, 16), [emit('seh', lo(dst), lo(src)), sextHi(dst)], [
              when(bin('==', off, 32), [emit('move', lo(dst), lo(src)), sextHi(dst)], [
                when(same(lo(dst), lo(src)), [], [
                  emit('move', lo(dst), lo(src)),
                  emit('move', hi(dst), hi(src)),
                ]),
              ]),
            ]),
          ]),
        ],
      },
      {
        labels: [BPF.ADD],
        body: [
          note('add the low words; the carry out of them goes into the high word'),
          when(same(lo(dst), lo(src)), [
            emit('srl', M.t9, lo(dst), 31),
            emit('addu', lo(dst), lo(dst), lo(dst)),
          ], [
            emit('addu', lo(dst), lo(dst), lo(src)),
            emit('sltu', M.t9, lo(dst), lo(src)),
          ]),
          emit('addu', hi(dst), hi(dst), hi(src)),
          emit('addu', hi(dst), hi(dst), M.t9),
        ],
      },
      {
        labels: [BPF.SUB],
        body: [
          note('the borrow out of the low words comes off the high word'),
          emit('sltu', M.t9, lo(dst), lo(src)),
          emit('subu', lo(dst), lo(dst), lo(src)),
          emit('subu', hi(dst), hi(dst), hi(src)),
          emit('subu', hi(dst), hi(dst), M.t9),
        ],
      },
      ...(['and', 'or', 'xor'] as const).map((f) => ({
        labels: [{ and: BPF.AND, or: BPF.OR, xor: BPF.XOR }[f]],
        body: [emit(f, lo(dst), lo(dst), lo(src)), emit(f, hi(dst), hi(dst), hi(src))],
      })),
      { labels: [BPF.LSH], body: shiftX('sll') },
      { labels: [BPF.RSH], body: shiftX('srl') },
      { labels: [BPF.ARSH], body: shiftX('sra') },
      { labels: [BPF.MUL], body: mulX },
      { labels: [BPF.DIV, BPF.MOD], body: [call('divmod64', pairArg(dst), pairArg(src), valArg(op), valArg(off))] },
    ],
  },
]);

export const alu64Plans: Plan[] = [alu64K, alu64X];
