// The `johan` preset's ALU and ALU64 plans: what mainline's bpf_jit_comp32.c emits for
// each operation (build_insn's ALU cases with valid_alu_i/rewrite_alu_i of
// bpf_jit_comp.c, emit_alu_i64, emit_alu_r64, emit_shift_{i,r}64, emit_mul_{i,r}64,
// emit_neg_i64, emit_bswap_r64, emit_trunc_r64). ISA v4 forms (MOVSX, SDIV/SMOD) are
// declined: mainline ignores `off` and miscompiles them, which is measured on its real
// C elsewhere, not imitated here.
import { bin, call, emit, hi, lo, not, pairArg, plan, regArg, rparam, same, valArg, when, isR6, type CExpr, type Plan, type RegExpr, type Stmt } from '../../dsl.ts';
import { M } from '../../regs.ts';
import {
  BPF, aluI_, aluR_, clobber, ilog2, imm, isPow2, isS16, isU16, movi, movr, movSe, off, op, opIn, zext,
} from './common.ts';

const dst = 'dst';
const src = 'src';
const V4_MOVSX = 'ISA v4 sign-extending moves (MOVSX) are not in mainline\'s JIT (it ignores off)';
const V4_SDIV = 'ISA v4 signed division and modulo (SDIV/SMOD) are not in mainline\'s JIT (it ignores off)';
const declineIf = (c: CExpr, why: string): Stmt => when(c, [{ k: 'decline', why }]);
const signedDiv = bin('&&', opIn(op, BPF.DIV, BPF.MOD), bin('!=', off, 0));

/** valid_alu_i: may the immediate form be emitted (after rewriting)? */
const validAluI = bin('||',
  bin('||',
    opIn(op, BPF.NEG, BPF.LSH, BPF.RSH, BPF.ARSH),
    bin('||', bin('&&', bin('==', op, BPF.ADD), isS16(imm)),
      bin('&&', bin('==', op, BPF.SUB), bin('&&', bin('>=', imm, -0x7fff), bin('<=', imm, 0x8000))))),
  bin('||',
    bin('&&', opIn(op, BPF.AND, BPF.OR, BPF.XOR), isU16(imm)),
    bin('||',
      bin('&&', bin('==', op, BPF.MUL), bin('||', bin('==', imm, 0), bin('&&', bin('>', imm, 0), isPow2(imm)))),
      bin('&&', opIn(op, BPF.DIV, BPF.MOD), bin('&&', not(bin('<u', 0x10000, imm)), isPow2(imm))))));

/** rewrite_alu_i and emit_alu_i: the immediate form, with degenerate cases dropped. */
const rewritten: Stmt = {
  k: 'switch',
  on: op,
  cases: [
    { labels: [BPF.LSH, BPF.RSH, BPF.ARSH, BPF.ADD, BPF.SUB, BPF.OR, BPF.XOR], body: [when(bin('!=', imm, 0), [aluI_(lo(dst), imm, op)])] },
    { labels: [BPF.AND, BPF.NEG], body: [aluI_(lo(dst), imm, op)] },
    {
      labels: [BPF.MUL],
      body: [when(bin('==', imm, 1), [], [
        when(bin('==', imm, 0), [aluI_(lo(dst), 0, BPF.AND)], [aluI_(lo(dst), ilog2(imm), BPF.LSH)]),
      ])],
    },
    { labels: [BPF.DIV], body: [when(bin('==', imm, 1), [], [aluI_(lo(dst), ilog2(imm), BPF.RSH)])] },
    { labels: [BPF.MOD], body: [aluI_(lo(dst), bin('-', imm, 1), BPF.AND)] },
  ],
};

export const alu32K: Plan = plan('alu32_k', 'dst = (u32)(dst op imm)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
  { name: 'off', type: 's16' },
], [
  declineIf(signedDiv, V4_SDIV),
  when(bin('==', op, BPF.MOV), [movi(lo(dst), imm)], [
    when(not(validAluI), [movi(M.t6, imm), aluR_(lo(dst), M.t6, op)], [rewritten]),
  ]),
  zext(dst),
]);

export const alu32X: Plan = plan('alu32_x', 'dst = (u32)(dst op src)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'op', type: 'u8' },
  { name: 'off', type: 's16' },
  { name: 'imm', type: 's32' },
], [
  when(bin('==', op, BPF.MOV), [
    declineIf(bin('!=', off, 0), V4_MOVSX),
    // imm == 1 marks the verifier's zero-extension move
    when(bin('==', imm, 1), [movi(hi(dst), 0)], [movr(lo(dst), lo(src)), zext(dst)]),
  ], [declineIf(signedDiv, V4_SDIV), aluR_(lo(dst), lo(src), op), zext(dst)]),
]);

// ---- ALU64 ----

/** emit_alu_i64 after its ADD/SUB inversion: the immediate goes through t6. */
const aluI64Body: Plan = plan('alu_i64_body', 'ALU immediate operation (64-bit), imm in t6', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
], [
  movi(M.t6, imm),
  {
    k: 'switch',
    on: op,
    cases: [
      {
        labels: [BPF.ADD],
        body: [
          emit('addu', lo(dst), lo(dst), M.t6),
          emit('sltu', M.t9, lo(dst), M.t6),
          emit('addu', hi(dst), hi(dst), M.t9),
          when(bin('<', imm, 0), [emit('addiu', hi(dst), hi(dst), -1)]),
        ],
      },
      {
        labels: [BPF.SUB],
        body: [
          emit('sltu', M.t9, lo(dst), M.t6),
          emit('subu', lo(dst), lo(dst), M.t6),
          emit('subu', hi(dst), hi(dst), M.t9),
          when(bin('<', imm, 0), [emit('addiu', hi(dst), hi(dst), 1)]),
        ],
      },
      { labels: [BPF.OR], body: [emit('or', lo(dst), lo(dst), M.t6), when(bin('<', imm, 0), [emit('addiu', hi(dst), M.zero, -1)])] },
      { labels: [BPF.AND], body: [emit('and', lo(dst), lo(dst), M.t6), when(bin('>=', imm, 0), [emit('move', hi(dst), M.zero)])] },
      {
        labels: [BPF.XOR],
        body: [
          emit('xor', lo(dst), lo(dst), M.t6),
          when(bin('<', imm, 0), [emit('subu', hi(dst), M.zero, hi(dst)), emit('addiu', hi(dst), hi(dst), -1)]),
        ],
      },
    ],
  },
  clobber(lo(dst), hi(dst)),
]);

/** emit_alu_i64: ADD/SUB of a negative imm (but S32_MIN) become SUB/ADD of -imm. */
const aluI64: Plan = plan('alu_i64', 'ALU immediate operation (64-bit)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
], [
  when(bin('&&', bin('&&', bin('>', imm, -0x80000000), bin('<', imm, 0)), opIn(op, BPF.ADD, BPF.SUB)), [
    when(bin('==', op, BPF.ADD), [call('alu_i64_body', pairArg(dst), valArg(bin('-', 0, imm)), valArg(BPF.SUB))], [
      call('alu_i64_body', pairArg(dst), valArg(bin('-', 0, imm)), valArg(BPF.ADD)),
    ]),
  ], [call('alu_i64_body', pairArg(dst), valArg(imm), valArg(op))]),
]);

const negI64: Plan = plan('neg_i64', 'dst = -dst (64-bit)', [{ name: 'dst', type: 'pair' }], [
  emit('sltu', M.t9, M.zero, lo(dst)),
  emit('subu', lo(dst), M.zero, lo(dst)),
  emit('subu', hi(dst), M.zero, hi(dst)),
  emit('subu', hi(dst), hi(dst), M.t9),
  clobber(lo(dst), hi(dst)),
]);

function shiftI(kind: 'LSH' | 'RSH' | 'ARSH'): Stmt[] {
  const small = bin('<u', imm, 32);
  const n = imm;
  if (kind === 'LSH') {
    return [when(small, [
      emit('srl', M.t9, lo(dst), bin('-', 32, n)),
      emit('sll', lo(dst), lo(dst), n),
      emit('sll', hi(dst), hi(dst), n),
      emit('or', hi(dst), hi(dst), M.t9),
    ], [emit('sll', hi(dst), lo(dst), bin('-', n, 32)), emit('move', lo(dst), M.zero)])];
  }
  const hiOp = kind === 'RSH' ? 'srl' : 'sra';
  return [when(small, [
    emit('sll', M.t9, hi(dst), bin('-', 32, n)),
    emit('srl', lo(dst), lo(dst), n),
    emit(hiOp, hi(dst), hi(dst), n),
    emit('or', lo(dst), lo(dst), M.t9),
  ], kind === 'RSH'
    ? [emit('srl', lo(dst), hi(dst), bin('-', n, 32)), emit('move', hi(dst), M.zero)]
    : [emit('sra', lo(dst), hi(dst), bin('-', n, 32)), emit('sra', hi(dst), hi(dst), 31)])];
}

const shiftI64: Plan = plan('shift_i64', 'ALU shift immediate (64-bit)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 'u32' },
  { name: 'op', type: 'u8' },
], [
  {
    k: 'switch',
    on: op,
    cases: [
      { labels: [BPF.LSH], body: shiftI('LSH') },
      { labels: [BPF.RSH], body: shiftI('RSH') },
      { labels: [BPF.ARSH], body: shiftI('ARSH') },
    ],
  },
  clobber(lo(dst), hi(dst)),
]);

/** emit_shift_r64: branch on src & 32 over the two cases (taken branch offsets in bytes). */
function shiftR(kind: 'LSH' | 'RSH' | 'ARSH', s: RegExpr): Stmt[] {
  const t1 = M.t8;
  const t2 = M.t9;
  if (kind === 'LSH') {
    return [
      emit('sllv', hi(dst), lo(dst), s),
      emit('move', lo(dst), M.zero),
      emit('b', 20),
      emit('srl', t1, lo(dst), 1),
      emit('srlv', t1, t1, t2),
      emit('sllv', lo(dst), lo(dst), s),
      emit('sllv', hi(dst), hi(dst), s),
      emit('or', hi(dst), hi(dst), t1),
    ];
  }
  const arith = kind === 'ARSH';
  return [
    emit(arith ? 'srav' : 'srlv', lo(dst), hi(dst), s),
    arith ? emit('sra', hi(dst), hi(dst), 31) : emit('move', hi(dst), M.zero),
    emit('b', 20),
    emit('sll', t1, hi(dst), 1),
    emit('sllv', t1, t1, t2),
    emit('srlv', lo(dst), lo(dst), s),
    emit(arith ? 'srav' : 'srlv', hi(dst), hi(dst), s),
    emit('or', lo(dst), lo(dst), t1),
  ];
}

const shiftR64: Plan = plan('shift_r64', 'ALU shift register (64-bit)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'reg' },
  { name: 'op', type: 'u8' },
], [
  emit('andi', M.t8, rparam('src'), 32),
  emit('beqz', M.t8, 16),
  emit('nor', M.t9, rparam('src'), M.zero),
  {
    k: 'switch',
    on: op,
    cases: [
      { labels: [BPF.LSH], body: shiftR('LSH', rparam('src')) },
      { labels: [BPF.RSH], body: shiftR('RSH', rparam('src')) },
      { labels: [BPF.ARSH], body: shiftR('ARSH', rparam('src')) },
    ],
  },
  clobber(lo(dst), hi(dst)),
]);

/** tmp = high word of lo * x, lo = low word (muhu + mulu on R6, multu on R2). */
function mulLo(x: RegExpr, tmp: RegExpr): Stmt {
  return when(isR6, [emit('muhu', tmp, lo(dst), x), emit('mulu', lo(dst), lo(dst), x)], [
    emit('multu', lo(dst), x),
    emit('mflo', lo(dst)),
    emit('mfhi', tmp),
  ]);
}

const mulI64: Plan = plan('mul_i64', 'ALU mul immediate (64x32-bit)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
], [
  when(bin('==', imm, 1), [], [
    when(bin('==', imm, -1), [call('neg_i64', pairArg(dst))], [
      when(bin('==', imm, 0), [movr(lo(dst), M.zero), movr(hi(dst), M.zero)], [
        movi(M.t6, imm),
        emit('mul', hi(dst), hi(dst), M.t6),
        when(bin('<', imm, 0), [emit('subu', hi(dst), hi(dst), lo(dst))]),
        mulLo(M.t6, M.t9),
        emit('addu', hi(dst), hi(dst), M.t9),
        clobber(lo(dst), hi(dst)),
      ]),
    ]),
  ]),
]);

const mulR64: Plan = plan('mul_r64', 'ALU mul register (64x64-bit)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
], [
  emit('mul', M.t8, hi(dst), lo(src)),
  emit('mul', M.t9, lo(dst), hi(src)),
  emit('addu', M.t8, M.t8, M.t9),
  mulLo(lo(src), M.t9),
  emit('addu', hi(dst), M.t8, M.t9),
  clobber(lo(dst), hi(dst)),
]);

export const alu64K: Plan = plan('alu64_k', 'dst = dst op imm (64-bit, imm sign-extended)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
  { name: 'off', type: 's16' },
], [
  declineIf(signedDiv, V4_SDIV),
  {
    k: 'switch',
    on: op,
    cases: [
      { labels: [BPF.MOV], body: [movSe(dst, imm)] },
      { labels: [BPF.NEG], body: [call('neg_i64', pairArg(dst))] },
      { labels: [BPF.AND], body: [call('alu_i64', pairArg(dst), valArg(imm), valArg(op))] },
      { labels: [BPF.OR, BPF.XOR, BPF.ADD, BPF.SUB], body: [when(bin('!=', imm, 0), [call('alu_i64', pairArg(dst), valArg(imm), valArg(op))])] },
      { labels: [BPF.LSH, BPF.RSH, BPF.ARSH], body: [when(bin('!=', imm, 0), [call('shift_i64', pairArg(dst), valArg(imm), valArg(op))])] },
      { labels: [BPF.MUL], body: [call('mul_i64', pairArg(dst), valArg(imm))] },
      {
        labels: [BPF.DIV, BPF.MOD],
        body: [movSe('tmp', imm), call('divmod_r64', pairArg(dst), pairArg('tmp'), valArg(op))],
      },
    ],
  },
]);

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
      { labels: [BPF.MOV], body: [declineIf(bin('!=', off, 0), V4_MOVSX), movr(lo(dst), lo(src)), movr(hi(dst), hi(src))] },
      {
        labels: [BPF.ADD],
        body: [
          when(same(lo(dst), lo(src)), [
            emit('srl', M.t9, lo(dst), 31),
            emit('addu', lo(dst), lo(dst), lo(dst)),
          ], [
            emit('addu', lo(dst), lo(dst), lo(src)),
            emit('sltu', M.t9, lo(dst), lo(src)),
          ]),
          emit('addu', hi(dst), hi(dst), hi(src)),
          emit('addu', hi(dst), hi(dst), M.t9),
          clobber(lo(dst), hi(dst)),
        ],
      },
      {
        labels: [BPF.SUB],
        body: [
          emit('sltu', M.t9, lo(dst), lo(src)),
          emit('subu', lo(dst), lo(dst), lo(src)),
          emit('subu', hi(dst), hi(dst), hi(src)),
          emit('subu', hi(dst), hi(dst), M.t9),
          clobber(lo(dst), hi(dst)),
        ],
      },
      ...([[BPF.OR, 'or'], [BPF.AND, 'and'], [BPF.XOR, 'xor']] as const).map(([o, f]) => ({
        labels: [o],
        body: [emit(f, lo(dst), lo(dst), lo(src)), emit(f, hi(dst), hi(dst), hi(src)), clobber(lo(dst), hi(dst))],
      })),
      { labels: [BPF.LSH, BPF.RSH, BPF.ARSH], body: [call('shift_r64', pairArg(dst), regArg(lo(src)), valArg(op))] },
      { labels: [BPF.MUL], body: [call('mul_r64', pairArg(dst), pairArg(src))] },
      { labels: [BPF.DIV, BPF.MOD], body: [declineIf(signedDiv, V4_SDIV), call('divmod_r64', pairArg(dst), pairArg(src), valArg(op))] },
    ],
  },
]);

// ---- byte swaps (R2 and R6 both have wsbh/rotr: mainline's pre-R2 fallback never runs) ----

const bswapR: Plan = plan('bswap_r', 'swap bytes and truncate a register word or half word', [
  { name: 'dst', type: 'reg' },
  { name: 'width', type: 'u32' },
], [
  {
    k: 'switch',
    on: { k: 'param', name: 'width' },
    cases: [
      { labels: [{ k: 'lit', v: 32 }], body: [emit('wsbh', rparam('dst'), rparam('dst')), emit('rotr', rparam('dst'), rparam('dst'), 16)] },
      { labels: [{ k: 'lit', v: 16 }], body: [emit('wsbh', rparam('dst'), rparam('dst')), emit('andi', rparam('dst'), rparam('dst'), 0xffff)] },
    ],
  },
  clobber(rparam('dst')),
]);

export const endian: Plan = plan('end', 'dst = byte-swapped (when swap) and truncated to imm bits', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'swap', type: 'bool' },
], [
  when({ k: 'param', name: 'swap' }, [
    {
      k: 'switch',
      on: imm,
      cases: [
        {
          labels: [{ k: 'lit', v: 64 }],
          body: [
            emit('rotr', M.t8, hi(dst), 16),
            emit('rotr', hi(dst), lo(dst), 16),
            emit('wsbh', lo(dst), M.t8),
            emit('wsbh', hi(dst), hi(dst)),
          ],
        },
        { labels: [{ k: 'lit', v: 32 }, { k: 'lit', v: 16 }], body: [call('bswap_r', regArg(lo(dst)), valArg(imm)), emit('move', hi(dst), M.zero)] },
      ],
    },
    clobber(lo(dst), hi(dst)),
  ], [
    {
      k: 'switch',
      on: imm,
      cases: [
        { labels: [{ k: 'lit', v: 32 }], body: [emit('move', hi(dst), M.zero), clobber(hi(dst))] },
        {
          labels: [{ k: 'lit', v: 16 }],
          body: [emit('move', hi(dst), M.zero), emit('andi', lo(dst), lo(dst), 0xffff), clobber(lo(dst), hi(dst))],
        },
      ],
    },
  ]),
]);

export const ldImm64: Plan = plan('ld_imm64', 'dst = imm64', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'imm_hi', type: 's32' },
], [movi(lo(dst), imm), movi(hi(dst), { k: 'param', name: 'imm_hi' })]);

export const aluPlans: Plan[] = [alu32K, alu32X, aluI64Body, aluI64, negI64, shiftI64, shiftR64, mulI64, mulR64, alu64K, alu64X, bswapR, endian, ldImm64];
