// BPF "features": an opcode, split where one opcode means several operations (ISA v4
// MOVSX and SDIV/SMOD share MOV/DIV/MOD's opcode and differ in `off`; atomics differ in
// `imm`). Coverage and per-opcode counts are keyed by these names, so a design that
// compiles MOV but miscompiles MOVSX shows as such.
import * as op from '../bpf/opcodes.ts';
import type { Insn } from '../bpf/opcodes.ts';

const CLASS: Record<number, string> = {
  [op.LD]: 'LD', [op.LDX]: 'LDX', [op.ST]: 'ST', [op.STX]: 'STX', [op.ALU]: 'ALU', [op.JMP]: 'JMP', [op.JMP32]: 'JMP32', [op.ALU64]: 'ALU64',
};
export const ALU_OP: Record<number, string> = {
  [op.ADD]: 'ADD', [op.SUB]: 'SUB', [op.MUL]: 'MUL', [op.DIV]: 'DIV', [op.OR]: 'OR', [op.AND]: 'AND', [op.LSH]: 'LSH',
  [op.RSH]: 'RSH', [op.NEG]: 'NEG', [op.MOD]: 'MOD', [op.XOR]: 'XOR', [op.MOV]: 'MOV', [op.ARSH]: 'ARSH', [op.END]: 'END',
};
export const JMP_OP: Record<number, string> = {
  [op.JA]: 'JA', [op.JEQ]: 'JEQ', [op.JGT]: 'JGT', [op.JGE]: 'JGE', [op.JSET]: 'JSET', [op.JNE]: 'JNE', [op.JSGT]: 'JSGT',
  [op.JSGE]: 'JSGE', [op.CALL]: 'CALL', [op.EXIT]: 'EXIT', [op.JLT]: 'JLT', [op.JLE]: 'JLE', [op.JSLT]: 'JSLT', [op.JSLE]: 'JSLE',
};
const SIZE: Record<number, string> = { [op.B]: 'B', [op.H]: 'H', [op.W]: 'W', [op.DW]: 'DW' };
const ATOMIC_OP: Record<number, string> = { [op.ADD]: 'ADD', [op.AND]: 'AND', [op.OR]: 'OR', [op.XOR]: 'XOR' };

/** The BPF class of a feature name (its first word): ALU, ALU64, JMP, ... */
export function featureClass(feature: string): string {
  return feature.split(' ')[0]!;
}

/** The feature an instruction uses, e.g. `ALU64 ADD X`, `ALU MOVSX X`, `STX ATOMIC DW FETCH_ADD`. */
export function featureOf(insn: Insn): string {
  const code = insn.code;
  const cls = op.cls(code);
  const c = CLASS[cls]!;
  const hexCode = `0x${code.toString(16).padStart(2, '0')}`;
  if (cls === op.ALU || cls === op.ALU64) {
    const o = op.op(code);
    const s = op.src(code) === op.X ? 'X' : 'K';
    if (o === op.NEG) return `${c} NEG`;
    if (o === op.END) {
      if (cls === op.ALU64) return 'ALU64 BSWAP';
      return `ALU END ${op.src(code) === op.TO_BE ? 'TO_BE' : 'TO_LE'}`;
    }
    if (o === op.MOV && insn.off !== 0 && s === 'X') return `${c} MOVSX X`;
    if ((o === op.DIV || o === op.MOD) && insn.off === 1) return `${c} S${ALU_OP[o]} ${s}`;
    return ALU_OP[o] ? `${c} ${ALU_OP[o]} ${s}` : `${c} ${hexCode}`;
  }
  if (cls === op.JMP || cls === op.JMP32) {
    const o = op.op(code);
    if (o === op.JA) return `${c} JA`;
    if (o === op.EXIT) return `${c} EXIT`;
    if (o === op.CALL) {
      if (insn.src === op.PSEUDO_CALL) return `${c} CALL bpf2bpf`;
      if (insn.src === op.PSEUDO_KFUNC_CALL) return `${c} CALL kfunc`;
      return insn.imm === op.FUNC_TAIL_CALL ? `${c} TAIL_CALL` : `${c} CALL helper`;
    }
    if (o === op.TAIL_CALL) return `${c} TAIL_CALL`;
    const s = op.src(code) === op.X ? 'X' : 'K';
    return JMP_OP[o] ? `${c} ${JMP_OP[o]} ${s}` : `${c} ${hexCode}`;
  }
  const size = SIZE[op.size(code)]!;
  const mode = op.mode(code);
  if (cls === op.LD && mode === op.IMM && size === 'DW') return 'LD IMM DW';
  if (mode === op.MEM) return `${c} MEM ${size}`;
  if (mode === op.MEMSX) return `${c} MEMSX ${size}`;
  if (cls === op.STX && mode === op.ATOMIC) {
    const imm = insn.imm;
    let name: string;
    if (imm === op.XCHG) name = 'XCHG';
    else if (imm === op.CMPXCHG) name = 'CMPXCHG';
    else name = `${imm & op.FETCH ? 'FETCH_' : ''}${ATOMIC_OP[imm & ~op.FETCH] ?? `imm=0x${(imm >>> 0).toString(16)}`}`;
    return `STX ATOMIC ${size} ${name}`;
  }
  return `${c} ${hexCode}`;
}

/** The features a program uses (LD_IMM64's second slot is not an instruction). */
export function programFeatures(insns: readonly Insn[]): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < insns.length; i++) {
    out.add(featureOf(insns[i]!));
    if (op.isLdImm64(insns[i]!)) i++;
  }
  return out;
}
