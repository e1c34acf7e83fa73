// `jitgen verify`: every corpus program through the reference interpreter and through the
// JIT model's image in the simulator, per configuration; both must give what the kernel's
// test runner expects. A program the design declines is a failure with the design's
// reason (the counts name them, so a preset's pass rate says what it lacks).
import type { Config } from '../config.ts';
import type { TestProgram } from '../bpf/program.ts';
import type { Design } from '../jit/design.ts';
import { runTestInterp } from './interp-runner.ts';
import { corpusBinding, helpersFor, runTestJit } from './jit-runner.ts';
import { ResultCollector, type VerifyResult } from './results.ts';

export interface VerifyJitOptions {
  corpora: string[];
  configs: Config[];
  design: Design;
  load: (name: string, endian: Config['endian']) => TestProgram[] | Promise<TestProgram[]>;
  budget?: number;
  progress?: (line: string) => void;
  /** Blind constants with this seed before JITing (`--harden`). */
  hardenSeed?: number;
  /** Keep only programs whose identity matches. */
  filter?: (p: TestProgram) => boolean;
}

export interface JitVerifyResult extends VerifyResult {
  /** Programs the design declined, per configuration (also counted as failed). */
  declined: Record<string, number>;
  /** Static words and dynamic MIPS instructions of the passing programs, per configuration. */
  cost: Record<string, { words: number; steps: number }>;
}

const PROGRESS_EVERY_MS = 5000;

export async function verifyJit(opts: VerifyJitOptions): Promise<JitVerifyResult> {
  const results = new ResultCollector();
  const declined: Record<string, number> = {};
  const cost: Record<string, { words: number; steps: number }> = {};
  const progress = opts.progress ?? (() => {});
  for (const cfg of opts.configs) {
    results.config(cfg.id);
    declined[cfg.id] = 0;
    cost[cfg.id] = { words: 0, steps: 0 };
    for (const corpus of opts.corpora) {
      const progs = (await opts.load(corpus, cfg.endian)).filter(opts.filter ?? (() => true));
      const started = Date.now();
      let last = started;
      for (const [n, prog] of progs.entries()) {
        if (prog.skip !== undefined) {
          results.skip(cfg.id, prog.id, prog.skip);
          continue;
        }
        const helpers = helpersFor(prog);
        const interp = runTestInterp(prog, cfg.endian, { budget: opts.budget });
        const jitted = runTestJit(prog, { design: opts.design, config: cfg, binding: corpusBinding(), budget: opts.budget, hardenSeed: opts.hardenSeed }, helpers);
        if (!interp.ok) {
          results.fail({ id: prog.id, config: cfg.id, expected: interp.expected, got: interp.got, reason: `interpreter: ${interp.reason}` });
        } else if (!jitted.ok) {
          if (jitted.declined) declined[cfg.id]!++;
          results.fail({ id: prog.id, config: cfg.id, expected: jitted.expected, got: jitted.got, reason: `jit: ${jitted.reason}` });
        } else {
          results.pass(cfg.id);
          cost[cfg.id]!.words += jitted.words ?? 0;
          cost[cfg.id]!.steps += jitted.steps ?? 0;
        }
        const now = Date.now();
        if (now - last >= PROGRESS_EVERY_MS) {
          last = now;
          progress(`verify: ${cfg.id} ${corpus}: ${n + 1}/${progs.length} programs, ${((now - started) / 1000).toFixed(0)} s`);
        }
      }
      progress(`verify: ${cfg.id} ${corpus}: ${progs.length} programs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  }
  return { ...results.result(), declined, cost };
}
