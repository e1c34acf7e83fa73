// A JIT design as data: where each BPF register lives, which MIPS registers the JIT may
// use as temporaries, what is callee-saved, how the stack frame is laid out, and the
// conventions for calls and tail calls. The presets (designs/) are values of this type;
// the JIT core, the renderer and the compare report read them and nothing else.
import type { Endian } from '../config.ts';
import type { Plan } from './dsl.ts';
import type { Pair } from './walk.ts';
import type { Program } from '../bpf/program.ts';
import type { JitImage, JitOptions } from './core.ts';
import { REG_NAMES } from '../mips/regs.ts';

/**
 * A BPF register's home: an O32 register pair `[first, second]` (the MIPS convention for
 * 64-bit values: on big endian `first` holds the high word, on little endian the low
 * word), or fixed halves that do not depend on byte order (R10: `fp` with `zero` above).
 */
export type Home = { pair: [number, number] } | { lo: number; hi: number };

/** Index of the JIT's own 64-bit temporary in `Design.regs` (after R0-R10 and AX). */
export const REG_TMP = 12;
export const REG_AX = 11;

export interface Conventions {
  /** Where the tail-call counter lives and how it travels (a sentence for reports). */
  tailCallCounter: string;
  /** How helper calls pass BPF R1-R5 (a sentence for reports). */
  helperArgs: string;
  /** Operations compiled as calls of kernel functions, by BPF operation. */
  kernelCalls: Record<string, string>;
  /** bpf2bpf calls: supported or declined, and how. */
  bpf2bpf: string;
  /** kfunc calls: supported or declined, and how. */
  kfunc: string;
}

export interface Design {
  name: string;
  /** One paragraph: what this design is and where it comes from. */
  summary: string;
  /** Homes of R0..R10, AX (11) and the JIT temporary (12). */
  regs: Home[];
  /** Scratch registers plans may use freely (besides the TMP pair). */
  scratch: number[];
  /** Registers a JITed program must preserve for its caller (O32 callee-saved). */
  calleeSaved: number[];
  conventions: Conventions;
  /** Plans by name; `dispatch` names the plan for each BPF instruction. */
  plans: ReadonlyMap<string, Plan>;
  /** What the design declines, by BPF feature, with the reason shown to users. */
  declines: Record<string, string>;
  /**
   * The design's own pass driver, when its counterpart's core differs from ours in ways
   * the plans cannot carry (mainline: per-pass jump descriptors, conversion of branches
   * decided before the plan runs, frame sized from push depths). Absent: the shared core
   * of core.ts compiles the design (jitgen and tony).
   */
  compile?: (prog: Program, opts: JitOptions) => JitImage;
  /**
   * Opcodes the design refuses whatever their operands, with the reason (a preset whose
   * counterpart lacked them: ISA v4 BSWAP, MEMSX loads, JMP32 JA). Checked by the shared
   * core before routing; absent or empty, every routed opcode is compiled.
   */
  refusedOpcodes?: ReadonlyArray<{ codes: readonly number[]; why: string }>;
}

/** Low and high MIPS register of BPF register `r` for byte order `endian`. */
export function halves(d: Design, r: number, endian: Endian): Pair {
  const home = d.regs[r];
  if (!home) throw new Error(`design ${d.name} has no home for BPF register ${r}`);
  if ('lo' in home) return { lo: home.lo, hi: home.hi };
  const [first, second] = home.pair;
  return endian === 'be' ? { hi: first, lo: second } : { lo: first, hi: second };
}

/** `hi:lo` as the DESIGN.md table writes it (big-endian view). */
export function homeText(home: Home): string {
  // register 30 is s8 to objdump and fp to the kernel and to MIPS maintainers
  const name = (r: number): string => (r === 30 ? 'fp' : REG_NAMES[r]!);
  if ('lo' in home) return `${name(home.lo)} (high word ${name(home.hi)})`;
  return `${name(home.pair[0])}:${name(home.pair[1])}`;
}
