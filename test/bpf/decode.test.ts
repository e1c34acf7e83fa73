// Decode/encode of struct bpf_insn and the structural validator. Expected encodings are
// written by hand from RFC 9669 section 3 (code, dst/src nibbles, s16 off, s32 imm) and
// the C bitfield layout of struct bpf_insn in include/uapi/linux/bpf.h; expected errors
// are the messages this project specifies (issue 9).
import { describe, expect, test } from 'vitest';
import { decodeInsns, encodeInsns, insnHex } from '../../src/bpf/codec.ts';
import type { Insn } from '../../src/bpf/opcodes.ts';
import { validate } from '../../src/bpf/validate.ts';
import { InsnError } from '../../src/errors.ts';

const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const EXIT = I(0x95, 0, 0, 0, 0);

describe('decode', () => {
  test('little endian: dst in the low nibble, fields little endian', () => {
    // r6 = r1 (mov64 X), then if r1 s> -3 goto -2 (jsgt K, off 0xfffe, imm 0xfffffffd)
    const bytes = Uint8Array.from([0xbf, 0x16, 0, 0, 0, 0, 0, 0, 0x65, 0x01, 0xfe, 0xff, 0xfd, 0xff, 0xff, 0xff]);
    expect(decodeInsns(bytes, 'le', 'x')).toEqual([I(0xbf, 6, 1, 0, 0), I(0x65, 1, 0, -2, -3)]);
  });

  test('big endian: dst in the HIGH nibble, fields big endian', () => {
    const bytes = Uint8Array.from([0xbf, 0x61, 0, 0, 0, 0, 0, 0, 0x65, 0x10, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfd]);
    expect(decodeInsns(bytes, 'be', 'x')).toEqual([I(0xbf, 6, 1, 0, 0), I(0x65, 1, 0, -2, -3)]);
  });

  test('imm extremes keep their sign', () => {
    const bytes = Uint8Array.from([0xb7, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80]);
    expect(decodeInsns(bytes, 'le', 'x')).toEqual([I(0xb7, 1, 0, -32768, -2147483648)]);
  });

  test('encode is the inverse of decode in both byte orders', () => {
    // deterministic pseudo-random fields (xorshift32)
    let s = 0x1234567;
    const rnd = (): number => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), s >>> 0);
    const insns = Array.from({ length: 500 }, () =>
      I(rnd() & 0xff, rnd() & 0xf, rnd() & 0xf, ((rnd() & 0xffff) << 16) >> 16, rnd() | 0),
    );
    for (const e of ['le', 'be'] as const) expect(decodeInsns(encodeInsns(insns, e), e, 'x')).toEqual(insns);
  });

  test('encode writes the bytes the RFC gives', () => {
    const insn = I(0x18, 2, 1, 0, 0x12345678); // lddw r2 with src 1 (map fd)
    expect(Array.from(encodeInsns([insn], 'le'))).toEqual([0x18, 0x12, 0, 0, 0x78, 0x56, 0x34, 0x12]);
    expect(Array.from(encodeInsns([insn], 'be'))).toEqual([0x18, 0x21, 0, 0, 0x12, 0x34, 0x56, 0x78]);
  });

  test('truncated stream names the partial instruction and its byte offset', () => {
    const bytes = Uint8Array.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0]);
    expect(() => decodeInsns(bytes, 'le', 't.bin')).toThrow(
      new InsnError('t.bin', 1, '95 00 00', 'truncated instruction: 3 of 8 bytes at byte offset 8'),
    );
    expect(() => decodeInsns(bytes, 'le', 't.bin')).toThrow(
      't.bin: insn 1 (95 00 00): truncated instruction: 3 of 8 bytes at byte offset 8',
    );
  });

  test('hex spelling: code, src/dst byte, off, imm', () => {
    expect(insnHex(I(0xb7, 1, 0, 0, 1))).toBe('b7 01 0000 00000001');
    expect(insnHex(I(0x65, 1, 2, -2, -3))).toBe('65 21 fffe fffffffd');
  });
});

/** The message validate throws for `insns`, or 'ok'. */
function check(insns: Insn[]): string {
  try {
    validate(insns, 'p.json');
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(InsnError);
    return (e as Error).message;
  }
}

describe('validate: malformed programs', () => {
  test.each<[string, Insn[], string]>([
    ['empty program', [], 'p.json: insn 0 (end of program): empty program: no instructions'],
    ['unknown opcode', [I(0xf7, 1, 0, 0, 0), EXIT], 'p.json: insn 0 (f7 01 0000 00000000): unknown opcode 0xf7'],
    ['JMP32 CALL does not exist', [I(0x86, 0, 0, 0, 1), EXIT], 'p.json: insn 0 (86 00 0000 00000001): unknown opcode 0x86'],
    ['MEMSX has no DW', [I(0x99, 0, 1, 0, 0), EXIT], 'p.json: insn 0 (99 10 0000 00000000): unknown opcode 0x99'],
    ['BSWAP has no TO_BE form', [I(0xdf, 1, 0, 0, 16), EXIT], 'p.json: insn 0 (df 01 0000 00000010): unknown opcode 0xdf'],
    ['src set on a K op', [I(0xb7, 1, 2, 0, 5), EXIT], 'p.json: insn 0 (b7 21 0000 00000005): reserved field src = 2 (must be 0)'],
    ['imm set on an X op', [I(0x0f, 1, 2, 0, 5), EXIT], 'p.json: insn 0 (0f 21 0000 00000005): reserved field imm = 5 (must be 0)'],
    ['off on ADD', [I(0x07, 1, 0, 1, 5), EXIT], 'p.json: insn 0 (07 01 0001 00000005): reserved field off = 1 (must be 0)'],
    ['SDIV with off 2', [I(0x3f, 1, 2, 2, 0), EXIT], 'p.json: insn 0 (3f 21 0002 00000000): reserved field off = 2 (must be 0, or 1 for SDIV/SMOD)'],
    ['32-bit MOVSX from s32', [I(0xbc, 1, 2, 32, 0), EXIT], 'p.json: insn 0 (bc 21 0020 00000000): reserved field off = 32 (must be 0, 8, 16 (MOVSX))'],
    ['BSWAP of 8 bits', [I(0xd7, 1, 0, 0, 8), EXIT], 'p.json: insn 0 (d7 01 0000 00000008): reserved field imm = 8 (must be 16, 32 or 64)'],
    ['JMP32 JA with off', [I(0x06, 0, 0, 1, 0), EXIT], 'p.json: insn 0 (06 00 0001 00000000): reserved field off = 1 (must be 0)'],
    ['JA with imm', [I(0x05, 0, 0, 0, 1), EXIT], 'p.json: insn 0 (05 00 0000 00000001): reserved field imm = 1 (must be 0)'],
    ['exit with dst', [I(0x95, 1, 0, 0, 0)], 'p.json: insn 0 (95 01 0000 00000000): reserved field dst = 1 (must be 0)'],
    ['LDX with imm', [I(0x61, 0, 1, 0, 4), EXIT], 'p.json: insn 0 (61 10 0000 00000004): reserved field imm = 4 (must be 0)'],
    ['bad atomic op', [I(0xdb, 10, 1, -8, 0x10), EXIT], 'p.json: insn 0 (db 1a fff8 00000010): bad atomic operation imm = 0x10'],
    ['8-bit atomic', [I(0xd3, 10, 1, -8, 0), EXIT], 'p.json: insn 0 (d3 1a fff8 00000000): bad atomic operand size: only 32- and 64-bit atomics exist'],
    ['bad register', [I(0xbf, 11, 1, 0, 0), EXIT], 'p.json: insn 0 (bf 1b 0000 00000000): bad register r11 in dst'],
    ['bad src register', [I(0x7b, 10, 12, -8, 0), EXIT], 'p.json: insn 0 (7b ca fff8 00000000): bad register r12 in src'],
    ['r10 written', [I(0x07, 10, 0, 0, 8), EXIT], 'p.json: insn 0 (07 0a 0000 00000008): r10 (frame pointer) is read-only'],
    ['jump out of range', [I(0x05, 0, 0, 5, 0), EXIT], 'p.json: insn 0 (05 00 0005 00000000): jump out of range: target insn 6, program has 2'],
    ['jump before the start', [I(0x15, 1, 0, -2, 0), EXIT], 'p.json: insn 0 (15 01 fffe 00000000): jump out of range: target insn -1, program has 2'],
    ['gotol out of range', [I(0x06, 0, 0, 0, 100000), EXIT], 'p.json: insn 0 (06 00 0000 000186a0): jump out of range: target insn 100001, program has 2'],
    [
      'jump into LD_IMM64',
      [I(0x05, 0, 0, 1, 0), I(0x18, 1, 0, 0, 1), I(0, 0, 0, 0, 0), EXIT],
      'p.json: insn 0 (05 00 0001 00000000): jump into the middle of LD_IMM64 at insn 1',
    ],
    ['LD_IMM64 without second half', [I(0x18, 1, 0, 0, 1)], 'p.json: insn 0 (18 01 0000 00000001): LD_IMM64 is missing its second half'],
    [
      'LD_IMM64 with a bad second half',
      [I(0x18, 1, 0, 0, 1), EXIT],
      'p.json: insn 1 (95 00 0000 00000000): bad second half of LD_IMM64 at insn 0: code, registers and off must be 0',
    ],
    ['falls off the end', [I(0xb7, 0, 0, 0, 0)], 'p.json: insn 0 (b7 00 0000 00000000): last instruction is not exit or a jump'],
    [
      'subprogram falls into the next one',
      [I(0x85, 0, 1, 0, 1), EXIT, I(0xb7, 0, 0, 0, 1)],
      'p.json: insn 2 (b7 00 0000 00000001): last instruction of the subprogram starting at insn 2 is not exit or a jump',
    ],
    [
      'jump into another subprogram',
      [I(0x85, 0, 1, 0, 2), I(0x05, 0, 0, 1, 0), EXIT, EXIT],
      'p.json: insn 1 (05 00 0001 00000000): jump out of range: target insn 3 is in another subprogram (starting at insn 3)',
    ],
    ['call out of range', [I(0x85, 0, 1, 0, 7), EXIT], 'p.json: insn 0 (85 10 0000 00000007): call out of range: target insn 8, program has 2'],
  ])('%s', (_name, insns, message) => {
    expect(check(insns)).toBe(message);
  });
});

describe('validate: well-formed programs pass', () => {
  test.each<[string, Insn[]]>([
    ['MOVSX 64 from s32', [I(0xbf, 1, 2, 32, 0), EXIT]],
    ['MOVSX 32 from s16', [I(0xbc, 1, 2, 16, 0), EXIT]],
    ['SDIV / SMOD K', [I(0x37, 1, 0, 1, 3), I(0x94, 1, 0, 1, 3), EXIT]],
    ['BSWAP 16/32/64', [I(0xd7, 1, 0, 0, 16), I(0xd7, 1, 0, 0, 32), I(0xd7, 1, 0, 0, 64), EXIT]],
    ['MEMSX loads', [I(0x91, 0, 1, -2, 0), I(0x89, 0, 1, 0, 0), I(0x81, 0, 1, 4, 0), EXIT]],
    ['JMP32 JA backwards and forwards', [I(0x06, 0, 0, 0, 1), I(0x05, 0, 0, 1, 0), I(0x06, 0, 0, 0, -2), EXIT]],
    ['atomics', [I(0xdb, 10, 1, -8, 0x01), I(0xc3, 10, 1, -8, 0xa0), I(0xdb, 10, 1, -8, 0xe1), I(0xdb, 10, 1, -8, 0xf1), EXIT]],
    ['LD_ABS / LD_IND', [I(0x30, 0, 0, 0, 12), I(0x48, 0, 1, 0, 4), EXIT]],
    ['bpf2bpf call', [I(0x85, 0, 1, 0, 1), EXIT, I(0xb7, 0, 0, 0, 1), EXIT]],
    ['kfunc call with a BTF object index', [I(0x85, 0, 2, 3, 77), EXIT]],
    ['ends in a jump', [I(0xb7, 0, 0, 0, 0), I(0x05, 0, 0, -2, 0)]],
    ['LD_IMM64 map value', [I(0x18, 1, 2, 0, 0), I(0, 0, 0, 0, 16), EXIT]],
  ])('%s', (_name, insns) => {
    expect(check(insns)).toBe('ok');
  });
});
