// `jitgen fuzz --harness`: the same cases, but the images come from the rendered C
// compiled on the host (src/kernel/harness), not from the model, and each must also
// equal the model's word for word (a difference is a mismatch). The harness is one
// driver process per batch, so the cases are generated first, their images made in one
// go, and then each runs in the simulator against the interpreter. Shrinking needs an
// image per candidate, which the batch does not have: mismatches here are reported
// unshrunk (replay them without --harness, or shrink them with the model if it agrees).
import type { Program } from '../bpf/program.ts';
import { defaultHelpers } from '../bpf/helpers.ts';
import { blindConstants } from '../jit/blind.ts';
import { jit, type JitOptions } from '../jit/core.ts';
import { harnessJit, type HarnessImage } from '../kernel/harness/index.ts';
import { firstDifference, renderedSources, stageRendered } from '../render/harness-check.ts';
import { bindCalls, corpusBinding, imagePrograms, LAYOUT } from '../verify/jit-runner.ts';
import { testPrograms } from './case.ts';
import { caseProblem } from './defined.ts';
import { generateCase } from './gen.ts';
import { caseSeed } from './rng.ts';
import { caseId, fuzzConfig, hardenSeedFor, mergeFuzzResults, type FuzzOptions, type FuzzResult } from './run.ts';

/** The C's image must be the model's, word for word; a declined or different one throws. */
function sameAsModel(p: Program, c: Uint32Array, opts: JitOptions): void {
  let model: Uint32Array;
  try {
    model = jit(p, opts).words;
  } catch (e) {
    throw new Error(`the rendered C JITed ${p.id}, the model did not: ${(e as Error).message}`);
  }
  const at = firstDifference(model, c);
  if (at !== null) {
    throw new Error(`the rendered C's image of ${p.id} differs from the model's at word ${at} (C ${c.length} words, model ${model.length})`);
  }
}

/** Cases per harness invocation. */
const BATCH = 2000;

export async function fuzzHarness(treeDir: string, opts: FuzzOptions): Promise<FuzzResult> {
  const { dir, rendered, cleanup } = stageRendered(treeDir, opts.design);
  const binding = corpusBinding();
  const helpers = defaultHelpers();
  const parts: FuzzResult[] = [];
  const started = Date.now();
  try {
    for (let from = 0; from < opts.cases; from += BATCH) {
      const n = Math.min(BATCH, opts.cases - from);
      const inputs: Program[] = [];
      const bases: number[] = [];
      for (let i = from; i < from + n; i++) {
        const c = generateCase(caseSeed(opts.seed, i), opts.gen);
        if (caseProblem(c)) continue;
        const progs = testPrograms(c, caseId(opts.seed, i));
        // exactly the inputs loadMachine hands imageFor (jit-runner.ts)
        imagePrograms(progs[0]!).forEach((p, k) => {
          const bound = bindCalls(p, helpers, binding);
          inputs.push(opts.harden ? blindConstants(bound, hardenSeedFor(opts.seed, i)) : bound);
          bases.push((binding.imageBase + k * LAYOUT.imageStride) >>> 0);
        });
      }
      opts.progress?.(`fuzz: ${opts.config.id}: harness JITs ${inputs.length} programs of cases ${from}..${from + n - 1}`);
      const images = await harnessJit(dir, renderedSources(opts.config, [...rendered.kcalls]), opts.config, inputs, binding, {
        imageBases: bases,
        progress: opts.progress,
      });
      const byKey = new Map<string, HarnessImage>();
      images.forEach((img, k) => byKey.set(`${inputs[k]!.id}@${bases[k]}`, img));
      parts.push(
        fuzzConfig({
          ...opts,
          first: from,
          cases: n,
          design: rendered.design,
          maxShrink: 0,
          imageFor: (p, base) => {
            const img = byKey.get(`${p.id}@${base}`);
            if (!img) return { refused: `the harness has no image of ${p.id}` };
            if (!img.jited || !img.words) return { refused: `the rendered C refused it: ${img.error ?? 'not JITed'}` };
            sameAsModel(p, img.words, { design: rendered.design, config: opts.config, binding: { ...binding, imageBase: base } });
            return img.words;
          },
        }),
      );
    }
  } finally {
    cleanup();
  }
  const merged = mergeFuzzResults(parts);
  // counts of one configuration add up over the batches; the rate includes the harness's time
  const cfg = opts.config.id;
  const sum = { passed: merged.passed, failed: merged.failed, skipped: merged.skipped, declined: merged.declined, seconds: Math.round((Date.now() - started) / 100) / 10 };
  const declines: Record<string, number> = {};
  for (const p of parts) for (const [why, k] of Object.entries(p.declines[cfg] ?? {})) declines[why] = (declines[why] ?? 0) + k;
  return { ...merged, configs: { [cfg]: sum }, declines: { [cfg]: declines }, programs_per_second: { [cfg]: Math.round((opts.cases / Math.max(0.1, sum.seconds)) * 10) / 10 } };
}
