// The differential oracle: one case through the reference interpreter and through the
// design's JITed image in the MIPS simulator; the 32 bits `bpf_func` returns must be the
// low 32 bits of the interpreter's R0 (the generated fold puts all final state there).
import type { Config } from '../config.ts';
import { defaultHelpers } from '../bpf/helpers.ts';
import { BpfFault, Interpreter } from '../bpf/interpreter.ts';
import type { Design } from '../jit/design.ts';
import { JitDecline } from '../jit/core.ts';
import { corpusBinding, loadMachine, runOnce, type JitRunContext } from '../verify/jit-runner.ts';
import { PROG_ARRAY_MARKER, testPrograms, type FuzzCase } from './case.ts';

export interface OracleContext {
  design: Design;
  config: Config;
  /** Blind constants first with this seed (`--harden`). */
  hardenSeed?: number;
  /** Images from elsewhere (the host harness running the rendered C), as in JitRunContext. */
  imageFor?: JitRunContext['imageFor'];
}

export type Verdict =
  | { kind: 'match'; r0: number }
  | { kind: 'mismatch'; expected: number | null; got: number | null; reason: string }
  | { kind: 'declined'; reason: string }
  /** The interpreter refused the case: a generator (or shrinker) bug, never a JIT one. */
  | { kind: 'invalid'; reason: string };

/** BPF instructions the interpreter may execute (loops are short, tail calls at most 33). */
const INTERP_BUDGET = 1_000_000;
/** MIPS instructions the image may execute: generous, a runaway image is a mismatch. */
const MIPS_BUDGET = 50_000_000;

const binding = corpusBinding();

/** The interpreter's answer for the case: R0's low 32 bits, or why it has none. */
export function interpretCase(c: FuzzCase, order: Config['endian']): { r0: number } | { invalid: string } {
  const progs = testPrograms(c);
  const targets = progs[0]!.tailCallTargets;
  try {
    const interp = new Interpreter(progs[0]!, {
      order,
      helpers: defaultHelpers(),
      budget: INTERP_BUDGET,
      progArray: targets ? { addr: BigInt(PROG_ARRAY_MARKER), entries: targets, maxEntries: targets.length } : undefined,
    });
    return { r0: Number(interp.run({ ctx: null }).r0 & 0xffffffffn) };
  } catch (e) {
    if (e instanceof BpfFault) return { invalid: `interpreter: ${e.kind} fault: ${e.message}` };
    throw e;
  }
}

/** Run one case both ways and compare. */
export function runCase(c: FuzzCase, ctx: OracleContext, id = 'fuzz'): Verdict {
  const progs = testPrograms(c, id);
  let machine;
  try {
    machine = loadMachine(progs[0]!, { design: ctx.design, config: ctx.config, binding, hardenSeed: ctx.hardenSeed, imageFor: ctx.imageFor }, defaultHelpers());
  } catch (e) {
    if (e instanceof JitDecline) return { kind: 'declined', reason: e.what };
    // anything else the JIT throws on a valid program is a JIT bug
    const interp = interpretCase(c, ctx.config.endian);
    if ('invalid' in interp) return { kind: 'invalid', reason: interp.invalid };
    return { kind: 'mismatch', expected: interp.r0, got: null, reason: `jit failed: ${(e as Error).name}: ${(e as Error).message}` };
  }
  const interp = interpretCase(c, ctx.config.endian);
  if ('invalid' in interp) return { kind: 'invalid', reason: interp.invalid };
  let got: number;
  try {
    got = runOnce(machine, null, MIPS_BUDGET) >>> 0;
  } catch (e) {
    return { kind: 'mismatch', expected: interp.r0, got: null, reason: `image faulted: ${(e as Error).message}` };
  }
  if (got !== interp.r0) {
    return { kind: 'mismatch', expected: interp.r0, got, reason: `w0 0x${got.toString(16)} != interpreter 0x${interp.r0.toString(16)}` };
  }
  return { kind: 'match', r0: got };
}
