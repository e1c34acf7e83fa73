// The `jitgen` design's code size and dynamic instruction count against mainline's
// (the `johan` preset, word for word equal to mainline's C), per configuration:
//   npx tsx scripts/code-size.ts [--configs be-r2,le-r2,be-r6,le-r6] [--max-insns N]
//                                [--filter TEXT] [--mix] [--worst N] [--json]
// Prints, per configuration, the geometric means of jitgen/johan over the test_bpf
// programs both pass: static words and dynamic MIPS instructions executed.
import { ALL_CONFIGS, config as configOf, type ConfigId } from '../src/config.ts';
import { formatCodeSize, measureCodeSize } from '../bench/code-size.ts';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const configs = (opt('--configs') ?? ALL_CONFIGS.join(',')).split(',').map((c) => configOf(c).id);
const maxInsns = Number(opt('--max-insns') ?? 0);
const worst = Number(opt('--worst') ?? 0);
const mix = argv.includes('--mix');
const summary: Record<string, unknown> = {};
for (const id of configs as ConfigId[]) {
  const started = performance.now();
  const r = measureCodeSize(id, { maxInsns, filter: opt('--filter'), mix, progress: (l) => process.stderr.write(`${l}\n`) });
  for (const line of formatCodeSize(r, { mix, worst })) process.stdout.write(`${line}\n`);
  process.stderr.write(`${id}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  summary[id] = { both: r.both, staticRatio: r.staticRatio, dynamicRatio: r.dynamicRatio, words: r.words, steps: r.steps };
}
if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
