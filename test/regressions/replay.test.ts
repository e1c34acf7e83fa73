// Every reproducer the fuzzer saved here (`jitgen fuzz` writes them on a mismatch) is
// replayed with the design and configuration it names: the interpreter and the JITed
// image must agree. A file here is a real bug until the design is fixed; then it stays as
// the regression test of the fix.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { caseFromJson } from '../../src/fuzz/case.ts';
import { caseProblem } from '../../src/fuzz/defined.ts';
import { readReproducer, replay, reproducerFiles } from '../../src/fuzz/replay.ts';
import { carryDropped } from '../fuzz/mutants.ts';

const files = reproducerFiles(dirname(fileURLToPath(import.meta.url)));

describe('fuzzer reproducers', () => {
  test.each(files)('%s replays without a mismatch', (file) => {
    const r = readReproducer(file);
    // a reproducer must be a program the verifier would accept, or it proves nothing
    expect(caseProblem(caseFromJson(r.case))).toBeNull();
    const v = replay(r);
    expect(v.kind, v.kind === 'mismatch' ? v.reason : '').toBe('match');
  });

  test('the replay check fails when the JIT is wrong', () => {
    // r1 = 0xffffffff; r0 = 1; r0 += r1; r0 ^= r0 >> 32: 1 by hand, 0 without the carry
    const insns = [[0x18, 1, 0, 0, -1], [0, 0, 0, 0, 0], [0xb7, 0, 0, 0, 1], [0x0f, 0, 1, 0, 0], [0xbf, 1, 0, 0, 0], [0x77, 1, 0, 0, 32], [0xaf, 0, 1, 0, 0], [0x95, 0, 0, 0, 0]];
    const r = { id: 'hand', design: 'jitgen', config: 'be-r6' as const, hardenSeed: null, expected: 1, got: null, reason: '', foundBy: 'hand', case: { programs: [insns as [number, number, number, number, number][]], progArray: [], stackDepth: 0 } };
    expect(replay(r)).toEqual({ kind: 'match', r0: 1 });
    expect(replay(r, carryDropped()).kind).toBe('mismatch');
  });
});
