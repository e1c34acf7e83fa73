// The JIT model: register maps, conventions, long branches, tail calls, blinding.
// Expected values come from the O32 ABI and DESIGN.md's register table, the kernel's
// test_bpf expectations, and the reference interpreter (an independent BPF semantics).
import { describe, expect, test } from 'vitest';
import type { Insn } from '../../src/bpf/opcodes.ts';
import * as op from '../../src/bpf/opcodes.ts';
import type { Program } from '../../src/bpf/program.ts';
import { interpret } from '../../src/bpf/interpreter.ts';
import { config } from '../../src/config.ts';
import { jit } from '../../src/jit/core.ts';
import { defaultBinding } from '../../src/jit/binding.ts';
import { halves } from '../../src/jit/design.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';
import { blindConstants } from '../../src/jit/blind.ts';
import { decode } from '../../src/mips/codec.ts';
import * as R from '../../src/mips/regs.ts';
import { runProgramJit } from '../../src/verify/jit-runner.ts';
import { defaultHelpers, type Helper } from '../../src/bpf/helpers.ts';

const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const prog = (insns: Insn[]): Program => ({ id: 'test', insns, verifierZext: false, stackDepth: 64 });
const mov64 = (dst: number, imm: number) => I(op.ALU64 | op.MOV | op.K, dst, 0, 0, imm);
const exit = I(op.JMP | op.EXIT, 0, 0, 0, 0);

/** A helper whose result depends on every bit of all five arguments, in order. */
const MIX_ID = 200;
const mix: Helper = {
  name: 'mix',
  call: (a) => a.reduce((acc, v, k) => BigInt.asUintN(64, acc * 0x100000001b3n + v * BigInt(2 * k + 1)), 0xcbf29ce484222325n),
};
const helpers = new Map([...defaultHelpers(), [MIX_ID, mix]]);

function both(p: Program, id: string): { interp: number; jit: number } {
  const cfg = config(id);
  const interp = Number(interpret(p, { order: cfg.endian, helpers }).r0 & 0xffffffffn);
  const j = runProgramJit(p, { design: jitgen, config: cfg, binding: defaultBinding() }, null, new Map(), helpers);
  return { interp, jit: j.r0 };
}

describe('register map (DESIGN.md table, O32 pair order)', () => {
  test('pairs follow the O32 convention: the first register holds the high word on BE, the low on LE', () => {
    expect(halves(jitgen, 0, 'be')).toEqual({ hi: R.V0, lo: R.V1 });
    expect(halves(jitgen, 0, 'le')).toEqual({ lo: R.V0, hi: R.V1 });
    expect(halves(jitgen, 1, 'be')).toEqual({ hi: R.A0, lo: R.A1 });
    expect(halves(jitgen, 5, 'le')).toEqual({ lo: R.T4, hi: R.T5 });
    expect(halves(jitgen, 9, 'be')).toEqual({ hi: R.S6, lo: R.S7 });
  });
  test('R10 is fp with zero as its high word in both byte orders', () => {
    expect(halves(jitgen, 10, 'be')).toEqual({ lo: R.FP, hi: R.ZERO });
    expect(halves(jitgen, 10, 'le')).toEqual({ lo: R.FP, hi: R.ZERO });
  });
});

describe('conventions', () => {
  test('helper calls: R1-R5 reach the helper as the O32 ABI places five 64-bit arguments', () => {
    // bpf_test_func-style check through a helper that mixes all five arguments: the
    // interpreter hands them over directly, the JITed code through a0-a3 and the stack
    const args = [0x1111111122222222n, 0x3333333344444444n, 0x5555555566666666n, 0x7777777788888888n, 0x99999999aaaaaaaan];
    const insns: Insn[] = [];
    args.forEach((v, k) => {
      insns.push(I(op.LD | op.IMM | op.DW, k + 1, 0, 0, Number(v & 0xffffffffn) | 0), I(0, 0, 0, 0, Number(v >> 32n) | 0));
    });
    // the low word of the result, and (shifted down) the high word
    insns.push(I(op.JMP | op.CALL, 0, 0, 0, MIX_ID), exit);
    const hiWord = [...insns.slice(0, -1), I(op.ALU64 | op.RSH | op.K, 0, 0, 0, 32), exit];
    const want = mix.call(args, undefined as never);
    for (const id of ['be-r2', 'le-r2', 'be-r6', 'le-r6']) {
      expect(both(prog(insns), id)).toEqual({ interp: Number(want & 0xffffffffn), jit: Number(want & 0xffffffffn) });
      expect(both(prog(hiWord), id).jit).toBe(Number(want >> 32n));
    }
  });

  test('R6-R9 survive a helper call (callee-saved s0-s7)', () => {
    const insns = [mov64(6, 6), mov64(7, 7), mov64(8, 8), mov64(9, 9), I(op.JMP | op.CALL, 0, 0, 0, 42)];
    for (const r of [7, 8, 9]) insns.push(I(op.ALU64 | op.ADD | op.X, 6, r, 0, 0));
    insns.push(I(op.ALU64 | op.MOV | op.X, 0, 6, 0, 0), exit);
    for (const id of ['be-r2', 'le-r2', 'be-r6', 'le-r6']) expect(both(prog(insns), id)).toEqual({ interp: 30, jit: 30 });
  });
});

describe('long branches', () => {
  test('a jump beyond the 16-bit branch range becomes a j, and still lands right', () => {
    // 7000 64-bit adds of a constant that needs lui/ori (5 MIPS words each): 35000 words,
    // more than a branch's signed 16-bit word offset reaches
    const filler = Array.from({ length: 7000 }, () => I(op.ALU64 | op.ADD | op.K, 0, 0, 0, 100000));
    const insns = [mov64(0, 7), I(op.JMP | op.JEQ | op.K, 0, 0, filler.length, 7), ...filler, exit];
    for (const id of ['be-r2', 'le-r6']) {
      const cfg = config(id);
      const img = jit(prog(insns), { design: jitgen, config: cfg, binding: defaultBinding() });
      const ops = [...img.words.slice(0, 40)].map((w) => decode(w, cfg.isa)?.op);
      expect(ops).toContain('j');
      expect(both(prog(insns), id)).toEqual({ interp: 7, jit: 7 });
    }
  });
});

describe('constant blinding (bpf_jit_blind_constants)', () => {
  const sample = prog([
    mov64(0, 0),
    I(op.ALU64 | op.ADD | op.K, 0, 0, 0, 0x12345678),
    I(op.JMP | op.JEQ | op.K, 0, 0, 1, 0x12345678),
    mov64(0, 99),
    I(op.ST | op.MEM | op.W, 10, 0, -8, 0x0badf00d),
    I(op.LDX | op.MEM | op.W, 1, 10, -8, 0),
    I(op.JMP | op.JNE | op.K, 1, 0, -3, 0x0badf00d),
    exit,
  ]);

  test('rewrites as the kernel does: MOV 0 becomes XOR, K forms go through AX', () => {
    const b = blindConstants(sample, 1).insns;
    expect(b[0]).toEqual(I(op.ALU64 | op.XOR | op.X, 0, 0, 0, 0));
    expect(b.slice(1, 4).map((i) => i.code)).toEqual([op.ALU64 | op.MOV | op.K, op.ALU64 | op.XOR | op.K, op.ALU64 | op.ADD | op.X]);
    expect(b[3]!.src).toBe(op.REG_AX);
    expect((b[1]!.imm ^ b[2]!.imm) >>> 0).toBe(0x12345678);
  });

  test('the blinded program computes what the original does, and the JIT agrees', () => {
    const want = Number(interpret(sample, { order: 'be' }).r0);
    for (const seed of [1, 2, 3]) {
      const b = blindConstants(sample, seed);
      expect(Number(interpret(b, { order: 'be' }).r0)).toBe(want);
      for (const id of ['be-r2', 'le-r6']) expect(both(b, id).jit).toBe(want);
    }
  });

  test('the constants no longer appear in the image', () => {
    const cfg = config('be-r2');
    const halvesOf = (v: number) => [v >>> 16, v & 0xffff];
    const imms = (p: Program) =>
      [...jit(p, { design: jitgen, config: cfg, binding: defaultBinding() }).words].map((w) => decode(w, 'r2')).filter((d) => d && ['lui', 'ori'].includes(d.op)).map((d) => d!.args.at(-1));
    expect(imms(sample)).toEqual(expect.arrayContaining(halvesOf(0x0badf00d)));
    const blinded = imms(blindConstants(sample, 5));
    for (const h of [...halvesOf(0x0badf00d), ...halvesOf(0x12345678)]) expect(blinded).not.toContain(h);
  });
});
