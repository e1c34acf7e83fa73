// The `tony` preset's own plans: Tony Ambardar's RFC v1 (July 2021, patch 14/14,
// arch/mips/net/ebpf_jit_comp32.c), where its sequences differ from jitgen's. Read from
// the posted patch; there is no harness for his code, so nothing here is checked word
// for word. What is modelled from his source, and what is not:
//  - MODELLED: ALU/ALU64 with an immediate (his gen_imm_insn: single-instruction forms,
//    `at` as the scratch, ins-based 64-bit right shifts, zero/sign extension of the high
//    word), ALU32 MUL/DIV/MOD with an immediate, ALU64 NEG, ALU64 with a register (ADD/SUB
//    carry through `at`, MUL, shifts by register with their branches), 32-bit ALU with a
//    register, 64-bit div/mod as a call with a 32-byte O32 frame and a remainder slot,
//    XADD only among atomics (32-bit ll/sc on `at`, 64-bit atomic64_add).
//  - APPROXIMATED: his gen_imm_to_reg (in ebpf_jit_core.c, not read) is taken to be
//    jitgen's mov_i; the call of div64_u64_rem(dividend, divisor, &rem) is modelled as
//    div64_u64 / jit_mod64 with the same frame and argument set-up (the binding and the
//    simulator have no div64_u64_rem), so MOD moves v0-v1 where he loads the remainder
//    slot (same word count); his caller save/restore is the shared core's push/pop.
//  - CORRECTED (RFC v1 bugs that test_bpf's later register-combination and immediate-
//    magnitude tests expose; each fix keeps his instruction count where it can):
//    multi-instruction ALU64 SUB K computes the borrow as `imm <u result` (wrong, e.g.
//    0x30000 - 0x10000 borrows 1): the borrow is taken before subtracting; ALU64 MUL
//    writes hi(dst) before reading src's high word (wrong when dst == src): the two
//    multiplies are swapped; 64-bit XADD with dst == R1 forms the address after a0-a1
//    took src: the address goes through t9 first (one more word, in that case only).
import { bin, call, emit, hi, lo, not, note, pairArg, plan, same, valArg, when, isR6, type CExpr, type Plan, type Stmt } from '../../dsl.ts';
import { M } from '../../regs.ts';
import { BPF, imm, isS16, isU16, movi, off, op } from '../common.ts';

const dst = 'dst';
const src = 'src';
const at = M.at;
const neg = bin('<', imm, 0);
const decline = (why: string): Stmt => ({ k: 'decline', why });
const V4 = 'ISA v4 (MOVSX, SDIV/SMOD) is not in Tony\'s RFC v1 (2021)';
const v4If = (c: CExpr): Stmt => when(c, [decline(V4)]);
const BLINDING = 'constant blinding is not modelled for Tony\'s RFC v1: its AX would share `at` with his scratch';
/** Decline when a pair operand is AX (only constant blinding writes it). */
const noAx = (...pairs: string[]): Stmt =>
  when(pairs.map((p) => same(lo(p), lo('ax'))).reduce((a, b) => bin('||', a, b)), [decline(BLINDING)]);
const signedDiv = bin('&&', bin('||', bin('==', op, BPF.DIV), bin('==', op, BPF.MOD)), bin('!=', off, 0));

/** gen_zext_insn(dst, true): the high word becomes zero. */
const zextForce = (): Stmt => emit('move', hi(dst), M.zero);
/** gen_sext_insn: the high word becomes the sign of the low word. */
const sext = (): Stmt => emit('sra', hi(dst), lo(dst), 31);
/** The conditional zero extension build_one_insn appends to ALU32 operations. */
const zext32 = (): Stmt => when(not({ k: 'target', what: 'zext' }), [zextForce()]);

/** gen_imm_insn's bounds: may the operation take imm in its immediate field? */
const fits = bin('||',
  bin('||', bin('&&', bin('||', bin('==', op, BPF.MOV), bin('==', op, BPF.ADD)), isS16(imm)),
    bin('&&', bin('==', op, BPF.SUB), bin('&&', bin('>=', imm, -0x7fff), bin('<=', imm, 0x8000)))),
  bin('||', bin('&&', bin('||', bin('==', op, BPF.AND), bin('||', bin('==', op, BPF.OR), bin('==', op, BPF.XOR))), isU16(imm)),
    bin('||', bin('==', op, BPF.LSH), bin('||', bin('==', op, BPF.RSH), bin('==', op, BPF.ARSH)))));

function shift64(kind: 'LSH' | 'RSH' | 'ARSH'): Stmt[] {
  const sh = bin('&', imm, 0x3f);
  const wide: Stmt[] = kind === 'LSH'
    ? [emit('sll', hi(dst), lo(dst), bin('-', sh, 32)), emit('and', lo(dst), lo(dst), M.zero)]
    : kind === 'RSH'
      ? [emit('srl', lo(dst), hi(dst), bin('-', sh, 32)), emit('and', hi(dst), hi(dst), M.zero)]
      : [emit('sra', lo(dst), hi(dst), bin('-', sh, 32)), emit('sra', hi(dst), hi(dst), 31)];
  const narrow: Stmt[] = kind === 'LSH'
    ? [
      emit('srl', at, lo(dst), bin('-', 32, sh)),
      emit('sll', hi(dst), hi(dst), sh),
      emit('sll', lo(dst), lo(dst), sh),
      emit('or', hi(dst), hi(dst), at),
    ]
    : [
      emit('srl', lo(dst), lo(dst), sh),
      note('the high word\'s low bits go into the top of the low word'),
      emit('ins', lo(dst), hi(dst), bin('-', 32, sh), sh),
      emit(kind === 'RSH' ? 'srl' : 'sra', hi(dst), hi(dst), sh),
    ];
  return [when(bin('>=', sh, 32), wide, [when(bin('>', sh, 0), narrow)])];
}

/** ALU64 with an immediate, as gen_imm_insn emits it (MUL, DIV, MOD, NEG apart). */
const imm64: Stmt = {
  k: 'switch',
  on: op,
  cases: [
    { labels: [BPF.MOV], body: [when(fits, [emit('addiu', lo(dst), M.zero, imm), when(neg, [sext()], [zextForce()])], [movi(lo(dst), imm), sext()])] },
    {
      labels: [BPF.AND],
      body: [when(not(neg), [zextForce()]), when(fits, [emit('andi', lo(dst), lo(dst), imm)], [movi(at, imm), emit('and', lo(dst), lo(dst), at)])],
    },
    {
      labels: [BPF.OR],
      body: [when(neg, [emit('nor', hi(dst), M.zero, M.zero)]), when(fits, [emit('ori', lo(dst), lo(dst), imm)], [movi(at, imm), emit('or', lo(dst), lo(dst), at)])],
    },
    {
      labels: [BPF.XOR],
      body: [when(neg, [emit('nor', hi(dst), hi(dst), M.zero)]), when(fits, [emit('xori', lo(dst), lo(dst), imm)], [movi(at, imm), emit('xor', lo(dst), lo(dst), at)])],
    },
    {
      labels: [BPF.ADD],
      body: [when(fits, [
        emit('addiu', lo(dst), lo(dst), imm),
        when(neg, [emit('addiu', hi(dst), hi(dst), -1)]),
        emit('sltiu', at, lo(dst), imm),
        emit('addu', hi(dst), hi(dst), at),
      ], [
        movi(at, imm),
        emit('addu', lo(dst), lo(dst), at),
        when(neg, [emit('addiu', hi(dst), hi(dst), -1)]),
        emit('sltu', at, lo(dst), at),
        emit('addu', hi(dst), hi(dst), at),
      ])],
    },
    {
      labels: [BPF.SUB],
      body: [when(fits, [
        emit('addiu', at, lo(dst), bin('-', 0, imm)),
        when(neg, [emit('addiu', hi(dst), hi(dst), 1)]),
        emit('sltu', at, lo(dst), at),
        emit('subu', hi(dst), hi(dst), at),
        emit('addiu', lo(dst), lo(dst), bin('-', 0, imm)),
      ], [
        note('corrected: the borrow is taken before the low word changes'),
        movi(at, imm),
        emit('sltu', M.t8, lo(dst), at),
        emit('subu', lo(dst), lo(dst), at),
        when(neg, [emit('addiu', hi(dst), hi(dst), 1)]),
        emit('subu', hi(dst), hi(dst), M.t8),
      ])],
    },
    { labels: [BPF.LSH], body: shift64('LSH') },
    { labels: [BPF.RSH], body: shift64('RSH') },
    { labels: [BPF.ARSH], body: shift64('ARSH') },
    {
      labels: [BPF.MUL],
      body: [when(bin('==', imm, 1), [], [
        movi(M.t8, imm),
        emit('sra', M.t9, M.t8, 31),
        call('tony_mul64', pairArg(dst), { k: 'reg', reg: M.t8 }, { k: 'reg', reg: M.t9 }),
      ])],
    },
    {
      labels: [BPF.NEG],
      body: [
        emit('subu', lo(dst), M.zero, lo(dst)),
        emit('subu', hi(dst), M.zero, hi(dst)),
        emit('sltu', at, M.zero, lo(dst)),
        emit('subu', hi(dst), hi(dst), at),
      ],
    },
    { labels: [BPF.DIV, BPF.MOD], body: [v4If(signedDiv), call('divmod64', pairArg(dst), pairArg(dst), valArg(op), valArg(1), valArg(imm))] },
  ],
};

export const alu64K: Plan = plan('alu64_k', 'dst = dst op imm (64-bit, imm sign-extended)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
  { name: 'off', type: 's16' },
], [noAx(dst), imm64]);

/** 64-bit multiply by the pair (sl, sh): his case_alu64_mul_x. */
export const mul64: Plan = plan('tony_mul64', 'dst = dst * (sh:sl) (low 64 bits)', [
  { name: 'dst', type: 'pair' },
  { name: 'sl', type: 'reg' },
  { name: 'sh', type: 'reg' },
], [
  note('corrected: RFC v1 multiplies into hi(dst) first, which src\'s high word is when dst == src'),
  emit('mul', at, lo(dst), { k: 'rparam', name: 'sh' }),
  emit('mul', hi(dst), hi(dst), { k: 'rparam', name: 'sl' }),
  emit('addu', hi(dst), hi(dst), at),
  when(isR6, [
    emit('muhu', at, lo(dst), { k: 'rparam', name: 'sl' }),
    emit('mul', lo(dst), lo(dst), { k: 'rparam', name: 'sl' }),
  ], [
    emit('multu', lo(dst), { k: 'rparam', name: 'sl' }),
    emit('mfhi', at),
    emit('mflo', lo(dst)),
  ]),
  emit('addu', hi(dst), hi(dst), at),
]);

export const alu32K: Plan = plan('alu32_k', 'dst = (u32)(dst op imm)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
  { name: 'off', type: 's16' },
], [
  noAx(dst),
  v4If(signedDiv),
  {
    k: 'switch',
    on: op,
    cases: [
      { labels: [BPF.MOV], body: [when(fits, [emit('addiu', lo(dst), M.zero, imm)], [movi(lo(dst), imm)])] },
      ...([[BPF.AND, 'andi', 'and'], [BPF.OR, 'ori', 'or'], [BPF.XOR, 'xori', 'xor']] as const).map(([o, i, r]) => ({
        labels: [o],
        body: [when(fits, [emit(i, lo(dst), lo(dst), imm)], [movi(at, imm), emit(r, lo(dst), lo(dst), at)])],
      })),
      { labels: [BPF.ADD], body: [when(fits, [emit('addiu', lo(dst), lo(dst), imm)], [movi(at, imm), emit('addu', lo(dst), lo(dst), at)])] },
      { labels: [BPF.SUB], body: [when(fits, [emit('addiu', lo(dst), lo(dst), bin('-', 0, imm))], [movi(at, imm), emit('subu', lo(dst), lo(dst), at)])] },
      { labels: [BPF.LSH], body: [emit('sll', lo(dst), lo(dst), bin('&', imm, 0x1f))] },
      { labels: [BPF.RSH], body: [emit('srl', lo(dst), lo(dst), bin('&', imm, 0x1f))] },
      { labels: [BPF.ARSH], body: [emit('sra', lo(dst), lo(dst), bin('&', imm, 0x1f))] },
      { labels: [BPF.NEG], body: [emit('subu', lo(dst), M.zero, lo(dst))] },
      {
        labels: [BPF.MUL],
        body: [when(bin('==', imm, 1), [], [
          movi(at, imm),
          when(isR6, [emit('mulu', lo(dst), lo(dst), at)], [emit('multu', lo(dst), at), emit('mflo', lo(dst))]),
        ])],
      },
      {
        labels: [BPF.DIV, BPF.MOD],
        body: [when(bin('==', imm, 1), [when(bin('==', op, BPF.MOD), [emit('move', lo(dst), M.zero)])], [
          movi(at, imm),
          when(isR6, [
            when(bin('==', op, BPF.DIV), [emit('divu_r6', lo(dst), lo(dst), at)], [emit('modu', lo(dst), lo(dst), at)]),
          ], [
            emit('divu', lo(dst), at),
            when(bin('==', op, BPF.DIV), [emit('mflo', lo(dst))], [emit('mfhi', lo(dst))]),
          ]),
        ])],
      },
    ],
  },
  zext32(),
]);

/** A 64-bit shift by register (his LSH/RSH/ARSH with two branches over the cases). */
function shiftX(kind: 'LSH' | 'RSH' | 'ARSH'): Stmt[] {
  const v = kind === 'RSH' ? 'srlv' : 'srav';
  const wide: Stmt[] = kind === 'LSH'
    ? [emit('sllv', hi(dst), lo(dst), at), emit('and', lo(dst), lo(dst), M.zero)]
    : kind === 'RSH'
      ? [emit('srlv', lo(dst), hi(dst), at), emit('and', hi(dst), hi(dst), M.zero)]
      : [emit('srav', lo(dst), hi(dst), at), emit('sra', hi(dst), hi(dst), 31)];
  const narrow: Stmt[] = kind === 'LSH'
    ? [
      emit('srlv', at, lo(dst), at),
      emit('sllv', hi(dst), hi(dst), lo(src)),
      emit('sllv', lo(dst), lo(dst), lo(src)),
      emit('or', hi(dst), hi(dst), at),
    ]
    : [
      emit('sllv', at, hi(dst), at),
      emit(v, hi(dst), hi(dst), lo(src)),
      emit('srlv', lo(dst), lo(dst), lo(src)),
      emit('or', lo(dst), lo(dst), at),
    ];
  return [
    emit('beqz', lo(src), 44),
    emit('addiu', at, lo(src), -32),
    emit('bltz', at, 16),
    emit('nop'),
    ...wide,
    emit('b', 20),
    emit('subu', at, M.zero, at),
    ...narrow,
  ];
}

export const alu64X: Plan = plan('alu64_x', 'dst = dst op src (64-bit)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'op', type: 'u8' },
  { name: 'off', type: 's16' },
], [
  noAx(dst, src),
  {
    k: 'switch',
    on: op,
    cases: [
      { labels: [BPF.MOV], body: [v4If(bin('!=', off, 0)), emit('move', lo(dst), lo(src)), emit('move', hi(dst), hi(src))] },
      {
        labels: [BPF.ADD],
        body: [
          emit('addu', hi(dst), hi(dst), hi(src)),
          emit('addu', at, lo(dst), lo(src)),
          emit('sltu', at, at, lo(dst)),
          emit('addu', hi(dst), hi(dst), at),
          emit('addu', lo(dst), lo(dst), lo(src)),
        ],
      },
      {
        labels: [BPF.SUB],
        body: [
          emit('subu', hi(dst), hi(dst), hi(src)),
          emit('subu', at, lo(dst), lo(src)),
          emit('sltu', at, lo(dst), at),
          emit('subu', hi(dst), hi(dst), at),
          emit('subu', lo(dst), lo(dst), lo(src)),
        ],
      },
      ...([[BPF.XOR, 'xor'], [BPF.OR, 'or'], [BPF.AND, 'and']] as const).map(([o, f]) => ({
        labels: [o],
        body: [emit(f, lo(dst), lo(dst), lo(src)), emit(f, hi(dst), hi(dst), hi(src))],
      })),
      { labels: [BPF.MUL], body: [call('tony_mul64', pairArg(dst), { k: 'reg', reg: lo(src) }, { k: 'reg', reg: hi(src) })] },
      { labels: [BPF.LSH], body: shiftX('LSH') },
      { labels: [BPF.RSH], body: shiftX('RSH') },
      { labels: [BPF.ARSH], body: shiftX('ARSH') },
      { labels: [BPF.DIV, BPF.MOD], body: [v4If(signedDiv), call('divmod64', pairArg(dst), pairArg(src), valArg(op), valArg(0), valArg(0))] },
    ],
  },
]);

export const alu32X: Plan = plan('alu32_x', 'dst = (u32)(dst op src)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'op', type: 'u8' },
  { name: 'off', type: 's16' },
  { name: 'imm', type: 's32' },
], [
  noAx(dst, src),
  note('the verifier\'s zero-extension move (MOV with imm 1) only clears the high word'),
  when(bin('&&', bin('==', op, BPF.MOV), bin('==', imm, 1)), [zextForce()], [{

    k: 'switch',
    on: op,
    cases: [
      { labels: [BPF.MOV], body: [v4If(bin('!=', off, 0)), emit('move', lo(dst), lo(src))] },
      ...([[BPF.ADD, 'addu'], [BPF.SUB, 'subu'], [BPF.XOR, 'xor'], [BPF.OR, 'or'], [BPF.AND, 'and'], [BPF.MUL, 'mul'],
        [BPF.LSH, 'sllv'], [BPF.RSH, 'srlv'], [BPF.ARSH, 'srav']] as const).map(([o, f]) => ({
        labels: [o],
        body: [emit(f, lo(dst), lo(dst), lo(src))],
      })),
      {
        labels: [BPF.DIV, BPF.MOD],
        body: [
          v4If(signedDiv),
          when(isR6, [
            when(bin('==', op, BPF.DIV), [emit('divu_r6', lo(dst), lo(dst), lo(src))], [emit('modu', lo(dst), lo(dst), lo(src))]),
          ], [
            emit('divu', lo(dst), lo(src)),
            when(bin('==', op, BPF.DIV), [emit('mflo', lo(dst))], [emit('mfhi', lo(dst))]),
          ]),
        ],
      },
    ],
  },
  zext32(),
  ]),
]);

/**
 * emit_bpf_divmod64: the dividend in a0-a1, the divisor (src, or imm sign-extended) in
 * a2-a3, a pointer to a remainder slot as the stack argument, in a 32-byte O32 frame.
 * `isImm` selects the immediate divisor (then `src` is unused).
 */
export const divmod64: Plan = plan('divmod64', 'dst = dst / src or dst % src (64-bit, a kernel call)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'op', type: 'u8' },
  { name: 'isImm', type: 'bool' },
  { name: 'imm', type: 's32' },
], [
  note('copy src to t8:t9 first when it lives in a0-a1, which the dividend takes'),
  when(bin('&&', not({ k: 'param', name: 'isImm' }), same(lo(src), lo('arg1'))), [
    emit('move', M.t8, lo(src)),
    emit('move', M.t9, hi(src)),
  ]),
  { k: 'push', except: 'dst' },
  emit('addiu', M.sp, M.sp, -32),
  when(same(lo(dst), lo('arg1')), [], [emit('move', lo('arg1'), lo(dst)), emit('move', hi('arg1'), hi(dst))]),
  when({ k: 'param', name: 'isImm' }, [movi(lo('arg2'), imm), emit('sra', hi('arg2'), lo('arg2'), 31)], [
    when(same(lo(src), lo('arg1')), [emit('move', lo('arg2'), M.t8), emit('move', hi('arg2'), M.t9)], [
      when(same(lo(src), lo('arg2')), [], [emit('move', lo('arg2'), lo(src)), emit('move', hi('arg2'), hi(src))]),
    ]),
  ]),
  note('argument 3: a pointer to the remainder slot at sp + 24'),
  emit('addiu', at, M.sp, 24),
  emit('sw', at, 16, M.sp),
  when(bin('==', op, BPF.DIV), [{ k: 'kcall', fn: 'div64_u64' }], [{ k: 'kcall', fn: 'jit_mod64' }]),
  when(same(lo(dst), lo('ret')), [], [emit('move', lo(dst), lo('ret')), emit('move', hi(dst), hi('ret'))]),
  emit('addiu', M.sp, M.sp, 32),
  { k: 'pop', except: 'dst' },
]);

const XADD_ONLY = 'Tony\'s RFC v1 supports only atomic ADD without FETCH (XADD)';

export const atomic32: Plan = plan('atomic32', 'atomic add to the u32 at dst + off (ll/sc)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'off', type: 's16' },
  { name: 'op', type: 's32' },
], [
  when(bin('!=', op, BPF.ADD), [decline(XADD_ONLY)]),
  when(bin('&&', isR6, bin('||', bin('>=', off, 256), bin('<', off, -256))), [
    emit('addiu', M.t9, lo(dst), off),
    ...xadd(M.t9, { k: 'lit', v: 0 }),
  ], xadd(lo(dst), off)),
]);

function xadd(base: ReturnType<typeof lo>, o: CExpr): Stmt[] {
  return [
    emit('ll', at, o, base),
    emit('addu', at, at, lo(src)),
    emit('sc', at, o, base),
    emit('beqz', at, -16),
    emit('nop'),
  ];
}

export const atomic64: Plan = plan('atomic64', 'atomic add to the u64 at dst + off (atomic64_add)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'off', type: 's16' },
  { name: 'op', type: 's32' },
], [
  when(bin('!=', op, BPF.ADD), [decline(XADD_ONLY)]),
  { k: 'push', except: 'none' },
  when(same(lo(dst), lo('arg1')), [
    note('corrected: RFC v1 forms the address after a0-a1 took src, which loses dst == R1'),
    emit('addiu', M.t9, lo(dst), off),
    emit('move', lo('arg1'), lo(src)),
    emit('move', hi('arg1'), hi(src)),
    emit('move', M.a2, M.t9),
  ], [
    when(same(lo(src), lo('arg1')), [], [emit('move', lo('arg1'), lo(src)), emit('move', hi('arg1'), hi(src))]),
    emit('addiu', M.a2, lo(dst), off),
  ]),
  note('approximated: his call opens a 16-byte O32 frame in the delay slot and closes it after;'),
  note('the shared core\'s call has a nop there and the frame already reserves the home area'),
  { k: 'kcall', fn: 'atomic64_add' },
  { k: 'pop', except: 'none' },
]);

export const tonyPlans: Plan[] = [alu64K, mul64, alu32K, alu64X, alu32X, divmod64, atomic32, atomic64];
