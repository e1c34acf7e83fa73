// The reference interpreter on the kernel's own tests: every hand-written eBPF test of
// lib/test_bpf.c and the tail-call tests, both byte orders, against the expected results
// the kernel's table gives. (The generated tests run in `jitgen verify --interp-only`.)
// Needs the corpus cache (`jitgen corpus import`); skipped, visibly, without it.
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { TestProgram } from '../../src/bpf/program.ts';
import { defaultTreeDir, loadCorpus } from '../../src/verify/corpus/index.ts';
import { runTestInterp } from '../../src/verify/interp-runner.ts';

const tree = [defaultTreeDir, '/tmp/ks/linux-source-6.12'].find((d) => existsSync(d));

function corpus(name: 'test_bpf' | 'tail_calls', endian: 'be' | 'le'): TestProgram[] | undefined {
  if (!tree) return undefined;
  try {
    return loadCorpus(tree, name, endian);
  } catch {
    return undefined;
  }
}

for (const endian of ['be', 'le'] as const) {
  const tests = corpus('test_bpf', endian);
  const tails = corpus('tail_calls', endian);
  describe.skipIf(!tests || !tails)(`test_bpf corpus, ${endian}`, () => {
    test('every static eBPF test passes (ISA v4 included)', () => {
      const ebpf = tests!.filter((p) => p.skip === undefined && !p.generated);
      expect(ebpf.length).toBeGreaterThan(600);
      const failures = ebpf.map((p) => [p.id, runTestInterp(p, endian)] as const).filter(([, o]) => !o.ok);
      expect(failures).toEqual([]);
      // the v4 tests are among them
      expect(ebpf.filter((p) => /MOVSX|MEMSX|SDIV|SMOD|BSWAP|JMP32_JA|gotol/i.test(p.name)).length).toBeGreaterThan(10);
    });
    test('the tail-call tests pass, and fail with a wrong MAX_TAIL_CALL_CNT', () => {
      expect(tails!.length).toBe(10);
      expect(tails!.map((p) => [p.id, runTestInterp(p, endian).ok])).toEqual(tails!.map((p) => [p.id, true]));
      const wrong = tails!.filter((p) => !runTestInterp(p, endian, { maxTailCalls: 32 }).ok).map((p) => p.index);
      expect(wrong).toEqual([6, 7]);
    });
    test('the other byte order\'s expectations fail where the tests differ', () => {
      const other = endian === 'be' ? 'le' : 'be';
      const failing = tests!.filter((p) => p.skip === undefined && !p.generated && !runTestInterp(p, other).ok);
      expect(failing.length).toBeGreaterThan(10);
    });
  });
}
