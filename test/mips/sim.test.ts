// The concrete simulator: delay slots, compact branches and forbidden slots, each fault
// kind, both byte orders, ll/sc, native routines. Expected values are hand-computed
// from the manuals' descriptions (MD00086/MD00087), written next to each check.
import { describe, expect, test } from 'vitest';
import { ConcreteMemory } from '../../src/bv/memory.ts';
import type { ByteOrder } from '../../src/bv/types.ts';
import { ins } from '../../src/mips/builder.ts';
import { encode, type MipsInsn } from '../../src/mips/codec.ts';
import { A0, A1, A2, A3, RA, SP, T0, T1, T2, V0, V1, ZERO } from '../../src/mips/regs.ts';
import { MipsFault, Simulator } from '../../src/mips/sim.ts';
import type { Isa, MipsFaultKind } from '../../src/mips/state.ts';

const CODE = 0x1000;
const DATA = 0x20000;

function machine(prog: MipsInsn[] | number[], isa: Isa = 'r2', endian: ByteOrder = 'be'): Simulator {
  const memory = new ConcreteMemory();
  const code = new Uint8Array(prog.length * 4 + 4);
  const dv = new DataView(code.buffer);
  prog.forEach((p, i) => dv.setUint32(i * 4, typeof p === 'number' ? p : encode(p, isa), endian === 'le'));
  memory.map('code', CODE, code, false);
  memory.map('data', DATA, new Uint8Array(64));
  memory.map('stack', 0x30000, new Uint8Array(256));
  const sim = new Simulator({ isa, endian, memory });
  sim.setReg(SP, 0x30080);
  return sim;
}

/** Run until `jr ra` returns to the halt address. */
function run(prog: MipsInsn[] | number[], isa: Isa = 'r2', endian: ByteOrder = 'be', setup?: (s: Simulator) => void): Simulator {
  const sim = machine(prog, isa, endian);
  setup?.(sim);
  sim.call(CODE, [], 1000);
  return sim;
}

function faultOf(f: () => unknown): MipsFault {
  try {
    f();
  } catch (e) {
    if (e instanceof MipsFault) return e;
    throw e;
  }
  throw new Error('no fault');
}

const RET = [ins.jr(RA), ins.nop()];

describe('delay slots', () => {
  test('the delay-slot instruction runs before a taken branch lands', () => {
    const s = run([
      ins.beq(ZERO, ZERO, 8), // to the jr below (pc 0x1000 + 4 + 8)
      ins.addiu(V0, ZERO, 1), // delay slot: runs
      ins.addiu(V0, ZERO, 2), // skipped
      ...RET,
    ]);
    expect(s.reg(V0)).toBe(1);
  });
  test('and after a branch that is not taken', () => {
    const s = run([ins.bne(ZERO, ZERO, 8), ins.addiu(V0, ZERO, 1), ins.addiu(V1, ZERO, 2), ...RET]);
    expect([s.reg(V0), s.reg(V1)]).toEqual([1, 2]);
  });
  test('jal links pc + 8 and its slot runs', () => {
    const s = run([ins.jal(CODE + 16), ins.addiu(V0, ZERO, 5), ins.nop(), ins.nop(), ins.addu(V1, RA, ZERO), ins.lui(RA, 0xffff), ins.ori(RA, RA, 0xfff0), ...RET]);
    expect(s.reg(V1)).toBe(CODE + 8);
    expect(s.reg(V0)).toBe(5);
  });
  test('a branch in a delay slot is a reserved instruction', () => {
    const f = faultOf(() => run([ins.beq(ZERO, ZERO, 8), ins.beq(ZERO, ZERO, 0), ins.nop(), ...RET]));
    expect(f.kind).toBe('reserved');
    expect(f.pc).toBe(CODE + 4);
  });
});

describe('R6 compact branches', () => {
  test('no delay slot: the next instruction is skipped when taken', () => {
    const s = run([ins.bc(4), ins.addiu(V0, ZERO, 1), ins.addiu(V1, ZERO, 2), ...RET], 'r6');
    expect([s.reg(V0), s.reg(V1)]).toEqual([0, 2]);
  });
  test('balc links pc + 4', () => {
    const s = run([ins.balc(0), ins.addu(V0, RA, ZERO), ins.lui(RA, 0xffff), ins.ori(RA, RA, 0xfff0), ...RET], 'r6');
    expect(s.reg(V0)).toBe(CODE + 4);
  });
  test('forbidden slot runs when not taken; a CTI there is reserved', () => {
    const s = run([ins.bnezc(A0, 4), ins.addiu(V0, ZERO, 7), ...RET], 'r6');
    expect(s.reg(V0)).toBe(7);
    const f = faultOf(() => run([ins.bnezc(A0, 4), ins.bc(0), ...RET], 'r6'));
    expect(f.kind).toBe('reserved');
    expect(f.message).toMatch(/forbidden slot/);
    // taken: the forbidden slot is skipped, so a CTI there is fine
    const t = run([ins.beqzc(A0, 4), ins.bc(0), ...RET], 'r6');
    expect(t.reg(V0)).toBe(0);
  });
  test('jic jumps to rt + offset', () => {
    const s = run([ins.lui(T0, 0), ins.ori(T0, T0, CODE + 12 + 8), ins.jic(T0, -8), ins.addiu(V0, ZERO, 1), ...RET], 'r6');
    expect(s.reg(V0)).toBe(1);
    const k = run([ins.lui(T0, 0), ins.ori(T0, T0, CODE + 16 + 8), ins.jic(T0, -8), ins.addiu(V0, ZERO, 1), ...RET], 'r6');
    expect(k.reg(V0)).toBe(0);
  });
});

describe('faults', () => {
  const cases: [string, MipsInsn[] | number[], Isa, MipsFaultKind, number][] = [
    ['misaligned load', [ins.lui(T0, 2), ins.lw(V0, 2, T0), ...RET], 'r2', 'align-load', CODE + 4],
    ['misaligned halfword store', [ins.lui(T0, 2), ins.sh(V0, 1, T0), ...RET], 'r2', 'align-store', CODE + 4],
    ['jump to a misaligned address', [ins.lui(T0, 0), ins.ori(T0, T0, CODE + 2), ins.jr(T0), ins.nop()], 'r2', 'align-fetch', CODE + 2],
    ['load outside memory', [ins.lw(V0, 0, ZERO), ...RET], 'r2', 'bus', CODE],
    ['store to read-only code', [ins.lui(T0, 0), ins.sw(V0, CODE, T0), ...RET], 'r2', 'bus', CODE + 4],
    ['R2-only mult on R6', [encode(ins.mult(A0, A1), 'r2'), ...RET.map((i) => encode(i, 'r6'))], 'r6', 'reserved', CODE],
    ['R6-only muhu on R2', [encode(ins.muhu(A0, A1, A2), 'r6'), ...RET.map((i) => encode(i, 'r2'))], 'r2', 'reserved', CODE],
    ['R2 jr encoding on R6', [0x03e00008, 0], 'r6', 'reserved', CODE],
    ['unknown word', [0xffffffff], 'r2', 'reserved', CODE],
    ['break', [ins.break(3), ...RET], 'r6', 'break', CODE],
    ['budget', [ins.beq(ZERO, ZERO, -4), ins.nop()], 'r2', 'budget', CODE],
  ];
  for (const [name, prog, isa, kind, pc] of cases) {
    test(name, () => {
      const f = faultOf(() => run(prog, isa));
      expect(f.kind).toBe(kind);
      expect(f.pc).toBe(pc);
    });
  }
  test('messages name the reason', () => {
    expect(faultOf(() => run([encode(ins.mult(A0, A1), 'r2')], 'r6')).message).toMatch(/mult exists only on r2/);
    expect(faultOf(() => run([ins.lui(T0, 2), ins.lw(V0, 2, T0)])).message).toMatch(/misaligned 0x00020002/);
  });
});

describe('byte orders', () => {
  const prog = [
    ins.lui(T0, 2), // T0 = DATA
    ins.lui(T1, 0x1122),
    ins.ori(T1, T1, 0x3344),
    ins.sw(T1, 0, T0),
    ins.lbu(V0, 0, T0),
    ins.lhu(V1, 2, T0),
    ins.lb(A0, 3, T0),
    ...RET,
  ];
  test('big endian: byte 0 is the most significant', () => {
    const s = run(prog, 'r2', 'be');
    expect([s.reg(V0), s.reg(V1), s.reg(A0)]).toEqual([0x11, 0x3344, 0x44]);
  });
  test('little endian: byte 0 is the least significant', () => {
    const s = run(prog, 'r6', 'le');
    expect([s.reg(V0), s.reg(V1), s.reg(A0)]).toEqual([0x44, 0x1122, 0x11]);
  });
  test('sign extension of lb/lh', () => {
    const s = run([ins.lui(T0, 2), ins.addiu(T1, ZERO, -128), ins.sb(T1, 5, T0), ins.lb(V0, 5, T0), ins.lbu(V1, 5, T0), ...RET]);
    expect([s.reg(V0), s.reg(V1)]).toEqual([0xffffff80, 0x80]);
  });
});

describe('semantics, hand-computed', () => {
  test('multu/mult: 0xffffffff * 2', () => {
    const s = run([ins.addiu(T0, ZERO, -1), ins.addiu(T1, ZERO, 2), ins.multu(T0, T1), ins.mfhi(V0), ins.mflo(V1), ins.mult(T0, T1), ins.mfhi(A0), ins.mflo(A1), ...RET]);
    // unsigned: 0x1_fffffffe; signed: -2 = 0xffffffff_fffffffe
    expect([s.reg(V0), s.reg(V1), s.reg(A0), s.reg(A1)]).toEqual([1, 0xfffffffe, 0xffffffff, 0xfffffffe]);
  });
  test('div truncates toward zero, remainder takes the dividend sign', () => {
    const s = run([ins.addiu(T0, ZERO, -7), ins.addiu(T1, ZERO, 2), ins.div(T0, T1), ins.mflo(V0), ins.mfhi(V1), ...RET]);
    expect([s.reg(V0) | 0, s.reg(V1) | 0]).toEqual([-3, -1]);
  });
  test('R6 muhu / modu', () => {
    const s = run([ins.addiu(T0, ZERO, -1), ins.addiu(T1, ZERO, -1), ins.muhu(V0, T0, T1), ins.addiu(T2, ZERO, 10), ins.modu(V1, T0, T2), ...RET], 'r6');
    // 0xffffffff^2 = 0xfffffffe_00000001; 4294967295 % 10 = 5
    expect([s.reg(V0), s.reg(V1)]).toEqual([0xfffffffe, 5]);
  });
  test('wsbh, seh, ext, ins, rotr, sltiu', () => {
    const s = run([
      ins.lui(T0, 0x1122), ins.ori(T0, T0, 0x8344),
      ins.wsbh(V0, T0), // 0x22114483
      ins.seh(V1, T0), // 0xffff8344
      ins.ext(A0, T0, 8, 12), // bits 19..8 = 0x283
      ins.addiu(A1, ZERO, -1), ins.ins(A1, ZERO, 4, 8), // 0xfffff00f
      ins.rotr(A2, T0, 8), // 0x44112283
      ins.sltiu(A3, T0, -1), // 0x11228344 < 0xffffffff
      ...RET,
    ]);
    expect([s.reg(V0), s.reg(V1), s.reg(A0), s.reg(A1), s.reg(A2), s.reg(A3)]).toEqual([0x22114483, 0xffff8344, 0x283, 0xfffff00f, 0x44112283, 1]);
  });
  test('movn/movz and seleqz/selnez', () => {
    const r2 = run([ins.addiu(T0, ZERO, 5), ins.movn(V0, T0, T0), ins.movz(V1, T0, T0), ...RET]);
    expect([r2.reg(V0), r2.reg(V1)]).toEqual([5, 0]);
    const r6 = run([ins.addiu(T0, ZERO, 5), ins.selnez(V0, T0, T0), ins.seleqz(V1, T0, T0), ...RET], 'r6');
    expect([r6.reg(V0), r6.reg(V1)]).toEqual([5, 0]);
  });
  test('ll/sc: stores after ll, fails without it', () => {
    const s = run([ins.lui(T0, 2), ins.addiu(T1, ZERO, 9), ins.ll(V0, 8, T0), ins.sc(T1, 8, T0), ins.addiu(T2, ZERO, 4), ins.sc(T2, 8, T0), ins.lw(V1, 8, T0), ...RET], 'r6');
    expect([s.reg(T1), s.reg(T2), s.reg(V1)]).toEqual([1, 0, 9]);
  });
  test('writes to $zero are dropped', () => {
    const s = run([ins.addiu(ZERO, ZERO, 5), ins.addu(V0, ZERO, ZERO), ...RET]);
    expect(s.reg(V0)).toBe(0);
  });
});

describe('native routines (O32)', () => {
  for (const endian of ['be', 'le'] as const) {
    test(`64-bit division through a native call (${endian})`, () => {
      const DIV64 = 0x7000;
      const sim = machine([
        ins.jal(DIV64), ins.nop(),
        ins.addu(T0, V0, ZERO), ins.addu(T1, V1, ZERO),
        ins.lui(RA, 0xffff), ins.ori(RA, RA, 0xfff0), ...RET,
      ], 'r2', endian);
      sim.registerNative(DIV64, (m) => m.return64(m.arg64(0) / m.arg64(2)));
      // dividend 0x1_00000000 in a0:a1, divisor 2 in a2:a3, ordered by byte order
      const pair = (hi: number, lo: number) => (endian === 'be' ? [hi, lo] : [lo, hi]);
      sim.call(CODE, [...pair(1, 0), ...pair(0, 2)], 100);
      const [first, second] = pair(0, 0x80000000);
      expect([sim.reg(T0), sim.reg(T1)]).toEqual([first, second]);
    });
  }
  test('stack arguments at sp + 16', () => {
    const sim = machine([ins.jal(0x7000), ins.nop(), ins.lui(RA, 0xffff), ins.ori(RA, RA, 0xfff0), ...RET]);
    sim.registerNative(0x7000, (m) => m.return32(m.argWord(4) + m.argWord(5)));
    expect(sim.call(CODE, [0, 0, 0, 0, 40, 2], 100)).toBe(42);
  });
});
