// The interpreter as a machine: memory map, frames, calls, tail calls, faults, budget.
// Expected values are hand-computed from the programs below or follow the kernel's rules
// as lib/test_bpf.c's tail-call tests state them.
import { describe, expect, test } from 'vitest';
import { defaultHelpers, testFuncResult } from '../../src/bpf/helpers.ts';
import { BpfFault, CTX_BASE, Interpreter, interpret, MAX_CALL_FRAMES, type InterpOptions } from '../../src/bpf/interpreter.ts';
import type { Insn } from '../../src/bpf/opcodes.ts';
import type { Program } from '../../src/bpf/program.ts';

const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const prog = (id: string, insns: Insn[]): Program => ({ id, insns, verifierZext: false, stackDepth: 0 });

// a few encodings (RFC 9669 section 3)
const MOV64_K = (d: number, k: number) => I(0xb7, d, 0, 0, k);
const MOV64_X = (d: number, s: number) => I(0xbf, d, s, 0, 0);
const ADD64_K = (d: number, k: number) => I(0x07, d, 0, 0, k);
const ADD64_X = (d: number, s: number) => I(0x0f, d, s, 0, 0);
const LDX_W = (d: number, s: number, off: number) => I(0x61, d, s, off, 0);
const LDX_DW = (d: number, s: number, off: number) => I(0x79, d, s, off, 0);
const STX_W = (d: number, s: number, off: number) => I(0x63, d, s, off, 0);
const STX_DW = (d: number, s: number, off: number) => I(0x7b, d, s, off, 0);
const JA = (off: number) => I(0x05, 0, 0, off, 0);
const CALL = (id: number) => I(0x85, 0, 0, 0, id);
const CALL_LOCAL = (rel: number) => I(0x85, 0, 1, 0, rel);
const TAIL_CALL = I(0xf5, 0, 0, 0, 0);
const EXIT = I(0x95, 0, 0, 0, 0);
const LD_IMM64 = (d: number, v: bigint): Insn[] => [
  I(0x18, d, 0, 0, Number(BigInt.asIntN(32, v))),
  I(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))),
];

const LE: InterpOptions = { order: 'le' };

describe('registers and memory map', () => {
  test('R1 points to the context buffer; loads read it in the target byte order', () => {
    const p = prog('ctx', [LDX_W(0, 1, 4), EXIT]);
    const ctx = Uint8Array.of(0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44);
    expect(interpret(p, LE, { ctx }).r0).toBe(0x44332211n);
    expect(interpret(p, { order: 'be' }, { ctx }).r0).toBe(0x11223344n);
  });
  test('R1 is 0 without a context, and registers start at zero', () => {
    const p = prog('regs', [MOV64_X(0, 1), ADD64_X(0, 2), ADD64_X(0, 9), EXIT]);
    expect(interpret(p, LE).r0).toBe(0n);
    expect(interpret(p, LE, { ctx: new Uint8Array(4) }).r0).toBe(BigInt(CTX_BASE));
  });
  test('preset registers replay a counterexample', () => {
    const p = prog('preset', [MOV64_X(0, 3), ADD64_X(0, 4), EXIT]);
    expect(interpret(p, LE, { regs: new Map([[3, 0xffff_ffff_ffff_ffffn], [4, 2n]]) }).r0).toBe(1n);
    expect(() => interpret(p, LE, { regs: new Map([[10, 0n]]) })).toThrow(/r10/);
  });
  test('the stack holds 512 bytes below R10 and faults beyond', () => {
    const ok = prog('stack', [MOV64_K(1, 7), STX_DW(10, 1, -512), LDX_DW(0, 10, -512), EXIT]);
    expect(interpret(ok, LE).r0).toBe(7n);
    const below = prog('below', [MOV64_K(1, 7), STX_DW(10, 1, -520), EXIT]);
    expect(() => interpret(below, LE)).toThrow(/insn 1 \(7b 1a fdf8 00000000\): store of 8 bytes/);
    const above = prog('above', [LDX_W(0, 10, 0), EXIT]);
    const err = (() => {
      try {
        interpret(above, LE);
      } catch (e) {
        return e;
      }
    })() as BpfFault;
    expect(err).toBeInstanceOf(BpfFault);
    expect([err.kind, err.pc]).toEqual(['bounds', 0]);
  });
  test('a NULL context dereference is a fault at its instruction', () => {
    const p = prog('null', [MOV64_K(0, 0), LDX_W(0, 1, 0), EXIT]);
    expect(() => interpret(p, LE)).toThrow(/null: insn 1 .*load of 4 bytes at 0x0 is outside/);
  });
  test('falling off the end and reserved opcodes are faults', () => {
    expect(() => interpret(prog('off', [MOV64_K(0, 1)]), LE)).toThrow(/outside the program/);
    expect(() => interpret(prog('bad', [I(0x8f, 0, 0, 0, 0), EXIT]), LE)).toThrow(/bad: insn 0 \(8f 00 0000 00000000\): NEG with source X/);
  });
  test('the instruction budget stops a runaway program', () => {
    const loop = prog('loop', [JA(-1), EXIT]);
    let fault: unknown;
    try {
      interpret(loop, { order: 'le', budget: 1000 });
    } catch (e) {
      fault = e;
    }
    expect(fault).toBeInstanceOf(BpfFault);
    expect((fault as BpfFault).kind).toBe('budget');
    expect((fault as BpfFault).message).toMatch(/budget of 1000 exhausted/);
    // exactly at the budget is fine: 3 instructions
    expect(interpret(prog('three', [MOV64_K(0, 1), ADD64_K(0, 1), EXIT]), { order: 'le', budget: 3 }).steps).toBe(3);
  });
});

describe('calls', () => {
  test('helpers run through the stub table; an unknown helper is a clear error', () => {
    // jiffies64 stub then bpf_test_func(0x1234): "0 1 2 3 4 5 6 7 1234" has 20 characters
    expect(testFuncResult(0x1234n)).toBe(20n);
    const p = prog('helper', [MOV64_K(1, 0x1234), CALL(212), EXIT]);
    expect(interpret(p, { order: 'le', helpers: defaultHelpers(212) }).r0).toBe(20n);
    expect(() => interpret(p, LE)).toThrow(/helper: insn 1: call of helper 212, which the interpreter has no stub/);
  });
  test('bpf2bpf: arguments in R1-R5, R6-R9 and the caller frame preserved, own stack', () => {
    const p = prog('b2b', [
      MOV64_K(6, 100), // 0
      MOV64_K(1, 1), // 1
      MOV64_K(5, 5), // 2
      STX_DW(10, 6, -8), // 3: caller's stack slot = 100
      CALL_LOCAL(4), // 4 -> 9
      ADD64_X(0, 6), // 5: r0 = callee's result + 100
      LDX_DW(2, 10, -8), // 6: caller's slot still 100
      ADD64_X(0, 2), // 7
      EXIT, // 8
      // callee: r0 = r1 + r5 + r6(callee's own, 0); clobber r6 and its own stack slot
      MOV64_X(0, 1), // 9
      ADD64_X(0, 5), // 10
      ADD64_X(0, 6), // 11
      MOV64_K(6, 999), // 12
      STX_DW(10, 6, -8), // 13
      EXIT, // 14
    ]);
    expect(interpret(p, LE).r0).toBe(1n + 5n + 100n + 100n);
  });
  test(`calls nest at most ${MAX_CALL_FRAMES} frames deep`, () => {
    const p = prog('deep', [CALL_LOCAL(-1), EXIT]);
    expect(() => interpret(p, LE)).toThrow(/more than 8 nested calls/);
  });
});

describe('tail calls (kernel/bpf/core.c JMP_TAIL_CALL; lib/test_bpf.c tail_call_tests)', () => {
  const ARRAY = 0x7a11ca11n;
  // "Tail call error path, max count reached": count the runs in the ctx word, call itself
  const counting = (index: number) =>
    prog(`count${index}`, [LDX_W(2, 1, 0), ADD64_K(2, 1), STX_W(1, 2, 0), ...LD_IMM64(2, ARRAY), MOV64_K(3, index), TAIL_CALL, EXIT]);

  function runState(p: Program, entries: (Program | null)[], maxEntries?: number): number {
    const ctx = new Uint8Array(4);
    new Interpreter(p, { order: 'le', progArray: { addr: ARRAY, entries, maxEntries } }).run({ ctx });
    return new DataView(ctx.buffer).getUint32(0, true);
  }
  test('a self tail call runs MAX_TAIL_CALL_CNT + 1 times in all', () => {
    const self = counting(0);
    expect(runState(self, [self])).toBe(33 + 1);
    expect(runState(self, [self], undefined)).toBe(34);
  });
  test('the limit follows maxTailCalls (the tree\'s MAX_TAIL_CALL_CNT)', () => {
    const self = counting(0);
    const ctx = new Uint8Array(4);
    new Interpreter(self, { order: 'le', maxTailCalls: 5, progArray: { addr: ARRAY, entries: [self] } }).run({ ctx });
    expect(ctx[0]).toBe(6);
  });
  test('an index at or above max_entries and a NULL slot fall through', () => {
    const outOfRange = counting(2);
    expect(runState(outOfRange, [outOfRange, null], 2)).toBe(1);
    const nullSlot = counting(1);
    expect(runState(nullSlot, [nullSlot, null], 2)).toBe(1);
  });
  test('the index is the low 32 bits of R3', () => {
    const p = prog('wide', [
      LDX_W(2, 1, 0), ADD64_K(2, 1), STX_W(1, 2, 0),
      ...LD_IMM64(2, ARRAY), ...LD_IMM64(3, 0x1_0000_0000n), TAIL_CALL, EXIT,
    ]);
    expect(runState(p, [p])).toBe(34);
  });
  test('a chain passes R1 and keeps the stack; falls through returns to the caller\'s next insn', () => {
    // "Tail call 2" -> "Tail call leaf": R1 = 0 + 2, leaf returns R1 + 1
    const leaf = prog('leaf', [MOV64_X(0, 1), ADD64_K(0, 1), EXIT]);
    const two = prog('two', [ADD64_K(1, 2), ...LD_IMM64(2, ARRAY), MOV64_K(3, 0), TAIL_CALL, MOV64_K(0, -1), EXIT]);
    const opts = { order: 'le' as const, progArray: { addr: ARRAY, entries: [leaf, two] } };
    expect(interpret(two, opts).r0).toBe(3n);
    // index 5 is out of range: the MOV -1 after the call runs
    const bad = prog('bad', [...LD_IMM64(2, ARRAY), MOV64_K(3, 5), TAIL_CALL, MOV64_K(0, -1), EXIT]);
    expect(interpret(bad, opts).r0).toBe(0xffff_ffff_ffff_ffffn);
  });
  test('R2 that is not the program array is a fault', () => {
    const p = prog('nomap', [MOV64_K(2, 1), TAIL_CALL, EXIT]);
    expect(() => interpret(p, { order: 'le', progArray: { addr: ARRAY, entries: [] } })).toThrow(/nomap: insn 1: tail call with R2 = 0x1/);
  });
});
