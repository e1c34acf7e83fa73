// The differential fuzzer: generated programs are valid and deterministic, the oracle
// agrees with hand-computed results, the shrinker keeps jumps right, and the fuzzer
// FINDS bugs: a design with one plan broken on purpose must mismatch, and the mismatch
// must shrink to a small program that still shows it. About 15 s in all.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import * as op from '../../src/bpf/opcodes.ts';
import type { Insn } from '../../src/bpf/opcodes.ts';
import { config } from '../../src/config.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';
import { tony } from '../../src/jit/designs/tony.ts';
import { caseFromJson, caseToJson, type FuzzCase } from '../../src/fuzz/case.ts';
import { caseProblem, firstUndefinedUse } from '../../src/fuzz/defined.ts';
import { generateCase } from '../../src/fuzz/gen.ts';
import { runCase } from '../../src/fuzz/oracle.ts';
import { fuzzConfig, type Reproducer } from '../../src/fuzz/run.ts';
import { removeInsns, shrinkCase } from '../../src/fuzz/shrink.ts';
import { readReproducer, replay } from '../../src/fuzz/replay.ts';
import { caseSeed } from '../../src/fuzz/rng.ts';
import { carryDropped, movsx8As16 } from './mutants.ts';

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const EXIT = I(op.JMP | op.EXIT);
const one = (insns: Insn[], stackDepth = 0): FuzzCase => ({ programs: [insns], progArray: [], stackDepth });

const tmp = mkdtempSync(join(tmpdir(), 'jitgen-fuzz-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// r1 = 0xffffffff; r0 = 1; r0 += r1 (64-bit: 0x1_0000_0000); fold the high word in:
// r0 ^= r0 >> 32 gives 0 ^ 1 = 1. Without the carry the high word stays 0: result 0.
const CARRY_CASE = one([
  I(op.LD | op.IMM | op.DW, 1, 0, 0, -1),
  I(0),
  I(op.ALU64 | op.MOV | op.K, 0, 0, 0, 1),
  I(op.ALU64 | op.ADD | op.X, 0, 1),
  I(op.ALU64 | op.MOV | op.X, 1, 0),
  I(op.ALU64 | op.RSH | op.K, 1, 0, 0, 32),
  I(op.ALU64 | op.XOR | op.X, 0, 1),
  EXIT,
]);

describe('generator', () => {
  test('the same seed gives the same case, another seed another one', () => {
    expect(caseToJson(generateCase(123))).toEqual(caseToJson(generateCase(123)));
    expect(caseToJson(generateCase(123))).not.toEqual(caseToJson(generateCase(124)));
  });

  test('generated cases are valid, defined, and cover the instruction classes asked for', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const c = generateCase(caseSeed(99, i));
      expect(caseProblem(c)).toBeNull();
      for (const p of c.programs) {
        for (const x of p) {
          const cls = op.cls(x.code);
          if (cls === op.STX && op.mode(x.code) === op.ATOMIC) seen.add(`atomic ${x.imm.toString(16)} ${op.size(x.code)}`);
          if (x.code === (op.JMP | op.TAIL_CALL)) seen.add('tail call');
          if (x.code === (op.JMP | op.CALL)) seen.add(['helper', 'bpf2bpf', 'kfunc'][x.src]!);
          if ((cls === op.ALU || cls === op.ALU64) && op.op(x.code) === op.MOV && x.off) seen.add('movsx');
          if ((cls === op.ALU || cls === op.ALU64) && (op.op(x.code) === op.DIV || op.op(x.code) === op.MOD) && x.off === 1) seen.add('sdiv/smod');
          if (op.mode(x.code) === op.MEMSX && cls === op.LDX) seen.add('ldx memsx');
          if (x.code === (op.JMP32 | op.JA)) seen.add('jmp32 ja');
          if (x.code === (op.ALU64 | op.END)) seen.add('bswap');
          if (cls === op.JMP32 && op.op(x.code) !== op.JA) seen.add('jmp32');
          if ((cls === op.JMP || cls === op.JMP32) && x.off < 0) seen.add('backward jump');
        }
      }
    }
    for (const want of ['tail call', 'bpf2bpf', 'kfunc', 'helper', 'movsx', 'sdiv/smod', 'ldx memsx', 'jmp32 ja', 'bswap', 'jmp32', 'backward jump', 'atomic f1 24', 'atomic e1 0']) {
      expect(seen, want).toContain(want);
    }
  });

  test('switches: no bpf2bpf, no v4, no tail calls when told', () => {
    for (let i = 0; i < 100; i++) {
      const c = generateCase(caseSeed(5, i), { bpf2bpf: false, isaV4: false, tailCalls: false });
      expect(c.programs).toHaveLength(1);
      for (const x of c.programs[0]!) {
        expect(x.code === (op.JMP | op.CALL) && x.src === op.PSEUDO_CALL).toBe(false);
        expect(x.code === (op.JMP | op.TAIL_CALL)).toBe(false);
        expect(x.off !== 0 && (op.cls(x.code) === op.ALU || op.cls(x.code) === op.ALU64)).toBe(false);
      }
    }
  });
});

describe('well-definedness (what the verifier would demand)', () => {
  test('a register read before any write is found', () => {
    expect(firstUndefinedUse([I(op.ALU64 | op.MOV | op.X, 0, 2), EXIT])).toMatch(/insn 0: reads r2/);
  });
  test('a stack read of bytes never written is found, also when only part was written', () => {
    const load = I(op.LDX | op.MEM | op.DW, 0, op.REG_FP, -8);
    expect(firstUndefinedUse([load, EXIT], 8)).toMatch(/insn 0: reads stack bytes/);
    expect(firstUndefinedUse([I(op.ST | op.MEM | op.W, op.REG_FP, 0, -8, 1), load, EXIT], 8)).toMatch(/insn 1: reads stack bytes/);
    expect(firstUndefinedUse([I(op.ST | op.MEM | op.DW, op.REG_FP, 0, -8, 1), load, EXIT], 8)).toBeNull();
  });
  test('a value defined on one path only is undefined after the join', () => {
    const prog = [I(op.JMP | op.JEQ | op.K, 1, 0, 1, 0), I(op.ALU64 | op.MOV | op.K, 0, 0, 0, 1), EXIT];
    expect(firstUndefinedUse(prog)).toMatch(/insn 2: reads r0/);
  });
  test('a division by a register needs its guard, and no jump may skip into it', () => {
    const head = [I(op.ALU64 | op.MOV | op.K, 0, 0, 0, 9), I(op.ALU64 | op.MOV | op.K, 2, 0, 0, 5)];
    const div = I(op.ALU64 | op.DIV | op.X, 0, 2);
    expect(caseProblem(one([...head, div, EXIT]))).toMatch(/without its guard/);
    const guard = [I(op.JMP | op.JNE | op.K, 2, 0, 1, 0), I(op.ALU64 | op.MOV | op.K, 2, 0, 0, 7)];
    expect(caseProblem(one([...head, ...guard, div, EXIT]))).toBeNull();
    const skip = I(op.JMP | op.JEQ | op.K, 0, 0, 2, 3); // lands on the division
    expect(caseProblem(one([...head, skip, ...guard, div, EXIT]))).toMatch(/without its guard/);
    expect(caseProblem(one([I(op.ALU64 | op.MOV | op.K, 0, 0, 0, 9), I(op.ALU64 | op.DIV | op.K, 0, 0, 0, 0), EXIT]))).toMatch(/division by constant 0/);
    expect(caseProblem(one([I(op.ALU64 | op.MOV | op.K, 0, 0, 0, 9), I(op.ALU | op.LSH | op.K, 0, 0, 0, 32), EXIT]))).toMatch(/shift by 32/);
  });
});

describe('shrinker', () => {
  // 0: if r0 == 0 goto 3 (+2); 1: r0 = 1; 2: r0 = 2; 3: exit
  const prog = [I(op.JMP | op.JEQ | op.K, 0, 0, 2, 0), I(op.ALU64 | op.MOV | op.K, 0, 0, 0, 1), I(op.ALU64 | op.MOV | op.K, 0, 0, 0, 2), EXIT];
  test('removing an instruction between a jump and its target shortens the jump', () => {
    expect(removeInsns(prog, new Set([1]))![0]!.off).toBe(1);
  });
  test('removing the target re-points the jump at the next kept instruction', () => {
    // targets: insn 3 (exit) is the new index 2 after removing insn 2 -> off 1
    const out = removeInsns([I(op.JMP | op.JEQ | op.K, 0, 0, 1, 0), ...prog.slice(1)], new Set([2]))!;
    expect(out).toHaveLength(3);
    expect(out[0]!.off).toBe(1);
    expect(out[2]).toEqual(EXIT);
  });
  test('a backward jump keeps its target when the loop body shrinks', () => {
    // 0: r6 = 3; 1: r0 = 1; 2: r0 += 1; 3: r6 -= 1; 4: if r6 != 0 goto 1 (-4); 5: exit
    const loop = [
      I(op.ALU64 | op.MOV | op.K, 6, 0, 0, 3),
      I(op.ALU64 | op.MOV | op.K, 0, 0, 0, 1),
      I(op.ALU64 | op.ADD | op.K, 0, 0, 0, 1),
      I(op.ALU64 | op.SUB | op.K, 6, 0, 0, 1),
      I(op.JMP | op.JNE | op.K, 6, 0, -4, 0),
      EXIT,
    ];
    expect(removeInsns(loop, new Set([2]))![3]!.off).toBe(-3);
  });
});

describe('oracle', () => {
  test('hand-computed results: ALU32 wraps and zero-extends; the 64-bit carry reaches the high word', () => {
    const wrap = one([I(op.ALU | op.MOV | op.K, 0, 0, 0, 0x7fffffff), I(op.ALU | op.ADD | op.K, 0, 0, 0, 1), EXIT]);
    for (const id of ['be-r2', 'le-r6']) {
      expect(runCase(wrap, { design: jitgen, config: config(id) })).toEqual({ kind: 'match', r0: 0x80000000 });
      expect(runCase(CARRY_CASE, { design: jitgen, config: config(id) })).toEqual({ kind: 'match', r0: 1 });
    }
  });
  test('a broken plan is a mismatch with both values', () => {
    const v = runCase(CARRY_CASE, { design: carryDropped(), config: config('be-r2') });
    expect(v).toMatchObject({ kind: 'mismatch', expected: 1, got: 0 });
  });
  test('a case the interpreter refuses is invalid, not a mismatch', () => {
    // a tail call with R2 that is no prog array: the interpreter faults
    const bad = one([I(op.ALU64 | op.MOV | op.K, 2, 0, 0, 0), I(op.ALU64 | op.MOV | op.K, 3, 0, 0, 0), I(op.JMP | op.TAIL_CALL), I(op.ALU64 | op.MOV | op.K, 0, 0, 0, 0), EXIT]);
    expect(runCase(bad, { design: jitgen, config: config('be-r2') }).kind).toBe('invalid');
  });
  test('replay: a reproducer matches with jitgen and mismatches with the mutant', () => {
    const r: Reproducer = { id: 'hand', design: 'jitgen', config: 'le-r2', hardenSeed: null, expected: 1, got: 0, reason: '', foundBy: 'test', case: caseToJson(CARRY_CASE) };
    expect(replay(r).kind).toBe('match');
    expect(replay(r, carryDropped()).kind).toBe('mismatch');
  });
});

describe('fuzzing', () => {
  test('jitgen: no mismatch on a fixed seed, bpf2bpf and kfunc calls included, deterministic', () => {
    const run = () => fuzzConfig({ cases: 80, seed: 3, config: config('le-r6'), design: jitgen });
    const r = run();
    expect(r.failed).toBe(0);
    expect(r.skipped).toBe(0);
    expect(r.declined).toBe(0);
    expect(r.passed).toBe(80);
    const again = run();
    expect({ ...again, configs: {}, programs_per_second: {} }).toEqual({ ...r, configs: {}, programs_per_second: {} });
    // the seed's cases do call other functions and kfuncs: tony's preset (RFC v1) declines them
    const calls = (src: number) => Array.from({ length: 80 }, (_, i) => generateCase(caseSeed(3, i))).filter((c) => c.programs[0]!.some((x) => x.code === (op.JMP | op.CALL) && x.src === src)).length;
    expect(calls(op.PSEUDO_CALL)).toBeGreaterThan(0);
    expect(calls(op.PSEUDO_KFUNC_CALL)).toBeGreaterThan(0);
    const declined = (gen: { kfuncs?: boolean; bpf2bpf?: boolean }) => {
      const rfc = fuzzConfig({ cases: 80, seed: 3, config: config('le-r6'), design: tony, gen: { isaV4: false, ...gen } });
      expect(rfc.failed).toBe(0);
      return Object.keys(rfc.declines['le-r6']!).filter((k) => /bpf2bpf|kfunc/.test(k));
    };
    expect(declined({ kfuncs: false })).toEqual(['declined by the design: bpf2bpf calls are not in RFC v1']);
    expect(declined({ bpf2bpf: false })).toEqual(['declined by the design: kfunc calls are not in RFC v1']);
  });

  test('finds a dropped carry (ALU64 ADD X) and shrinks it to a small program that still shows it', () => {
    const dir = join(tmp, 'carry');
    const r = fuzzConfig({ cases: 100, seed: 1, config: config('be-r2'), design: carryDropped(), saveDir: dir, maxShrink: 1 });
    expect(r.failed).toBeGreaterThan(0);
    const f = r.failures[0]!;
    expect(f.shrunkSize).toBeLessThanOrEqual(14);
    expect(f.shrunkSize!).toBeLessThan(f.size);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const rep = readReproducer(join(dir, files[0]!));
    const small = caseFromJson(rep.case);
    expect(caseProblem(small)).toBeNull();
    // the shrunk program still has the broken operation, fails with the mutant, passes with jitgen
    expect(small.programs[0]!.some((x) => x.code === (op.ALU64 | op.ADD | op.X))).toBe(true);
    expect(replay(rep, carryDropped()).kind).toBe('mismatch');
    expect(replay(rep, jitgen).kind).toBe('match');
  });

  test('finds MOVSX from 8 bits sign-extending from 16 (ISA v4 path)', () => {
    // no calls: a shrunk case keeps the R1-R5 set-up a call needs, which is not the point here
    const gen = { bpf2bpf: false, kfuncs: false };
    const r = fuzzConfig({ cases: 300, seed: 2, config: config('le-r2'), design: movsx8As16(), maxShrink: 1, saveDir: join(tmp, 'movsx'), gen });
    expect(r.failed).toBeGreaterThan(0);
    const rep = readReproducer(r.failures[0]!.reproducer!);
    const small = caseFromJson(rep.case);
    expect(small.programs[0]!.some((x) => x.code === (op.ALU64 | op.MOV | op.X) && x.off === 8)).toBe(true);
    expect(r.failures[0]!.shrunkSize).toBeLessThanOrEqual(14);
  });

  test('shrinking a case that does not fail keeps it', () => {
    expect(shrinkCase(CARRY_CASE, () => false).shrunk).toEqual(CARRY_CASE);
  });
});
