// Encodings checked against words hand-assembled from the field layouts of the MIPS32
// manuals (MD00086 for Release 2, MD00087 for Release 6), and operand errors.
import { describe, expect, test } from 'vitest';
import { ins } from '../../src/mips/builder.ts';
import { decode, encode, EncodeError } from '../../src/mips/codec.ts';
import { A0, A1, A2, RA, SP, T9, ZERO } from '../../src/mips/regs.ts';

// R-type: op(6) rs(5) rt(5) rd(5) sa(5) func(6); I-type: op(6) rs(5) rt(5) imm(16)
const R = (op: number, rs: number, rt: number, rd: number, sa: number, fn: number) =>
  ((op << 26) | (rs << 21) | (rt << 16) | (rd << 11) | (sa << 6) | fn) >>> 0;
const I = (op: number, rs: number, rt: number, imm: number) => ((op << 26) | (rs << 21) | (rt << 16) | (imm & 0xffff)) >>> 0;

describe('encodings from the manuals', () => {
  const cases: [string, ReturnType<typeof ins.addu>, 'r2' | 'r6', number][] = [
    // ADDU: SPECIAL, func 100001
    ['addu a0,a1,a2', ins.addu(A0, A1, A2), 'r2', R(0, 5, 6, 4, 0, 0x21)],
    // LW: opcode 100011, base, rt, offset
    ['lw a0,-8(sp)', ins.lw(A0, -8, SP), 'r2', I(0x23, 29, 4, -8)],
    // BEQ: opcode 000100, offset = (target - (pc + 4)) / 4 = 32 / 4
    ['beq a1,a2,+32', ins.beq(A1, A2, 32), 'r6', I(0x04, 5, 6, 8)],
    // JR (R2): SPECIAL, func 001000; R6: JALR (func 001001) with rd = 0
    ['jr ra (r2)', ins.jr(RA), 'r2', R(0, 31, 0, 0, 0, 0x08)],
    ['jr ra (r6)', ins.jr(RA), 'r6', R(0, 31, 0, 0, 0, 0x09)],
    ['jalr ra,t9', ins.jalr(RA, T9), 'r2', R(0, 25, 0, 31, 0, 0x09)],
    // MUL: R2 SPECIAL2 func 000010; R6 SOP30: SPECIAL sa 00010 func 011000
    ['mul (r2)', ins.mul(A0, A1, A2), 'r2', R(0x1c, 5, 6, 4, 0, 0x02)],
    ['mul (r6)', ins.mul(A0, A1, A2), 'r6', R(0, 5, 6, 4, 2, 0x18)],
    // MUHU: SOP31 sa 00011 func 011001; MODU: SOP33 sa 00011 func 011011
    ['muhu', ins.muhu(A0, A1, A2), 'r6', R(0, 5, 6, 4, 3, 0x19)],
    ['modu', ins.modu(A0, A1, A2), 'r6', R(0, 5, 6, 4, 3, 0x1b)],
    // EXT: SPECIAL3, rd = msbd = size - 1, sa = lsb, func 000000
    ['ext a0,a1,3,8', ins.ext(A0, A1, 3, 8), 'r2', R(0x1f, 5, 4, 7, 3, 0x00)],
    // INS: rd = msb = pos + size - 1, func 000100
    ['ins a0,a1,3,7', ins.ins(A0, A1, 3, 7), 'r2', R(0x1f, 5, 4, 9, 3, 0x04)],
    // ROTR: SRL with rs = 1
    ['rotr', ins.rotr(A0, A1, 3), 'r2', R(0, 1, 5, 4, 3, 0x02)],
    // LL R6: SPECIAL3, base, rt, offset(9) at bits 15..7, bit 6 = 0, func 110110
    ['ll (r6)', ins.ll(A0, -4, A1), 'r6', ((0x1f << 26) | (5 << 21) | (4 << 16) | ((-4 & 0x1ff) << 7) | 0x36) >>> 0],
    ['ll (r2)', ins.ll(A0, -4, A1), 'r2', I(0x30, 5, 4, -4)],
    // SC R6: func 100110
    ['sc (r6)', ins.sc(A0, 8, A1), 'r6', ((0x1f << 26) | (5 << 21) | (4 << 16) | (8 << 7) | 0x26) >>> 0],
    // BC: opcode 110010, offset26 = -16 / 4
    ['bc -16', ins.bc(-16), 'r6', ((0x32 << 26) | (-4 & 0x3ffffff)) >>> 0],
    // BEQZC: opcode 110110 (POP66), rs != 0, offset21
    ['beqzc a1,-8', ins.beqzc(A1, -8), 'r6', ((0x36 << 26) | (5 << 21) | (-2 & 0x1fffff)) >>> 0],
    // JIC: POP66 with rs = 0, rt, offset16 (not shifted)
    ['jic a1,-16', ins.jic(A1, -16), 'r6', I(0x36, 0, 5, -16)],
    // BEQC: POP10 (opcode 001000) with rs < rt; operands are swapped into that order
    ['beqc a1,a0', ins.beqc(A1, A0, 16), 'r6', I(0x08, 4, 5, 4)],
    // BLTUC: POP07 (opcode 000111) with rs, rt non-zero and different
    ['bltuc', ins.bltuc(A0, A1, 16), 'r6', I(0x07, 4, 5, 4)],
    // J: opcode 000010, instr_index = target[27:2]
    ['j 0x400', ins.j(0x400), 'r2', ((2 << 26) | 0x100) >>> 0],
    // BREAK: SPECIAL, code(20) at bits 25..6, func 001101
    ['break 7', ins.break(7), 'r2', ((7 << 6) | 0x0d) >>> 0],
    // LUI: uasm passes an s16
    ['lui a0,-0x8000', ins.lui(A0, -0x8000), 'r2', I(0x0f, 0, 4, 0x8000)],
    ['nop', ins.nop(), 'r6', 0],
  ];
  for (const [name, insn, isa, word] of cases) {
    test(`${name} (${isa})`, () => {
      expect(encode(insn, isa).toString(16)).toBe(word.toString(16));
      expect(encode(decode(word, isa)!, isa)).toBe(word);
    });
  }

  test('decode picks the most specific entry', () => {
    expect(decode(0, 'r2')).toEqual({ op: 'nop', args: [] });
    expect(decode(R(0, 31, 0, 0, 0, 0x09), 'r6')).toEqual({ op: 'jr', args: [RA] });
    expect(decode(R(0, 31, 0, 0, 0, 0x09), 'r2')).toEqual({ op: 'jalr', args: [ZERO, RA] });
    // POP66 with rs = 0 is jic, otherwise beqzc
    expect(decode(I(0x36, 0, 5, -16), 'r6')!.op).toBe('jic');
    // POP10 with rs >= rt is BOVC, which the table does not hold
    expect(decode(I(0x08, 5, 4, 4), 'r6')).toBeUndefined();
  });
});

describe('operand and ISA errors', () => {
  const bad: [string, () => number, RegExp][] = [
    ['17-bit immediate', () => encode(ins.addiu(A0, A1, 0x10000), 'r2'), /imm = 65536 out of range/],
    ['register 32', () => encode(ins.addu(32, A1, A2), 'r2'), /rd = 32 out of range/],
    ['misaligned branch offset', () => encode(ins.beq(A0, A1, 6), 'r2'), /multiple of 4/],
    ['branch too far', () => encode(ins.beq(A0, A1, 1 << 17), 'r2'), /out of range/],
    ['9-bit ll offset on r6', () => encode(ins.ll(A0, 256, A1), 'r6'), /off = 256 out of range/],
    ['R2-only on R6', () => encode(ins.mult(A0, A1), 'r6'), /mult does not exist on r6 \(only on r2\)/],
    ['R6-only on R2', () => encode(ins.muhu(A0, A1, A2), 'r2'), /muhu does not exist on r2/],
    ['beqzc with $zero', () => encode(ins.beqzc(ZERO, 8), 'r6'), /rs must not be \$zero/],
    ['ext past bit 31', () => encode(ins.ext(A0, A1, 30, 4), 'r2'), /pos \+ size/],
    ['wrong operand count', () => encode(ins.addu(A0, A1), 'r2'), /takes 3 operands/],
    ['unknown op', () => encode({ op: 'frob', args: [] }, 'r2'), /unknown MIPS instruction 'frob'/],
  ];
  for (const [name, f, msg] of bad) {
    test(name, () => {
      expect(f).toThrow(EncodeError);
      expect(f).toThrow(msg);
    });
  }
});
