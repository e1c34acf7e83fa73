// The `johan` preset against mainline's real JIT C, word for word: every test_bpf and
// tail_calls program, each configuration, JITed by the tree's bpf_jit_comp{,32}.c in the
// host harness and by the model with design `johan`, the same binding for both.
//   npx tsx scripts/johan-vs-mainline.ts [--configs be-r2,le-r2,be-r6,le-r6] [--tree DIR] [--json] [--show N]
// Prints per configuration: identical, differing, declined by the preset (ISA v4 that
// mainline JITs anyway, miscompiling it), refused by both, and mismatched refusals.
import { ALL_CONFIGS, config as configOf } from '../src/config.ts';
import { jit } from '../src/jit/core.ts';
import { johan } from '../src/jit/designs/johan.ts';
import { harnessJit, kernelBoundCorpus } from '../src/kernel/harness/index.ts';
import { defaultTreeDir, importCorpus } from '../src/verify/corpus/index.ts';
import { corpusBinding, defaultHelpers } from '../src/verify/jit-runner.ts';
import { decode, format } from '../src/mips/codec.ts';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const configs = (opt('--configs') ?? ALL_CONFIGS.join(',')).split(',').map(configOf);
const tree = opt('--tree') ?? defaultTreeDir;
const show = Number(opt('--show') ?? 3);
const binding = corpusBinding(defaultHelpers());
const log = (s: string): void => void process.stderr.write(`${s}\n`);

await importCorpus(tree, { progress: log });
const summary: Record<string, unknown> = {};
for (const cfg of configs) {
  const programs = [
    ...kernelBoundCorpus(tree, 'test_bpf', cfg, binding).programs,
    ...kernelBoundCorpus(tree, 'tail_calls', cfg, binding).programs,
  ];
  log(`${cfg.id}: ${programs.length} programs through mainline's C`);
  const images = await harnessJit(tree, 'mainline', cfg, programs, binding, { progress: log });
  const r = { identical: 0, differing: 0, declinedV4: 0, bothRefuse: 0, modelOnlyRefuses: 0, mainlineOnlyRefuses: 0, differences: [] as unknown[] };
  const started = performance.now();
  programs.forEach((p, k) => {
    const real = images[k]!;
    let words: Uint32Array | undefined;
    let why = '';
    try {
      words = jit(p, { design: johan, config: cfg, binding }).words;
    } catch (e) {
      why = (e as Error).message;
      if ((e as Error).name !== 'JitDecline' && (e as Error).name !== 'EncodeError') throw e;
    }
    if (!real.jited) {
      if (words) {
        r.mainlineOnlyRefuses++;
        r.differences.push({ id: p.id, what: `mainline refuses (${real.error}), the model JITs` });
      } else r.bothRefuse++;
      return;
    }
    if (!words) {
      if (/ISA v4/.test(why)) r.declinedV4++;
      else {
        r.modelOnlyRefuses++;
        r.differences.push({ id: p.id, what: `the model refuses: ${why}` });
      }
      return;
    }
    const w = real.words!;
    let at = -1;
    for (let i = 0; i < Math.max(w.length, words.length); i++) if (w[i] !== words[i]) { at = i; break; }
    if (at < 0) r.identical++;
    else {
      r.differing++;
      const dis = (x: number | undefined): string => {
        if (x === undefined) return '(none)';
        const d = decode(x, cfg.isa);
        return d ? format(d) : x.toString(16);
      };
      r.differences.push({ id: p.id, what: `word ${at} of ${w.length}/${words.length}: mainline ${dis(w[at])}, model ${dis(words[at])}` });
    }
  });
  log(`${cfg.id}: identical ${r.identical}, differing ${r.differing}, declined (ISA v4) ${r.declinedV4}, both refuse ${r.bothRefuse}, ` +
    `only the model refuses ${r.modelOnlyRefuses}, only mainline refuses ${r.mainlineOnlyRefuses} (model ${Math.round(performance.now() - started)} ms)`);
  for (const d of r.differences.slice(0, show)) log(`  ${JSON.stringify(d)}`);
  summary[cfg.id] = r;
}
if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
const bad = Object.values(summary).some((r) => (r as { differing: number; modelOnlyRefuses: number; mainlineOnlyRefuses: number }).differing + (r as { modelOnlyRefuses: number }).modelOnlyRefuses + (r as { mainlineOnlyRefuses: number }).mainlineOnlyRefuses > 0);
process.exitCode = bad ? 1 : 0;
