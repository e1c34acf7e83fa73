// What gets proved: one case per routed opcode, value of its selector fields (the ones
// that choose an operation rather than feed it: MOVSX's off, signed division's off,
// BPF_END's width, an atomic's operation) and register assignment. imm and off are
// symbolic wherever they are operands.
import * as op from '../../bpf/opcodes.ts';
import { ROUTES, type Route } from '../../jit/dispatch.ts';

/** Instruction classes of the plan routes, and `core`: prologue, epilogue and tail call. */
export const CLASSES = ['alu', 'alu64', 'jmp', 'jmp32', 'end', 'ld', 'ldx', 'st', 'stx', 'atomic', 'core'] as const;
export type ProofClass = (typeof CLASSES)[number];

export interface ProofCase {
  class: ProofClass;
  route: Route;
  code: number;
  dst: number;
  src: number;
  /** Concrete off, or undefined when off is a symbolic operand. */
  off?: number;
  /** Concrete imm, or undefined when imm is a symbolic operand. */
  imm?: number;
  /** Short name: `alu64 ADD X`, `ldx MEMSX H` ... */
  what: string;
}

/**
 * Register assignments. Pairs cover: distinct registers from each group (R0, the argument
 * registers R1-R5, the callee-saved R6-R9), dst == src, and R10 as a source or base.
 */
const PAIRS_X: [number, number][] = [[0, 1], [1, 2], [5, 6], [9, 0], [7, 10], [4, 4], [0, 0]];
const DSTS_K = [0, 1, 5, 6, 9];
const PAIRS_LDX: [number, number][] = [[0, 1], [2, 10], [3, 3], [6, 9], [9, 6], [1, 0]];
const DSTS_ST = [1, 10, 6];
const PAIRS_STX: [number, number][] = [[1, 2], [10, 0], [3, 3], [6, 9], [10, 6], [0, 5]];
const PAIRS_ATOMIC: [number, number][] = [[1, 2], [10, 0], [6, 9], [2, 0], [0, 3], [3, 3]];

const ATOMIC_OPS = [
  op.ADD, op.ADD | op.FETCH, op.AND, op.AND | op.FETCH, op.OR, op.OR | op.FETCH,
  op.XOR, op.XOR | op.FETCH, op.XCHG, op.CMPXCHG,
];

const ALU_NAMES: Record<number, string> = {
  [op.ADD]: 'ADD', [op.SUB]: 'SUB', [op.MUL]: 'MUL', [op.DIV]: 'DIV', [op.OR]: 'OR', [op.AND]: 'AND',
  [op.LSH]: 'LSH', [op.RSH]: 'RSH', [op.NEG]: 'NEG', [op.MOD]: 'MOD', [op.XOR]: 'XOR', [op.MOV]: 'MOV',
  [op.ARSH]: 'ARSH', [op.END]: 'END',
};
const JMP_NAMES: Record<number, string> = {
  [op.JEQ]: 'JEQ', [op.JGT]: 'JGT', [op.JGE]: 'JGE', [op.JSET]: 'JSET', [op.JNE]: 'JNE', [op.JSGT]: 'JSGT',
  [op.JSGE]: 'JSGE', [op.JLT]: 'JLT', [op.JLE]: 'JLE', [op.JSLT]: 'JSLT', [op.JSLE]: 'JSLE',
};
const SIZE_NAMES: Record<number, string> = { [op.B]: 'B', [op.H]: 'H', [op.W]: 'W', [op.DW]: 'DW' };
const ATOMIC_NAMES: Record<number, string> = {
  [op.ADD]: 'ADD', [op.AND]: 'AND', [op.OR]: 'OR', [op.XOR]: 'XOR', [op.XCHG]: 'XCHG', [op.CMPXCHG]: 'CMPXCHG',
};

export function atomicName(imm: number): string {
  return ATOMIC_NAMES[imm] ?? `${ATOMIC_NAMES[imm & ~op.FETCH]}|FETCH`;
}

/** Routes the prover covers: every plan route (core sequences are proved separately). */
function planRoutes(): Route[] {
  return ROUTES.filter((r) => !['call', 'exit', 'ja', 'tail_call'].includes(r.plan));
}

export function proofCases(classes: ReadonlySet<ProofClass> = new Set(CLASSES)): ProofCase[] {
  const out: ProofCase[] = [];
  for (const route of planRoutes()) {
    for (const code of route.codes) {
      for (const c of casesOf(route, code)) if (classes.has(c.class)) out.push(c);
    }
  }
  return out;
}

function casesOf(route: Route, code: number): ProofCase[] {
  const cls = op.cls(code);
  const x = op.src(code) === op.X;
  const mk = (klass: ProofClass, what: string, regs: [number, number][], fixed: { off?: number; imm?: number }) =>
    regs.map(([dst, src]) => ({ class: klass, route, code, dst, src, what, ...fixed }));
  const dstsOnly = (ds: number[]): [number, number][] => ds.map((d) => [d, 0]);

  if (cls === op.ALU || cls === op.ALU64) {
    const w = cls === op.ALU ? 'alu' : 'alu64';
    const o = op.op(code);
    if (o === op.END) {
      const dir = cls === op.ALU64 ? 'BSWAP' : op.src(code) === op.TO_BE ? 'TO_BE' : 'TO_LE';
      return [16, 32, 64].flatMap((imm) => mk('end', `${w} END ${dir} ${imm}`, dstsOnly(DSTS_K), { imm, off: 0 }));
    }
    const name = `${w} ${ALU_NAMES[o]} ${x ? 'X' : 'K'}`;
    const regs = x ? PAIRS_X : dstsOnly(DSTS_K);
    if (o === op.MOV && x) {
      const offs = cls === op.ALU64 ? [0, 8, 16, 32] : [0, 8, 16];
      return offs.flatMap((off) => mk(w, off ? `${w} MOVSX${off} X` : name, regs, { off }));
    }
    if (o === op.DIV || o === op.MOD) {
      return [0, 1].flatMap((off) => mk(w, off ? `${w} S${ALU_NAMES[o]} ${x ? 'X' : 'K'}` : name, regs, { off }));
    }
    return mk(w, name, regs, { off: 0 });
  }
  if (cls === op.JMP || cls === op.JMP32) {
    const w = cls === op.JMP ? 'jmp' : 'jmp32';
    return mk(w, `${w} ${JMP_NAMES[op.op(code)]} ${x ? 'X' : 'K'}`, x ? PAIRS_X : dstsOnly(DSTS_K), { off: 0 });
  }
  if (cls === op.LD) return mk('ld', 'ld IMM64', dstsOnly(DSTS_K), {});
  const size = SIZE_NAMES[op.size(code)]!;
  if (cls === op.LDX) {
    const sx = op.mode(code) === op.MEMSX;
    return mk('ldx', `ldx ${sx ? 'MEMSX' : 'MEM'} ${size}`, PAIRS_LDX, { imm: 0 });
  }
  if (cls === op.ST) return mk('st', `st MEM ${size}`, dstsOnly(DSTS_ST), {});
  if (op.mode(code) === op.ATOMIC) {
    return ATOMIC_OPS.flatMap((imm) => mk('atomic', `atomic ${size} ${atomicName(imm)}`, PAIRS_ATOMIC, { imm }));
  }
  return mk('stx', `stx MEM ${size}`, PAIRS_STX, { imm: 0 });
}
