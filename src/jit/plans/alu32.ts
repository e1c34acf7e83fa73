// BPF_ALU: 32-bit operations on the low word; the high word is zeroed afterwards
// (unless the verifier does it). Division is native on both ISAs; R2 goes through HI/LO.
import { bin, emit, hi, lo, not, note, plan, verifierZext, when, isR6, type Plan, type Stmt, type RegExpr, type CExpr } from '../dsl.ts';
import { M } from '../regs.ts';
import { BPF, imm, isS16, isU16, movi, off, op, opIs, zext } from './common.ts';

const dst = 'dst';
const src = 'src';

/** rd = rs op rt for MUL/DIV/MOD (signed when `signed`), on either ISA. */
function muldiv(rd: RegExpr, rs: RegExpr, rt: RegExpr, which: CExpr, signed: CExpr): Stmt[] {
  return [
    when(bin('==', which, BPF.MUL), [emit('mul', rd, rs, rt)], [
      when(isR6, [
        when(signed, [
          when(bin('==', which, BPF.DIV), [emit('div_r6', rd, rs, rt)], [emit('mod', rd, rs, rt)]),
        ], [
          when(bin('==', which, BPF.DIV), [emit('divu_r6', rd, rs, rt)], [emit('modu', rd, rs, rt)]),
        ]),
      ], [
        when(signed, [emit('div', rs, rt)], [emit('divu', rs, rt)]),
        when(bin('==', which, BPF.DIV), [emit('mflo', rd)], [emit('mfhi', rd)]),
      ]),
    ]),
  ];
}

/** Signed division or modulo: BPF_DIV/BPF_MOD with off == 1 (ISA v4). */
const signedOp = bin('==', off, 1);

export const alu32K: Plan = plan('alu32_k', 'dst = (u32)(dst op imm)', [
  { name: 'dst', type: 'pair' },
  { name: 'imm', type: 's32' },
  { name: 'op', type: 'u8' },
  { name: 'off', type: 's16' },
], [
  {
    k: 'switch',
    on: op,
    cases: [
      { labels: [BPF.MOV], body: [movi(lo(dst), imm)] },
      {
        labels: [BPF.ADD],
        body: [when(isS16(imm), [emit('addiu', lo(dst), lo(dst), imm)], [
          movi(M.t9, imm), emit('addu', lo(dst), lo(dst), M.t9),
        ])],
      },
      {
        labels: [BPF.SUB],
        body: [
          note('subtracting a constant is adding its negation, when that fits'),
          when(bin('&&', isS16(bin('-', 0, imm)), bin('!=', imm, -0x80000000)), [
            emit('addiu', lo(dst), lo(dst), bin('-', 0, imm)),
          ], [movi(M.t9, imm), emit('subu', lo(dst), lo(dst), M.t9)]),
        ],
      },
      ...([
        [BPF.AND, 'andi', 'and'],
        [BPF.OR, 'ori', 'or'],
        [BPF.XOR, 'xori', 'xor'],
      ] as const).map(([o, iform, rform]) => ({
        labels: [o],
        body: [when(isU16(imm), [emit(iform, lo(dst), lo(dst), imm)], [
          movi(M.t9, imm), emit(rform, lo(dst), lo(dst), M.t9),
        ])],
      })),
      { labels: [BPF.LSH], body: [emit('sll', lo(dst), lo(dst), bin('&', imm, 31))] },
      { labels: [BPF.RSH], body: [emit('srl', lo(dst), lo(dst), bin('&', imm, 31))] },
      { labels: [BPF.ARSH], body: [emit('sra', lo(dst), lo(dst), bin('&', imm, 31))] },
      { labels: [BPF.NEG], body: [emit('subu', lo(dst), M.zero, lo(dst))] },
      {
        labels: [BPF.MUL, BPF.DIV, BPF.MOD],
        body: [movi(M.t9, imm), ...muldiv(lo(dst), lo(dst), M.t9, op, signedOp)],
      },
    ],
  },
  zext(dst),
]);

export const alu32X: Plan = plan('alu32_x', 'dst = (u32)(dst op src)', [
  { name: 'dst', type: 'pair' },
  { name: 'src', type: 'pair' },
  { name: 'op', type: 'u8' },
  { name: 'off', type: 's16' },
  { name: 'imm', type: 's32' },
], [
  {
    k: 'switch',
    on: op,
    cases: [
      {
        labels: [BPF.MOV],
        body: [
          note('off selects a sign-extending move (ISA v4 MOVSX)'),
          when(bin('==', off, 8), [emit('seb', lo(dst), lo(src))], [
            when(bin('==', off, 16), [emit('seh', lo(dst), lo(src))], [
              emit('move', lo(dst), lo(src)),
            ]),
          ]),
        ],
      },
      { labels: [BPF.ADD], body: [emit('addu', lo(dst), lo(dst), lo(src))] },
      { labels: [BPF.SUB], body: [emit('subu', lo(dst), lo(dst), lo(src))] },
      { labels: [BPF.AND], body: [emit('and', lo(dst), lo(dst), lo(src))] },
      { labels: [BPF.OR], body: [emit('or', lo(dst), lo(dst), lo(src))] },
      { labels: [BPF.XOR], body: [emit('xor', lo(dst), lo(dst), lo(src))] },
      { labels: [BPF.LSH], body: [emit('sllv', lo(dst), lo(dst), lo(src))] },
      { labels: [BPF.RSH], body: [emit('srlv', lo(dst), lo(dst), lo(src))] },
      { labels: [BPF.ARSH], body: [emit('srav', lo(dst), lo(dst), lo(src))] },
      { labels: [BPF.MUL, BPF.DIV, BPF.MOD], body: muldiv(lo(dst), lo(dst), lo(src), op, signedOp) },
    ],
  },
  note('a 32-bit move with imm 1 is an explicit zero extension (BPF_ZEXT_REG)'),
  when(bin('||', not(verifierZext), bin('&&', bin('==', op, BPF.MOV), bin('==', imm, 1))), [
    emit('move', hi(dst), M.zero),
  ]),
]);

export const alu32Plans: Plan[] = [alu32K, alu32X];
export { opIs, hi };
