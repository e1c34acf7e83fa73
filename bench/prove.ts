// Proving time for the whole plan set of the jitgen design: every case of every class,
// per configuration, with the time per class. One configuration by default (each takes
// minutes); JITGEN_BENCH_PROVE_CONFIGS=be-r2,le-r2,be-r6,le-r6 measures all four.
import { config } from '../src/config.ts';
import { jitgen } from '../src/jit/designs/jitgen.ts';
import { makeSymbolic } from '../src/bv/symbolic.ts';
import { CLASSES, proveDesign } from '../src/verify/prove/index.ts';

export async function benchProve(): Promise<string[]> {
  const ids = (process.env.JITGEN_BENCH_PROVE_CONFIGS ?? 'be-r2').split(',').map((s) => s.trim()).filter(Boolean);
  const sym = await makeSymbolic();
  const out: string[] = [];
  let all = 0;
  let obligations = 0;
  for (const id of ids) {
    const cells: string[] = [];
    let ms = 0;
    for (const klass of CLASSES) {
      const r = await proveDesign({ design: jitgen, configs: [config(id)], classes: new Set([klass]), timeoutMs: 60_000, skipLemmas: true, sym });
      ms += r.ms;
      obligations += r.obligations.length;
      const bad = r.failed + r.unknown ? ` (${r.failed} failed, ${r.unknown} unknown)` : '';
      cells.push(`${klass} ${(r.ms / 1000).toFixed(1)} s/${r.obligations.length}${bad}`);
    }
    all += ms;
    out.push(`prove ${id}: ${(ms / 1000).toFixed(1)} s for the whole plan set: ${cells.join(', ')}`);
  }
  out.push(`prove total: ${obligations} obligations in ${(all / 1000).toFixed(1)} s (${(all / Math.max(obligations, 1)).toFixed(0)} ms each)`);
  return out;
}
