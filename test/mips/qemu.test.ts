// The simulator against QEMU user mode on random sequences (a few hundred per
// configuration; `jitgen crosscheck --qemu` runs the full-size check).
import { describe, expect, test } from 'vitest';
import { ALL_CONFIGS, config } from '../../src/config.ts';
import { checkQemu, compareOutcome, simulateCase, runQemu, buildHarness } from '../../src/mips/check-qemu.ts';
import { SequenceGenerator } from '../../src/mips/seqgen.ts';
import { Rng } from '../../src/mips/random.ts';

const CACHE = '.cache/mips/test';

describe('simulator = QEMU on random sequences', () => {
  for (const id of ALL_CONFIGS) {
    test(id, async () => {
      const r = await checkQemu(config(id), 300, 11, CACHE);
      expect(r.examples).toEqual([]);
      expect(r.mismatches).toBe(0);
    }, 60_000);
  }
});

test('the comparison notices a wrong register', async () => {
  const cfg = config('le-r2');
  const c = new SequenceGenerator('r2', new Rng(3)).generate(10);
  const [out] = await runQemu(await buildHarness(cfg, CACHE), cfg, [c]);
  const sim = simulateCase(c, cfg);
  expect(compareOutcome(sim, out!, 'le')).toEqual([]);
  sim.regs[9] = (sim.regs[9]! + 1) >>> 0;
  expect(compareOutcome(sim, out!, 'le')).toHaveLength(1);
}, 60_000);
