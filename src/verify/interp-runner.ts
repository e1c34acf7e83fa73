// `verify --interp-only`: every corpus program through the reference interpreter, compared
// with the result the kernel's test runner expects, per configuration.
import type { ByteOrder } from '../bv/types.ts';
import type { Config, ConfigId, Endian } from '../config.ts';
import { defaultHelpers } from '../bpf/helpers.ts';
import { BpfFault, Interpreter, type InterpOptions } from '../bpf/interpreter.ts';
import type { TestProgram } from '../bpf/program.ts';
import { TAIL_CALL_MARKER } from './corpus/model.ts';
import { runSubtests, type Outcome } from './test-run.ts';
import { ResultCollector, type VerifyResult } from './results.ts';

export type { Outcome } from './test-run.ts';

/** Loads one named corpus for one byte order (src/verify/corpus's loadCorpus, or a stand-in). */
export type CorpusLoader = (name: string, endian: Endian) => TestProgram[] | Promise<TestProgram[]>;

export interface RunnerOptions {
  budget?: number;
  /** MAX_TAIL_CALL_CNT of the tree (default: 33, as in 6.12). */
  maxTailCalls?: number;
}

function interpOptions(prog: TestProgram, order: ByteOrder, opts: RunnerOptions): InterpOptions {
  const testFunc = prog.helpers?.find((h) => h.name === 'test_func')?.id;
  return {
    order,
    budget: opts.budget,
    maxTailCalls: opts.maxTailCalls,
    helpers: defaultHelpers(testFunc),
    progArray: prog.tailCallTargets
      ? { addr: BigInt(TAIL_CALL_MARKER), entries: prog.tailCallTargets, maxEntries: prog.tailCallTargets.length }
      : undefined,
  };
}

/**
 * Run one corpus program through the interpreter as lib/test_bpf.c's runner does
 * (test-run.ts). A fault is a failure with its kind and instruction.
 */
export function runTestInterp(prog: TestProgram, order: ByteOrder, opts: RunnerOptions = {}): Outcome {
  let interp: Interpreter;
  try {
    interp = new Interpreter(prog, interpOptions(prog, order, opts));
  } catch (err) {
    return { ok: false, expected: null, got: null, reason: (err as Error).message };
  }
  return runSubtests(prog, order, (ctx) => {
    try {
      return Number(interp.run({ ctx: ctx ?? undefined }).r0 & 0xffffffffn);
    } catch (err) {
      if (err instanceof BpfFault) throw new Error(`${err.kind} fault: ${err.message}`);
      throw err;
    }
  });
}

export interface VerifyInterpOptions extends RunnerOptions {
  corpora: string[];
  configs: Config[];
  load: CorpusLoader;
  /** One line of progress (stderr in the CLI). */
  progress?: (line: string) => void;
}

/** Seconds between progress lines during a long corpus. */
const PROGRESS_EVERY_MS = 5000;

/**
 * Run the corpora in every configuration. The interpreter does not depend on the ISA, so
 * each program runs once per byte order and its outcome is recorded for every
 * configuration of that byte order (the counts are still per configuration).
 */
export async function verifyInterp(opts: VerifyInterpOptions): Promise<VerifyResult> {
  const results = new ResultCollector();
  const progress = opts.progress ?? (() => {});
  const byEndian = new Map<Endian, ConfigId[]>();
  for (const c of opts.configs) {
    results.config(c.id);
    byEndian.set(c.endian, [...(byEndian.get(c.endian) ?? []), c.id]);
  }
  for (const [endian, ids] of byEndian) {
    for (const corpus of opts.corpora) {
      const progs = await opts.load(corpus, endian);
      const started = Date.now();
      let last = started;
      let done = 0;
      for (const prog of progs) {
        if (prog.skip !== undefined) {
          for (const id of ids) results.skip(id, prog.id, prog.skip);
        } else {
          const out = runTestInterp(prog, endian, opts);
          for (const id of ids) {
            if (out.ok) results.pass(id);
            else results.fail({ id: prog.id, config: id, expected: out.expected, got: out.got, reason: out.reason });
          }
        }
        done++;
        const now = Date.now();
        if (now - last >= PROGRESS_EVERY_MS) {
          last = now;
          progress(`verify: ${endian} ${corpus}: ${done}/${progs.length} programs`);
        }
      }
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      progress(`verify: ${endian} ${corpus}: ${progs.length} programs in ${secs} s (configurations ${ids.join(', ')})`);
    }
  }
  return results.result();
}
