// Proving time for the whole plan set of the jitgen design: every case of every class
// (plus the core sequences), per configuration, in child processes as `jitgen prove`
// runs them; per class the summed solver time of its obligations. One configuration by
// default (each takes several minutes); JITGEN_BENCH_PROVE_CONFIGS=be-r2,le-r2,be-r6,le-r6
// measures all four.
import { config } from '../src/config.ts';
import { CLASSES, proveInChunks } from '../src/verify/prove/index.ts';

export async function benchProve(): Promise<string[]> {
  const ids = (process.env.JITGEN_BENCH_PROVE_CONFIGS ?? 'be-r2').split(',').map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  let wall = 0;
  let count = 0;
  for (const id of ids) {
    const r = await proveInChunks({ design: 'jitgen', configs: [config(id)], classes: [...CLASSES], timeoutMs: 60_000, jobs: 1 });
    wall += r.ms;
    count += r.obligations.length;
    const perClass = CLASSES.map((k) => {
      const obs = r.obligations.filter((o) => o.config === id && classOf(o.name) === k);
      const ms = obs.reduce((a, o) => a + o.ms, 0);
      return `${k} ${(ms / 1000).toFixed(1)} s/${obs.length}`;
    });
    const bad = r.failed + r.unknown ? ` (${r.failed} failed, ${r.unknown} unknown)` : '';
    out.push(`prove ${id}: ${r.obligations.length} obligations in ${(r.ms / 1000).toFixed(1)} s wall${bad}; solver time by class: ${perClass.join(', ')}`);
  }
  out.push(`prove total: ${count} obligations in ${(wall / 1000).toFixed(1)} s (${(wall / Math.max(count, 1)).toFixed(0)} ms each, one process at a time)`);
  return out;
}

/** The class of an obligation, from its name (`alu64 ADD X ...`, `core: ...`). */
function classOf(name: string): string {
  if (name.startsWith('core:')) return 'core';
  const first = name.split(' ')[0]!;
  if (first === 'alu' || first === 'alu64') return name.includes(' END ') ? 'end' : first;
  return first;
}
