// Everything compare measures in one configuration: per design, the probes (per-feature
// static cost), the frames, and the corpus outcomes. A child process computes one of
// these per configuration; the parent merges them (summary.ts).
import type { Config, ConfigId } from '../config.ts';
import { corpusBinding } from '../verify/jit-runner.ts';
import { runMainline, runModel, selectPrograms, type CorpusSelection, type ProgramOutcome } from './corpus-run.ts';
import { MAINLINE, presetFor } from './facts.ts';
import { programFeatures } from './features.ts';
import { mainlineProbeCosts, modelFrames, modelProbeCosts, type FrameCost, type ProbeCost } from './probes.ts';

export interface ConfigPart {
  config: ConfigId;
  /** Per design, per feature. */
  probes: Record<string, Record<string, ProbeCost>>;
  frames: Record<string, FrameCost[]>;
  /** Per design, in corpus order. */
  programs: Record<string, ProgramOutcome[]>;
  /** Features each measured program uses. */
  features: Record<string, string[]>;
  skipped: { id: string; reason: string }[];
}

export interface MeasureOptions {
  selection: CorpusSelection;
  designs: readonly string[];
  /** Harness build cache (default: the harness's own). */
  harnessCache?: string;
  progress?: (line: string) => void;
}

export async function measureConfig(config: Config, opts: MeasureOptions): Promise<ConfigPart> {
  const binding = corpusBinding();
  const { programs, skipped } = await selectPrograms(opts.selection, config);
  const part: ConfigPart = { config: config.id, probes: {}, frames: {}, programs: {}, features: {}, skipped };
  for (const p of programs) part.features[p.id] = [...programFeatures(p.insns)].sort();
  for (const name of opts.designs) {
    if (name === MAINLINE) {
      const pc = await mainlineProbeCosts(opts.selection.treeDir, config, binding, opts.harnessCache);
      part.probes[name] = pc.probes;
      part.frames[name] = pc.frames;
      part.programs[name] = programs.length
        ? await runMainline(opts.selection, config, programs, { cacheRoot: opts.harnessCache, progress: opts.progress })
        : [];
    } else {
      const design = presetFor(name);
      part.probes[name] = modelProbeCosts(design, config, binding);
      part.frames[name] = modelFrames(design, config, binding);
      part.programs[name] = runModel(design, config, programs, { budget: opts.selection.budget, progress: opts.progress });
    }
  }
  return part;
}
