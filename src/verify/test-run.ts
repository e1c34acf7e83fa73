// How lib/test_bpf.c runs one test, written once for every engine (the interpreter, a JIT
// image in the simulator): each sub-test on its own context; a result-in-state test
// `runs` times on one context, its result the u32 left there; the comparison on the low
// 32 bits, as the kernel's.
import type { Endian } from '../config.ts';
import type { Expectation, TestProgram } from '../bpf/program.ts';
import { contextBytes } from './corpus/model.ts';

export type Outcome =
  | { ok: true }
  | { ok: false; expected: number | null; got: number | null; reason: string };

/** Runs the program once on `ctx` (null: R1 = NULL) and returns R0's low 32 bits. */
export type Engine = (ctx: Uint8Array | null, e: Expectation) => number;

const u32hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

export function runSubtests(prog: TestProgram, endian: Endian, engine: Engine): Outcome {
  for (const [i, e] of prog.expect.entries()) {
    const ctx = contextBytes(prog, e);
    let got: number;
    try {
      if (prog.resultInState) {
        if (!ctx || ctx.length < 4) return { ok: false, expected: e.result, got: null, reason: 'result in state without a state buffer' };
        const runs = prog.runs ?? 1;
        for (let r = 0; r < runs; r++) engine(ctx, e);
        got = new DataView(ctx.buffer, ctx.byteOffset).getUint32(0, endian === 'le');
      } else {
        got = engine(ctx, e) >>> 0;
      }
    } catch (err) {
      return { ok: false, expected: e.result >>> 0, got: null, reason: `sub-test ${i}: ${(err as Error).message}` };
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
