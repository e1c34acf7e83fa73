// Whether a BPF register's value at entry can matter: the prologue sets up R1 (the
// context pointer and a zero high word) only when the program may read R1 before
// writing it. The test is deliberately simple, so the C core can do the same in a few
// lines (scan_program): R1 is dead at entry when the program never names it, or when the
// first instruction that names it, before any jump, writes it without reading it.
import * as bpf from '../bpf/opcodes.ts';
import type { Insn } from '../bpf/opcodes.ts';

/** True when `insn` names register `r` in any role (helper calls name R1-R5). */
function names(insn: Insn, r: number): boolean {
  if (insn.code === (bpf.JMP | bpf.CALL)) return r >= 1 && r <= 5;
  return insn.dst === r || insn.src === r;
}

/**
 * True when `insn` writes `r` without reading it: a 32- or 64-bit move of a constant
 * or of another register, LD_IMM64, or a load from another base register.
 */
function overwrites(insn: Insn, r: number): boolean {
  if (insn.dst !== r) return false;
  const cls = insn.code & 0x07;
  const mode = insn.code & 0xe0;
  const op = insn.code & 0xf0;
  if (cls === bpf.ALU || cls === bpf.ALU64) return op === bpf.MOV && ((insn.code & bpf.X) === 0 || insn.src !== r);
  if (cls === bpf.LD) return insn.code === (bpf.LD | bpf.IMM | bpf.DW);
  if (cls === bpf.LDX) return (mode === bpf.MEM || mode === bpf.MEMSX) && insn.src !== r;
  return false;
}

/** May the program read BPF register `r` before it writes it? (conservative) */
export function liveAtEntry(insns: readonly Insn[], r: number): boolean {
  for (const insn of insns) {
    if (!names(insn, r)) {
      const cls = insn.code & 0x07;
      // past a jump or exit, paths diverge: live if the register is named at all
      if (cls === bpf.JMP || cls === bpf.JMP32) return insns.some((i) => names(i, r));
      continue;
    }
    return !overwrites(insn, r);
  }
  return false;
}
