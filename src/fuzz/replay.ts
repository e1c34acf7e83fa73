// Replaying a saved reproducer (test/regressions/*.json): the shrunk case, run again with
// the design and configuration it was found with.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { config } from '../config.ts';
import type { Design } from '../jit/design.ts';
import { designByName } from '../jit/designs/index.ts';
import { caseFromJson } from './case.ts';
import { runCase, type Verdict } from './oracle.ts';
import type { Reproducer } from './run.ts';

export function readReproducer(path: string): Reproducer {
  return JSON.parse(readFileSync(path, 'utf8')) as Reproducer;
}

/** The reproducer files of a directory, sorted. */
export function reproducerFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

/** Run the reproducer's case again (with `design`, or the preset it names). */
export function replay(r: Reproducer, design: Design = designByName(r.design)): Verdict {
  return runCase(caseFromJson(r.case), { design, config: config(r.config), hardenSeed: r.hardenSeed ?? undefined }, r.id);
}
