// Differential fuzzer throughput: programs generated, checked, interpreted, JITed and
// run in the simulator per second, one process, each configuration in turn.
import { ALL_CONFIGS, config } from '../src/config.ts';
import { jitgen } from '../src/jit/designs/jitgen.ts';
import { fuzzConfig } from '../src/fuzz/run.ts';

export async function benchFuzz(cases = 2000): Promise<string[]> {
  const lines: string[] = [];
  for (const id of ALL_CONFIGS) {
    const r = fuzzConfig({ cases, seed: 1, config: config(id), design: jitgen });
    const c = r.configs[id]!;
    lines.push(`  ${id}: ${cases} programs, ${(r.programs_per_second[id] ?? 0).toFixed(0)} programs/s (${c.passed} passed, ${c.failed} mismatches, ${c.declined} declined)`);
  }
  return lines;
}
