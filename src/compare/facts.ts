// What each design IS, read from the Design objects (never re-typed): register homes per
// byte order, temporaries, callee-saved registers, conventions and declines. Mainline's
// facts are those of the `johan` preset, which models the tree's C word for word (the
// harness checks it); the report says so.
import type { Endian } from '../config.ts';
import { REG_AX, REG_TMP, halves, type Conventions, type Design } from '../jit/design.ts';
import { designByName } from '../jit/designs/index.ts';
import { REG_NAMES } from '../mips/regs.ts';

/** Names a compare run accepts: the presets plus `mainline` (the tree's real C). */
export const MAINLINE = 'mainline';

export interface RegisterRow {
  bpf: string;
  /** `hi:lo` per byte order, MIPS register names. */
  be: string;
  le: string;
}

export interface DesignFacts {
  name: string;
  /** 'model' (a preset run by the JIT core) or 'harness' (the tree's C, compiled on the host). */
  kind: 'model' | 'harness';
  summary: string;
  /** Where the facts come from, when not from the design itself. */
  factsFrom?: string;
  registers: RegisterRow[];
  temporaries: string[];
  calleeSaved: string[];
  conventions: Conventions;
  declines: Record<string, string>;
}

// register 30 is s8 to objdump and fp to the kernel and to MIPS maintainers
const regName = (r: number): string => (r === 30 ? 'fp' : REG_NAMES[r]!);

function pairText(d: Design, r: number, endian: Endian): string {
  const { hi, lo } = halves(d, r, endian);
  return `${regName(hi)}:${regName(lo)}`;
}

/** The preset a compare name stands for (mainline: johan). */
export function presetFor(name: string): Design {
  return designByName(name === MAINLINE ? 'johan' : name);
}

export function designFacts(name: string): DesignFacts {
  const d = presetFor(name);
  const label = (r: number): string => (r === REG_AX ? 'AX' : r === REG_TMP ? 'JIT temp' : `R${r}`);
  const registers = d.regs.map((_, r) => ({ bpf: label(r), be: pairText(d, r, 'be'), le: pairText(d, r, 'le') }));
  const tmp = halves(d, REG_TMP, 'be');
  const isMainline = name === MAINLINE;
  return {
    name,
    kind: isMainline ? 'harness' : 'model',
    summary: isMainline
      ? "The tree's own arch/mips/net/bpf_jit_comp.c + bpf_jit_comp32.c, compiled unmodified in the host harness (gcc -m32) and measured there."
      : d.summary,
    ...(isMainline ? { factsFrom: "the johan preset, which models mainline's C word for word (checked by the harness)" } : {}),
    registers,
    temporaries: [`${regName(tmp.hi)}:${regName(tmp.lo)} (64-bit)`, ...d.scratch.map(regName)],
    calleeSaved: d.calleeSaved.map(regName),
    conventions: d.conventions,
    declines: d.declines,
  };
}
