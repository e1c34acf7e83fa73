// The JIT model on the kernel's own tests: every hand-written test_bpf program and every
// tail-call test, JITed for each configuration and run in the simulator, gives what
// lib/test_bpf.c expects (the generated programs, millions of instructions, run in
// `jitgen verify`). With constant blinding too.
import { describe, expect, test } from 'vitest';
import { ALL_CONFIGS, config } from '../../src/config.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';
import { defaultTreeDir, loadCorpus } from '../../src/verify/corpus/index.ts';
import { verifyJit } from '../../src/verify/jit-verify.ts';

const haveCorpus = (() => {
  try {
    loadCorpus(defaultTreeDir, 'tail_calls', 'be');
    return true;
  } catch {
    return false;
  }
})();

const load = (name: string, endian: 'be' | 'le') => loadCorpus(defaultTreeDir, name as 'test_bpf', endian);

describe.skipIf(!haveCorpus)('jitgen design on test_bpf (hand-written tests) and tail_calls', () => {
  for (const id of ALL_CONFIGS) {
    test(`${id}: no failure`, async () => {
      const r = await verifyJit({ corpora: ['test_bpf', 'tail_calls'], configs: [config(id)], design: jitgen, load, filter: (p) => !p.generated });
      expect(r.failures).toEqual([]);
      // every hand-written eBPF test and tail-call test ran and passed; classic ones skip
      const handWritten = load('test_bpf', config(id).endian).filter((p) => !p.generated);
      const classic = handWritten.filter((p) => p.skip !== undefined).length;
      expect(r.configs[id]).toEqual({ passed: handWritten.length - classic + 10, failed: 0, skipped: classic });
      expect(handWritten.length - classic).toBeGreaterThan(600);
    }, 300_000);
  }

  test('with constant blinding (--harden), be-r2 and le-r6', async () => {
    const r = await verifyJit({
      corpora: ['test_bpf', 'tail_calls'],
      configs: [config('be-r2'), config('le-r6')],
      design: jitgen,
      load,
      hardenSeed: 11,
      filter: (p) => !p.generated,
    });
    expect(r.failures).toEqual([]);
    const ebpf = load('test_bpf', 'be').filter((p) => !p.generated && p.skip === undefined).length;
    expect(r.passed).toBe(2 * (ebpf + 10));
  }, 300_000);
});
