// The jitgen design's code-size work: R1 liveness at entry (the prologue sets R1 up only
// when the program may read it), the tail-call protocol (counter in t9, context in a0: a
// tail call skips one word), the two-word epilogue and its delay slot taking the body's
// last word, jump conditions with cheaper sequences or decided at compile time, and
// ALU64 constants that change nothing. Word counts are counted by hand from the
// sequences written in the comments; results of the jumps come from 64-bit compare
// semantics written here with BigInt (RFC 9669: unsigned and signed 64/32-bit compares).
import { describe, expect, test } from 'vitest';
import type { Insn } from '../../src/bpf/opcodes.ts';
import * as op from '../../src/bpf/opcodes.ts';
import type { Program } from '../../src/bpf/program.ts';
import { config } from '../../src/config.ts';
import { jit } from '../../src/jit/core.ts';
import { defaultBinding } from '../../src/jit/binding.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';
import { liveAtEntry } from '../../src/jit/entry-regs.ts';
import { decode, format } from '../../src/mips/codec.ts';
import { runProgramJit } from '../../src/verify/jit-runner.ts';

const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const prog = (insns: Insn[]): Program => ({ id: 'test', insns, verifierZext: false, stackDepth: 0 });
const mov64 = (dst: number, imm: number) => I(op.ALU64 | op.MOV | op.K, dst, 0, 0, imm);
const mov64x = (dst: number, src: number) => I(op.ALU64 | op.MOV | op.X, dst, src, 0, 0);
const exit = I(op.JMP | op.EXIT, 0, 0, 0, 0);
const ja = (off: number) => I(op.JMP | op.JA, 0, 0, off, 0);

function listing(p: Program, id = 'be-r2'): string[] {
  const cfg = config(id);
  return [...jit(p, { design: jitgen, config: cfg, binding: defaultBinding() }).words].map((w) => format(decode(w, cfg.isa)!));
}

describe('R1 at entry', () => {
  test('never named: dead', () => {
    expect(liveAtEntry([mov64(0, 1), exit], 1)).toBe(false);
  });
  test('overwritten before any jump: dead', () => {
    expect(liveAtEntry([mov64(1, 5), mov64x(0, 1), exit], 1)).toBe(false);
    // a load into R1 from another base register overwrites it too
    expect(liveAtEntry([I(op.LDX | op.MEM | op.W, 1, 10, -4, 0), exit], 1)).toBe(false);
  });
  test('read first, read by its own overwrite, or named past a jump: live', () => {
    expect(liveAtEntry([mov64x(0, 1), exit], 1)).toBe(true);
    expect(liveAtEntry([I(op.LDX | op.MEM | op.W, 1, 1, 0, 0), exit], 1)).toBe(true);
    expect(liveAtEntry([I(op.ALU64 | op.ADD | op.K, 1, 0, 0, 1), exit], 1)).toBe(true);
    expect(liveAtEntry([ja(0), mov64(1, 5), exit], 1)).toBe(true);
    expect(liveAtEntry([I(op.JMP | op.CALL, 0, 0, 0, 1), exit], 1)).toBe(true);
  });
});

describe('prologue and epilogue (be-r2: R0 = v0:v1, R1 = a0:a1)', () => {
  test('a program that never reads R1 or tail-calls: only the counter as prologue, 5 words', () => {
    // li t9,33 (the word a tail call skips) | r0 = 1: li v1,1; sra v0,v1,31 |
    // jr ra; move v0,v1 (delay slot)
    const l = listing(prog([mov64(0, 1), exit]));
    expect(l).toHaveLength(5);
    expect(l[0]).toMatch(/^li\s+t9,0x21$/);
    expect(l.filter((s) => /a0|sw/.test(s))).toEqual([]);
    expect(l[3]).toMatch(/^jr\s+ra/);
  });
  test('little endian: the epilogue\'s delay slot takes the last word of the body, 4 words', () => {
    // li t9,33 | li v0,1 | jr ra; sra v1,v0,31 (R0's low word is v0: no move to fill the slot)
    const l = listing(prog([mov64(0, 1), exit]), 'le-r2');
    expect(l).toHaveLength(4);
    expect(l[2]).toMatch(/^jr\s+ra/);
    expect(l[3]).toMatch(/^sra\s+v1,v0,0x1f$/);
  });
  test('a program that reads R1 moves the context from a0 and zeroes the high word', () => {
    const l = listing(prog([mov64x(0, 1), exit]));
    // counter (1) + a1 = a0, a0 = 0 (2) + two moves (2) + jr, move (2)
    expect(l).toHaveLength(7);
    expect(l[1]).toMatch(/a1,zero,a0|move\s+a1,a0/);
    expect(l[2]).toMatch(/a0,zero/);
  });
  test('little endian: the context is already in a0, only the high word is set', () => {
    // counter (1) + a1 = 0 (1) + v0 = a0 (1) + jr ra; v1 = a1 (slot)
    const l = listing(prog([mov64x(0, 1), exit]), 'le-r2');
    expect(l).toHaveLength(5);
    expect(l[1]).toMatch(/a1,zero/);
  });
  test('a program with a tail call keeps the counter it comes with in the caller\'s home area', () => {
    const tail = I(op.JMP | op.CALL, 0, 0, 0, op.FUNC_TAIL_CALL);
    for (const id of ['be-r2', 'le-r6']) {
      const l = listing(prog([tail, mov64(0, 1), exit]), id);
      expect(l.slice(0, 2)).toEqual(['li\tt9,0x21', 'sw\tt9,0(sp)'].map((x) => x.replace('\t', l[0]!.includes('\t') ? '\t' : ' ')));
      // the callee gets the context in a0: big endian moves R1's low word (a1) there
      if (id === 'be-r2') expect(l.some((x) => /^(move\s+a0,a1|addu\s+a0,zero,a1)$/.test(x))).toBe(true);
    }
  });
  test('a jump to the exit keeps the delay slot empty (the jump would run the word too)', () => {
    // r0 = 1; if r2 == 0 goto exit; r0 = 2; exit
    const p = prog([mov64(0, 1), I(op.JMP | op.JEQ | op.K, 2, 0, 1, 0), mov64(0, 2), exit]);
    const l = listing(p, 'le-r2');
    expect(l[l.length - 1]).toBe('nop');
    const rc = { design: jitgen, config: config('le-r2'), binding: defaultBinding() };
    expect(runProgramJit(p, rc, null, new Map([[2, 0n]])).r0).toBe(1);
    expect(runProgramJit(p, rc, null, new Map([[2, 3n]])).r0).toBe(2);
  });
  test('an exit from the middle of a frameless program copies the two-word epilogue', () => {
    const p = prog([mov64(0, 1), I(op.JMP | op.JEQ | op.K, 0, 0, 1, 1), exit, mov64(0, 2), exit]);
    const l = listing(p);
    expect(l.filter((s) => /^jr\s+ra/.test(s))).toHaveLength(2);
    expect(runProgramJit(p, { design: jitgen, config: config('be-r2'), binding: defaultBinding() }, null, new Map()).r0).toBe(2);
  });
});

const U64 = (v: bigint) => BigInt.asUintN(64, v);
const S64 = (v: bigint) => BigInt.asIntN(64, v);
const U32 = (v: bigint) => BigInt.asUintN(32, v);
const S32 = (v: bigint) => BigInt.asIntN(32, v);

/** RFC 9669 conditions, on values already cut to the compare width. */
const CONDS: [string, number, (a: bigint, b: bigint, u: (x: bigint) => bigint, s: (x: bigint) => bigint) => boolean][] = [
  ['JEQ', op.JEQ, (a, b, u) => u(a) === u(b)],
  ['JNE', op.JNE, (a, b, u) => u(a) !== u(b)],
  ['JSET', op.JSET, (a, b, u) => u(a & b) !== 0n],
  ['JGT', op.JGT, (a, b, u) => u(a) > u(b)],
  ['JGE', op.JGE, (a, b, u) => u(a) >= u(b)],
  ['JLT', op.JLT, (a, b, u) => u(a) < u(b)],
  ['JLE', op.JLE, (a, b, u) => u(a) <= u(b)],
  ['JSGT', op.JSGT, (a, b, _u, s) => s(a) > s(b)],
  ['JSGE', op.JSGE, (a, b, _u, s) => s(a) >= s(b)],
  ['JSLT', op.JSLT, (a, b, _u, s) => s(a) < s(b)],
  ['JSLE', op.JSLE, (a, b, _u, s) => s(a) <= s(b)],
];
const IMMS = [0, 1, -1, 5, -5, 0x7fff, 0x8000, -0x8000, 0xffff, 0x12345, 0x7fffffff, -0x80000000];
const DSTS = [0n, 1n, 5n, 0xffffffffn, 0xffffffff_fffffffbn, 0xffffffff_ffffffffn, 0x1_00000000n, 0x7fffffff_ffffffffn, 0x80000000_00000000n, 0x8000n, 0x12345n, 0xffffffff_80000000n];

describe('jump conditions against their BPF meaning', () => {
  for (const id of ['be-r2', 'le-r6'] as const) {
    for (const wide of [true, false]) {
      test(`${wide ? 'JMP' : 'JMP32'} K, every condition, edge constants (${id})`, () => {
        const cfg = config(id);
        const rc = { design: jitgen, config: cfg, binding: defaultBinding() };
        const u = wide ? U64 : U32;
        const s = wide ? S64 : S32;
        let checked = 0;
        for (const [name, code, holds] of CONDS) {
          for (const imm of IMMS) {
            // r0 = 1; if (r2 op imm) goto +1; r0 = 2; exit
            const p = prog([mov64(0, 1), I((wide ? op.JMP : op.JMP32) | code | op.K, 2, 0, 1, imm), mov64(0, 2), exit]);
            for (const dst of DSTS) {
              const taken = holds(dst, U64(BigInt(imm)), u, s);
              const got = runProgramJit(p, rc, null, new Map([[2, dst]])).r0;
              expect(got, `${name} ${dst.toString(16)} ? ${imm}`).toBe(taken ? 1 : 2);
              checked++;
            }
          }
        }
        expect(checked).toBe(CONDS.length * IMMS.length * DSTS.length);
      });
    }
    test(`JMP X, register against itself and against another (${id})`, () => {
      const cfg = config(id);
      const rc = { design: jitgen, config: cfg, binding: defaultBinding() };
      for (const [name, code, holds] of CONDS) {
        for (const [a, b] of [[0n, 0n], [5n, 0xffffffff_fffffffbn], [0x1_00000000n, 0xffffffffn], [0x80000000_00000000n, 1n], [7n, 7n]] as const) {
          const self = prog([mov64(0, 1), I(op.JMP | code | op.X, 2, 2, 1, 0), mov64(0, 2), exit]);
          expect(runProgramJit(self, rc, null, new Map([[2, a]])).r0, `${name} self ${a}`).toBe(holds(a, a, U64, S64) ? 1 : 2);
          const pair = prog([mov64(0, 1), I(op.JMP | code | op.X, 2, 3, 1, 0), mov64(0, 2), exit]);
          expect(runProgramJit(pair, rc, null, new Map([[2, a], [3, b]])).r0, `${name} ${a} ${b}`).toBe(holds(a, b, U64, S64) ? 1 : 2);
        }
      }
    });
  }

  test('conditions decided at compile time cost no words (be-r2)', () => {
    // counter (1); r0 = 1 (2 words); the jump: nothing; r0 = 2 (2); jr, move (2)
    const never = prog([mov64(0, 1), I(op.JMP | op.JGT | op.K, 2, 0, 1, -1), mov64(0, 2), exit]);
    expect(listing(never)).toHaveLength(7);
    const self = prog([mov64(0, 1), I(op.JMP | op.JSLT | op.X, 2, 2, 1, 0), mov64(0, 2), exit]);
    expect(listing(self)).toHaveLength(7);
    // always taken: b +2 words and its delay slot
    const always = prog([mov64(0, 1), I(op.JMP | op.JGE | op.K, 2, 0, 1, 0), mov64(0, 2), exit]);
    expect(listing(always)).toHaveLength(9);
  });
  test('a jump to the next instruction costs no words, taken or not (be-r2)', () => {
    // counter (1); r0 = 1 (2); if r2 > 7 goto +0: nothing, not even the compare; jr, move (2)
    const p = prog([mov64(0, 1), I(op.JMP | op.JGT | op.K, 2, 0, 0, 7), exit]);
    expect(listing(p)).toHaveLength(5);
    const rc = { design: jitgen, config: config('be-r2'), binding: defaultBinding() };
    for (const r2 of [0n, 8n]) expect(runProgramJit(p, rc, null, new Map([[2, r2]])).r0).toBe(1);
  });
});

describe('ALU64 with constants that change nothing or little (le-r2)', () => {
  const alu64k = (o: number, dst: number, imm: number) => I(op.ALU64 | o | op.K, dst, 0, 0, imm);
  const rc = { design: jitgen, config: config('le-r2'), binding: defaultBinding() };
  const base = listing(prog([mov64(0, 3), exit]), 'le-r2').length;
  test('+0, -0, |0, ^0 and &-1 emit nothing; the value is unchanged', () => {
    for (const [o, imm] of [[op.ADD, 0], [op.SUB, 0], [op.OR, 0], [op.XOR, 0], [op.AND, -1]] as const) {
      const p = prog([mov64x(0, 2), alu64k(o, 0, imm), exit]);
      expect(listing(p, 'le-r2')).toHaveLength(listing(prog([mov64x(0, 2), exit]), 'le-r2').length);
      expect(runProgramJit(p, rc, null, new Map([[2, 0x12345678_9abcdef0n]])).r0).toBe(0x9abcdef0);
    }
    expect(listing(prog([mov64(0, 3), alu64k(op.ADD, 0, 0), exit]), 'le-r2')).toHaveLength(base);
  });
  test('*0 is two moves of zero', () => {
    const p = prog([mov64x(0, 2), alu64k(op.MUL, 0, 0), exit]);
    expect(listing(p, 'le-r2')).toHaveLength(listing(prog([mov64x(0, 2), exit]), 'le-r2').length + 2);
    expect(runProgramJit(p, rc, null, new Map([[2, 0x12345678_9abcdef0n]])).r0).toBe(0);
  });
  test('constants that do change the value still do (+1, &0, *-1, *1, ^-1)', () => {
    const v = 0x12345678_9abcdef0n;
    const lo = (x: bigint) => Number(BigInt.asUintN(32, x));
    for (const [o, imm, want] of [[op.ADD, 1, v + 1n], [op.AND, 0, 0n], [op.MUL, -1, -v], [op.MUL, 1, v], [op.XOR, -1, ~v]] as const) {
      const p = prog([mov64x(0, 2), alu64k(o, 0, imm), exit]);
      expect(runProgramJit(p, rc, null, new Map([[2, v]])).r0).toBe(lo(want));
    }
  });
});
