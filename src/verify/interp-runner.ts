// `verify --interp-only`: every corpus program through the reference interpreter, compared
// with the result the kernel's test runner expects, per configuration.
import type { ByteOrder } from '../bv/types.ts';
import type { Config, ConfigId, Endian } from '../config.ts';
import { defaultHelpers } from '../bpf/helpers.ts';
import { BpfFault, Interpreter, type InterpOptions } from '../bpf/interpreter.ts';
import type { TestProgram } from '../bpf/program.ts';
import { contextBytes, TAIL_CALL_MARKER } from './corpus/model.ts';
import { ResultCollector, type VerifyResult } from './results.ts';

export type Outcome =
  | { ok: true }
  | { ok: false; expected: number | null; got: number | null; reason: string };

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

const u32hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/**
 * Run one corpus program as lib/test_bpf.c's runner does: each sub-test on its own
 * context; a result-in-state test `runs` times on one context, its result the u32 there.
 * Other tests run once (their runs are independent: nothing they store is read back by a
 * later run). The comparison is on the low 32 bits, as the kernel's.
 */
export function runTestInterp(prog: TestProgram, order: ByteOrder, opts: RunnerOptions = {}): Outcome {
  let interp: Interpreter;
  try {
    interp = new Interpreter(prog, interpOptions(prog, order, opts));
  } catch (err) {
    return { ok: false, expected: null, got: null, reason: (err as Error).message };
  }
  for (const [i, e] of prog.expect.entries()) {
    const ctx = contextBytes(prog, e);
    let got: number;
    try {
      if (prog.resultInState) {
        if (!ctx || ctx.length < 4) return { ok: false, expected: e.result, got: null, reason: 'result in state without a state buffer' };
        const runs = prog.runs ?? 1;
        for (let r = 0; r < runs; r++) interp.run({ ctx });
        got = new DataView(ctx.buffer, ctx.byteOffset).getUint32(0, order === 'le');
      } else {
        got = Number(interp.run({ ctx }).r0 & 0xffffffffn);
      }
    } catch (err) {
      if (err instanceof BpfFault) {
        return { ok: false, expected: e.result >>> 0, got: null, reason: `sub-test ${i}: ${err.kind} fault: ${err.message}` };
      }
      throw err;
    }
    if (got !== e.result >>> 0) {
      return {
        ok: false,
        expected: e.result >>> 0,
        got,
        reason: `sub-test ${i} (data_size ${e.dataSize}): ${u32hex(got)} != ${u32hex(e.result)}`,
      };
    }
  }
  return { ok: true };
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
