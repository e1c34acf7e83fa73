// The BPF semantics on the concrete backend, one instruction at a time. Expected values
// are computed by hand from RFC 9669 (section numbers given) or taken from the named
// tests of the kernel's lib/test_bpf.c; none is copied from the code's own output.
import { describe, expect, test } from 'vitest';
import { concrete, type Num } from '../../src/bv/concrete.ts';
import { ConcreteMemory } from '../../src/bv/memory.ts';
import type { ByteOrder } from '../../src/bv/types.ts';
import type { Insn } from '../../src/bpf/opcodes.ts';
import { ReservedInsn, step, type BpfState, type Effect } from '../../src/bpf/semantics.ts';

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

const STACK = 0x1000;

/** A machine with R10 at the end of a 64-byte region, other registers as given. */
function machine(regs: Record<number, bigint> = {}): BpfState<Num> {
  const mem = new ConcreteMemory();
  mem.map('stack', STACK, new Uint8Array(64));
  const r: Num[] = new Array<Num>(12).fill(0n);
  r[10] = BigInt(STACK + 64);
  for (const [k, v] of Object.entries(regs)) r[Number(k)] = v;
  return { regs: r, mem };
}

/** Run one instruction (plus its second half for LD_IMM64) on `st`. */
function run1(st: BpfState<Num>, i: Insn, order: ByteOrder = 'le', next?: Insn): Effect<boolean> {
  return step(concrete, st, i, 0, next, { order });
}

/** dst after one instruction, starting from the given registers. */
function after(i: Insn, regs: Record<number, bigint>, order: ByteOrder = 'le'): bigint {
  const st = machine(regs);
  run1(st, i, order);
  return st.regs[i.dst] as bigint;
}

// opcode bytes (RFC 9669 section 3: class | source | operation)
const ALU64_K = (o: number) => 0x07 | o;
const ALU64_X = (o: number) => 0x0f | o;
const ALU_K = (o: number) => 0x04 | o;
const ALU_X = (o: number) => 0x0c | o;
const [ADD, SUB, MUL, DIV, OR, AND, LSH, RSH, NEG, MOD, XOR, MOV, ARSH, END] = [
  0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0,
];
const M64 = 0xffff_ffff_ffff_ffffn;

describe('ALU arithmetic (RFC 9669 4.1)', () => {
  test('ALU64 ADD wraps at 64 bits; K is sign-extended', () => {
    // test_bpf "ALU64_ADD_K: 0 + (-1) = 0xffffffffffffffff"
    expect(after(insn(ALU64_K(ADD), 0, 0, 0, -1), { 0: 0n })).toBe(M64);
    expect(after(insn(ALU64_X(ADD), 1, 2, 0, 0), { 1: M64, 2: 2n })).toBe(1n);
  });
  test('ALU 32-bit ops work on the low words and zero-extend', () => {
    // 0x1_ffff_fffe + 2: low word wraps to 0, the high word is cleared
    expect(after(insn(ALU_K(ADD), 1, 0, 0, 2), { 1: 0x1_ffff_fffen })).toBe(0n);
    // test_bpf "INT: MUL32_X": (u32)(-1 * 3) = 0xfffffffd
    expect(after(insn(ALU_X(MUL), 1, 2, 0, 0), { 1: M64, 2: 3n })).toBe(0xffff_fffdn);
    expect(after(insn(ALU_X(SUB), 1, 2, 0, 0), { 1: 0n, 2: 1n })).toBe(0xffff_ffffn);
  });
  test('ALU64 MUL and SUB', () => {
    // test_bpf "INT: MUL_X": -1 * 3 = -3
    expect(after(insn(ALU64_X(MUL), 1, 2, 0, 0), { 1: M64, 2: 3n })).toBe(M64 - 2n);
    // 0x1_0000_0000 * 0x1_0000_0000 = 2^64, wraps to 0
    expect(after(insn(ALU64_X(MUL), 1, 2, 0, 0), { 1: 1n << 32n, 2: 1n << 32n })).toBe(0n);
    expect(after(insn(ALU64_K(SUB), 1, 0, 0, 1), { 1: 0n })).toBe(M64);
  });
  test('bitwise ops', () => {
    expect(after(insn(ALU64_X(AND), 1, 2, 0, 0), { 1: 0xff00_ff00_ff00_ff00n, 2: 0x0ff0_0ff0_0ff0_0ff0n })).toBe(0x0f00_0f00_0f00_0f00n);
    expect(after(insn(ALU64_X(OR), 1, 2, 0, 0), { 1: 0xf0n << 56n, 2: 0x0fn })).toBe((0xf0n << 56n) | 0x0fn);
    // K -1 sign-extends: XOR with all ones is NOT
    expect(after(insn(ALU64_K(XOR), 1, 0, 0, -1), { 1: 0x1234n })).toBe(M64 ^ 0x1234n);
    // 32-bit: the AND with K -1 keeps the low word and clears the high one
    expect(after(insn(ALU_K(AND), 1, 0, 0, -1), { 1: 0xdead_beef_1234_5678n })).toBe(0x1234_5678n);
  });
  test('NEG', () => {
    expect(after(insn(ALU64_K(NEG), 1, 0, 0, 0), { 1: 1n })).toBe(M64);
    expect(after(insn(ALU_K(NEG), 1, 0, 0, 0), { 1: 1n })).toBe(0xffff_ffffn);
    expect(after(insn(ALU_K(NEG), 1, 0, 0, 0), { 1: 0xffff_ffff_0000_0000n })).toBe(0n);
  });
  test('MOV: K sign-extended for ALU64, zero-extended for ALU', () => {
    expect(after(insn(ALU64_K(MOV), 1, 0, 0, -2), {})).toBe(M64 - 1n);
    expect(after(insn(ALU_K(MOV), 1, 0, 0, -2), {})).toBe(0xffff_fffen);
    expect(after(insn(ALU_X(MOV), 1, 2, 0, 0), { 2: 0xaaaa_bbbb_cccc_ddddn })).toBe(0xcccc_ddddn);
  });
});

describe('shifts mask their amount (RFC 9669 4.1: & 63 / & 31)', () => {
  test('LSH/RSH by register', () => {
    expect(after(insn(ALU64_X(LSH), 1, 2, 0, 0), { 1: 1n, 2: 65n })).toBe(2n);
    expect(after(insn(ALU_X(LSH), 1, 2, 0, 0), { 1: 1n, 2: 33n })).toBe(2n);
    expect(after(insn(ALU64_X(RSH), 1, 2, 0, 0), { 1: 1n << 63n, 2: 63n })).toBe(1n);
    // the 32-bit shift sees only the low word: 0x1_8000_0000 >> 31 = 1
    expect(after(insn(ALU_X(RSH), 1, 2, 0, 0), { 1: 0x1_8000_0000n, 2: 31n })).toBe(1n);
    expect(after(insn(ALU64_K(LSH), 1, 0, 0, 32), { 1: 0xffff_ffffn })).toBe(0xffff_ffff_0000_0000n);
  });
  test('ARSH fills with the sign bit of the operand width', () => {
    expect(after(insn(ALU64_K(ARSH), 1, 0, 0, 63), { 1: 1n << 63n })).toBe(M64);
    // test_bpf "ALU_ARSH_K: -1234 >> 7 = -10" (32-bit, result zero-extended)
    expect(after(insn(ALU_K(ARSH), 1, 0, 0, 7), { 1: BigInt.asUintN(64, -1234n) })).toBe(BigInt.asUintN(32, -10n));
    expect(after(insn(ALU_X(ARSH), 1, 2, 0, 0), { 1: 0x8000_0000n, 2: 31n + 32n })).toBe(0xffff_ffffn);
  });
});

describe('division (RFC 9669 4.1: x / 0 = 0, x % 0 = x; SDIV/SMOD with off = 1)', () => {
  test('unsigned DIV/MOD', () => {
    expect(after(insn(ALU64_X(DIV), 1, 2, 0, 0), { 1: M64, 2: 2n })).toBe(M64 >> 1n);
    expect(after(insn(ALU64_K(MOD), 1, 0, 0, 7), { 1: 100n })).toBe(2n);
    // K is sign-extended, so 64-bit DIV by K -1 divides by 2^64-1
    expect(after(insn(ALU64_K(DIV), 1, 0, 0, -1), { 1: M64 })).toBe(1n);
    // 32-bit DIV by K -1 divides by 0xffffffff
    expect(after(insn(ALU_K(DIV), 1, 0, 0, -1), { 1: 0xffff_ffffn })).toBe(1n);
    expect(after(insn(ALU_X(MOD), 1, 2, 0, 0), { 1: 0x1_0000_0005n, 2: 3n })).toBe(2n);
  });
  test('division by zero', () => {
    expect(after(insn(ALU64_X(DIV), 1, 2, 0, 0), { 1: 1234n, 2: 0n })).toBe(0n);
    expect(after(insn(ALU_K(DIV), 1, 0, 0, 0), { 1: 1234n })).toBe(0n);
    expect(after(insn(ALU64_X(MOD), 1, 2, 0, 0), { 1: 0xdead_beef_0000_0001n, 2: 0n })).toBe(0xdead_beef_0000_0001n);
    // RFC: for BPF_ALU the upper 32 bits of the destination are zeroed
    expect(after(insn(ALU_X(MOD), 1, 2, 0, 0), { 1: 0xdead_beef_0000_0001n, 2: 0n })).toBe(1n);
    // a divisor whose low word is zero is zero for the 32-bit op
    expect(after(insn(ALU_X(DIV), 1, 2, 0, 0), { 1: 5n, 2: 1n << 32n })).toBe(0n);
    expect(after(insn(ALU64_X(DIV), 1, 2, 0, 1), { 1: 5n, 2: 0n })).toBe(0n);
    expect(after(insn(ALU64_X(MOD), 1, 2, 0, 1), { 1: M64, 2: 0n })).toBe(M64);
  });
  test('SDIV/SMOD truncate toward zero', () => {
    const s64 = (v: bigint) => BigInt.asUintN(64, v);
    const s32 = (v: bigint) => BigInt.asUintN(32, v);
    expect(after(insn(ALU64_X(DIV), 1, 2, 1, 0), { 1: s64(-7n), 2: 2n })).toBe(s64(-3n));
    expect(after(insn(ALU64_X(MOD), 1, 2, 1, 0), { 1: s64(-7n), 2: 2n })).toBe(s64(-1n));
    expect(after(insn(ALU64_K(MOD), 1, 0, 1, -2), { 1: 7n })).toBe(1n);
    expect(after(insn(ALU64_K(DIV), 1, 0, 1, -2), { 1: 7n })).toBe(s64(-3n));
    expect(after(insn(ALU_K(DIV), 1, 0, 1, -2), { 1: s32(-7n) })).toBe(3n);
    expect(after(insn(ALU_X(MOD), 1, 2, 1, 0), { 1: s32(-7n), 2: 2n })).toBe(s32(-1n));
    // INT_MIN / -1 overflows to INT_MIN, INT_MIN % -1 = 0 (the verifier's rewrite gives the same)
    expect(after(insn(ALU64_K(DIV), 1, 0, 1, -1), { 1: 1n << 63n })).toBe(1n << 63n);
    expect(after(insn(ALU64_K(MOD), 1, 0, 1, -1), { 1: 1n << 63n })).toBe(0n);
    expect(after(insn(ALU_K(DIV), 1, 0, 1, -1), { 1: 0x8000_0000n })).toBe(0x8000_0000n);
  });
});

describe('MOVSX (ISA v4)', () => {
  test('ALU64 MOVSX 8/16/32', () => {
    expect(after(insn(ALU64_X(MOV), 1, 2, 8, 0), { 2: 0x1234_5680n })).toBe(M64 - 0x7fn);
    expect(after(insn(ALU64_X(MOV), 1, 2, 16, 0), { 2: 0x8000n })).toBe(M64 - 0x7fffn);
    expect(after(insn(ALU64_X(MOV), 1, 2, 32, 0), { 2: 0x1_8000_0000n })).toBe(0xffff_ffff_8000_0000n);
    expect(after(insn(ALU64_X(MOV), 1, 2, 8, 0), { 2: 0x7fn })).toBe(0x7fn);
  });
  test('ALU MOVSX 8/16 sign-extends into the low word only', () => {
    expect(after(insn(ALU_X(MOV), 1, 2, 8, 0), { 2: 0x1ff80n })).toBe(0xffff_ff80n);
    expect(after(insn(ALU_X(MOV), 1, 2, 16, 0), { 2: 0xffff_8001n })).toBe(0xffff_8001n);
  });
  test('ALU MOVSX 32 is reserved', () => {
    expect(() => after(insn(ALU_X(MOV), 1, 2, 32, 0), {})).toThrow(ReservedInsn);
  });
});

describe('byte order operations (RFC 9669 4.2)', () => {
  const v = 0x0123_4567_89ab_cdefn;
  const TO_LE = 0x00;
  const TO_BE = 0x08;
  test('END TO_BE is a swap on little endian and a truncation on big endian', () => {
    expect(after(insn(ALU_K(END) | TO_BE, 1, 0, 0, 16), { 1: v }, 'le')).toBe(0xefcdn);
    expect(after(insn(ALU_K(END) | TO_BE, 1, 0, 0, 16), { 1: v }, 'be')).toBe(0xcdefn);
    expect(after(insn(ALU_K(END) | TO_BE, 1, 0, 0, 32), { 1: v }, 'le')).toBe(0xefcd_ab89n);
    expect(after(insn(ALU_K(END) | TO_BE, 1, 0, 0, 64), { 1: v }, 'le')).toBe(0xefcd_ab89_6745_2301n);
    expect(after(insn(ALU_K(END) | TO_BE, 1, 0, 0, 64), { 1: v }, 'be')).toBe(v);
  });
  test('END TO_LE is a swap on big endian and a truncation on little endian', () => {
    expect(after(insn(ALU_K(END) | TO_LE, 1, 0, 0, 32), { 1: v }, 'be')).toBe(0xefcd_ab89n);
    expect(after(insn(ALU_K(END) | TO_LE, 1, 0, 0, 32), { 1: v }, 'le')).toBe(0x89ab_cdefn);
    expect(after(insn(ALU_K(END) | TO_LE, 1, 0, 0, 16), { 1: v }, 'le')).toBe(0xcdefn);
  });
  test('BSWAP (ALU64 END) swaps whatever the target', () => {
    for (const order of ['le', 'be'] as const) {
      expect(after(insn(ALU64_K(END), 1, 0, 0, 16), { 1: v }, order)).toBe(0xefcdn);
      expect(after(insn(ALU64_K(END), 1, 0, 0, 32), { 1: v }, order)).toBe(0xefcd_ab89n);
      expect(after(insn(ALU64_K(END), 1, 0, 0, 64), { 1: v }, order)).toBe(0xefcd_ab89_6745_2301n);
    }
  });
});

describe('loads and stores (RFC 9669 5)', () => {
  const STX_DW = 0x7b;
  const LDX = { B: 0x71, H: 0x69, W: 0x61, DW: 0x79 };
  const LDSX = { B: 0x91, H: 0x89, W: 0x81 };
  test('a DW store read back by byte shows the byte order', () => {
    for (const [order, first, half, word] of [
      ['le', 0x08n, 0x0708n, 0x0506_0708n],
      ['be', 0x01n, 0x0102n, 0x0102_0304n],
    ] as const) {
      const st = machine({ 1: 0x0102_0304_0506_0708n });
      run1(st, insn(STX_DW, 10, 1, -8, 0), order);
      run1(st, insn(LDX.B, 2, 10, -8, 0), order);
      run1(st, insn(LDX.H, 3, 10, -8, 0), order);
      run1(st, insn(LDX.W, 4, 10, -8, 0), order);
      run1(st, insn(LDX.DW, 5, 10, -8, 0), order);
      expect([st.regs[2], st.regs[3], st.regs[4], st.regs[5]]).toEqual([first, half, word, 0x0102_0304_0506_0708n]);
    }
  });
  test('ST stores the low bytes of the sign-extended imm', () => {
    const st = machine();
    run1(st, insn(0x7a, 10, 0, -8, -2), 'be'); // ST DW: 0xffff_ffff_ffff_fffe
    run1(st, insn(0x62, 10, 0, -16, 0x11223344), 'be'); // ST W
    run1(st, insn(0x79, 1, 10, -8, 0), 'be');
    run1(st, insn(0x71, 2, 10, -13, 0), 'be'); // byte 3 of the word at -16: 0x44
    expect([st.regs[1], st.regs[2]]).toEqual([M64 - 1n, 0x44n]);
  });
  test('MEMSX loads sign-extend (ISA v4)', () => {
    const st = machine({ 1: 0x0000_0000_8000_ff80n });
    run1(st, insn(STX_DW, 10, 1, -8, 0), 'le');
    run1(st, insn(LDSX.B, 2, 10, -8, 0), 'le'); // 0x80
    run1(st, insn(LDSX.H, 3, 10, -8, 0), 'le'); // 0xff80
    run1(st, insn(LDSX.W, 4, 10, -8, 0), 'le'); // 0x8000ff80
    run1(st, insn(LDSX.B, 5, 10, -7, 0), 'le'); // 0xff
    expect([st.regs[2], st.regs[3], st.regs[4], st.regs[5]]).toEqual([
      M64 - 0x7fn,
      M64 - 0x7fn,
      0xffff_ffff_8000_ff80n,
      M64,
    ]);
  });
  test('out-of-bounds access throws a MemoryFault', () => {
    const st = machine();
    expect(() => run1(st, insn(LDX.W, 0, 10, 0, 0))).toThrow(/outside mapped memory/);
    // a pointer with a non-zero high word is outside the 32-bit space
    expect(() => run1(machine({ 1: 1n << 32n }), insn(LDX.B, 0, 1, 0, 0))).toThrow(/outside/);
  });
  test('LD_IMM64 joins both halves', () => {
    const st = machine();
    const e = run1(st, insn(0x18, 3, 0, 0, 0x89abcdef), 'le', insn(0, 0, 0, 0, 0x01234567));
    expect(st.regs[3]).toBe(0x0123_4567_89ab_cdefn);
    expect(e).toEqual({ kind: 'next', size: 2 });
  });
});

describe('atomics (RFC 9669 5.3)', () => {
  const ATOMIC_W = 0xc3;
  const ATOMIC_DW = 0xdb;
  const FETCH = 0x01;
  function atomic(code: number, imm: number, mem: bigint, src: bigint, r0 = 0n) {
    const st = machine({ 1: mem, 2: src, 0: r0 });
    // store the initial value as DW at fp-8, run the atomic on it, read it back
    run1(st, insn(0x7b, 10, 1, -8, 0), 'be');
    run1(st, insn(code, 10, 2, -8, imm), 'be');
    run1(st, insn(0x79, 3, 10, -8, 0), 'be');
    return { mem: st.regs[3], src: st.regs[2], r0: st.regs[0] };
  }
  test('ADD/AND/OR/XOR 64 without and with FETCH', () => {
    expect(atomic(ATOMIC_DW, ADD, 0xffff_ffffn, 1n)).toEqual({ mem: 1n << 32n, src: 1n, r0: 0n });
    expect(atomic(ATOMIC_DW, ADD | FETCH, 0xffff_ffffn, 1n)).toEqual({ mem: 1n << 32n, src: 0xffff_ffffn, r0: 0n });
    expect(atomic(ATOMIC_DW, AND | FETCH, 0xf0f0n, 0xff00n)).toEqual({ mem: 0xf000n, src: 0xf0f0n, r0: 0n });
    expect(atomic(ATOMIC_DW, OR, 0xf0f0n, 0x0f00n).mem).toBe(0xfff0n);
    expect(atomic(ATOMIC_DW, XOR | FETCH, 0xf0f0n, 0xffffn)).toEqual({ mem: 0x0f0fn, src: 0xf0f0n, r0: 0n });
  });
  test('32-bit atomics touch the word at the address (big endian: the high word of the DW)', () => {
    // word at fp-8 on big endian is the high half 0x0000_0001; fetch zero-extends
    const r = atomic(ATOMIC_W, ADD | FETCH, 0x0000_0001_ffff_ffffn, 0xffff_ffff_ffff_ffffn);
    expect(r).toEqual({ mem: 0x0000_0000_ffff_ffffn, src: 1n, r0: 0n });
  });
  test('XCHG', () => {
    expect(atomic(ATOMIC_DW, 0xe1, 5n, 7n)).toEqual({ mem: 7n, src: 5n, r0: 0n });
    expect(atomic(ATOMIC_W, 0xe1, 5n << 32n, M64)).toEqual({ mem: 0xffff_ffff_0000_0000n, src: 5n, r0: 0n });
  });
  test('CMPXCHG stores only on a match and always loads R0', () => {
    expect(atomic(ATOMIC_DW, 0xf1, 5n, 7n, 5n)).toEqual({ mem: 7n, src: 7n, r0: 5n });
    expect(atomic(ATOMIC_DW, 0xf1, 5n, 7n, 6n)).toEqual({ mem: 5n, src: 7n, r0: 5n });
    // 32-bit compares the low word of R0 and zero-extends the old value into R0
    expect(atomic(ATOMIC_W, 0xf1, 5n << 32n, 7n, 0xffff_ffff_0000_0005n)).toEqual({ mem: 7n << 32n, src: 7n, r0: 5n });
  });
  test('unknown atomic operation is reserved', () => {
    expect(() => atomic(ATOMIC_DW, 0x20, 0n, 0n)).toThrow(ReservedInsn);
  });
});

describe('jumps (RFC 9669 4.3)', () => {
  const JMP_K = (o: number) => 0x05 | o;
  const JMP_X = (o: number) => 0x0d | o;
  const JMP32_K = (o: number) => 0x06 | o;
  const JMP32_X = (o: number) => 0x0e | o;
  const [JEQ, JGT, JGE, JSET, JNE, JSGT, JSGE, JLT, JLE, JSLT, JSLE] = [
    0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0,
  ];
  function taken(i: Insn, regs: Record<number, bigint>): boolean {
    const e = step(concrete, machine(regs), i, 10, undefined, { order: 'le' });
    if (e.kind !== 'branch') throw new Error('not a branch');
    expect(e.target).toBe(10 + 1 + i.off);
    return e.taken;
  }
  const minus1 = M64;
  test('unsigned and signed 64-bit conditions', () => {
    expect(taken(insn(JMP_X(JGT), 1, 2, 3, 0), { 1: minus1, 2: 1n })).toBe(true);
    expect(taken(insn(JMP_X(JSGT), 1, 2, 3, 0), { 1: minus1, 2: 1n })).toBe(false);
    expect(taken(insn(JMP_X(JSLT), 1, 2, 3, 0), { 1: minus1, 2: 1n })).toBe(true);
    expect(taken(insn(JMP_X(JLT), 1, 2, 3, 0), { 1: minus1, 2: 1n })).toBe(false);
    expect(taken(insn(JMP_X(JGE), 1, 2, 3, 0), { 1: 5n, 2: 5n })).toBe(true);
    expect(taken(insn(JMP_X(JLE), 1, 2, 3, 0), { 1: 5n, 2: 5n })).toBe(true);
    expect(taken(insn(JMP_X(JSGE), 1, 2, 3, 0), { 1: minus1, 2: minus1 })).toBe(true);
    expect(taken(insn(JMP_X(JSLE), 1, 2, 3, 0), { 1: 0n, 2: minus1 })).toBe(false);
    expect(taken(insn(JMP_X(JNE), 1, 2, 3, 0), { 1: 1n << 32n, 2: 0n })).toBe(true);
    expect(taken(insn(JMP_X(JSET), 1, 2, 3, 0), { 1: 1n << 40n, 2: 3n << 40n })).toBe(true);
    expect(taken(insn(JMP_X(JSET), 1, 2, 3, 0), { 1: 1n << 40n, 2: 1n })).toBe(false);
  });
  test('JMP K is sign-extended to 64 bits', () => {
    // test_bpf "JMP_JEQ_K: if (-1 == -1) return 1" style: imm -1 equals all ones
    expect(taken(insn(JMP_K(JEQ), 1, 0, -2, -1), { 1: minus1 })).toBe(true);
    expect(taken(insn(JMP_K(JEQ), 1, 0, -2, -1), { 1: 0xffff_ffffn })).toBe(false);
    expect(taken(insn(JMP_K(JSGT), 1, 0, 1, -1), { 1: 0n })).toBe(true);
  });
  test('JMP32 compares the low words only', () => {
    expect(taken(insn(JMP32_K(JEQ), 1, 0, 1, -1), { 1: 0xffff_ffffn })).toBe(true);
    expect(taken(insn(JMP32_X(JEQ), 1, 2, 1, 0), { 1: 0x1_0000_0007n, 2: 7n })).toBe(true);
    expect(taken(insn(JMP32_K(JSLT), 1, 0, 1, 0), { 1: 0x0000_0000_8000_0000n })).toBe(true);
    expect(taken(insn(JMP32_K(JGT), 1, 0, 1, 0), { 1: 1n << 32n })).toBe(false);
  });
  test('JA uses off; JMP32 JA (gotol) uses imm', () => {
    expect(step(concrete, machine(), insn(0x05, 0, 0, -5, 0), 10, undefined, { order: 'le' })).toEqual({ kind: 'branch', taken: true, target: 6 });
    expect(step(concrete, machine(), insn(0x06, 0, 0, 0, 70000), 10, undefined, { order: 'le' })).toEqual({
      kind: 'branch',
      taken: true,
      target: 70011,
    });
  });
  test('calls and exit', () => {
    const at = (i: Insn) => step(concrete, machine(), i, 4, undefined, { order: 'le' });
    expect(at(insn(0x85, 0, 0, 0, 5))).toEqual({ kind: 'call', callee: 'helper', id: 5 });
    expect(at(insn(0x85, 0, 1, 0, -3))).toEqual({ kind: 'call', callee: 'local', target: 2 });
    expect(at(insn(0x85, 0, 2, 0, 777))).toEqual({ kind: 'call', callee: 'kfunc', id: 777 });
    expect(at(insn(0x85, 0, 0, 0, 12))).toEqual({ kind: 'tailcall' });
    expect(at(insn(0xf5, 0, 0, 0, 0))).toEqual({ kind: 'tailcall' });
    expect(at(insn(0x95, 0, 0, 0, 0))).toEqual({ kind: 'exit' });
  });
});

describe('reserved encodings', () => {
  test('are rejected with the instruction index and hex', () => {
    expect(() => step(concrete, machine(), insn(0xff, 0, 0, 0, 0), 7, undefined, { order: 'le' })).toThrow(/insn 7 \(ff 00 0000 00000000\)/);
    expect(() => run1(machine(), insn(ALU64_K(END), 1, 0, 0, 24))).toThrow(ReservedInsn);
    expect(() => run1(machine(), insn(ALU64_X(DIV), 1, 2, 2, 0))).toThrow(ReservedInsn);
    expect(() => run1(machine(), insn(0x18, 1, 0, 0, 0))).toThrow(/second half/);
    expect(() => run1(machine(), insn(0x20, 0, 0, 0, 0))).toThrow(/LD ABS\/IND/);
  });
});
