// Which plan compiles each BPF instruction, and with which arguments: the `switch
// (insn->code)` of the C `build_insn`, as data. The core walks it; the renderer prints it.
import * as op from '../bpf/opcodes.ts';
import { bin, isBE, lit, named, pairArg, param, valArg, type CExpr, type PlanArg } from './dsl.ts';
import { bpfMode, bpfOp, bpfSize } from './plans/common.ts';

export interface Route {
  /** Full opcodes (class | op | source) this route compiles. */
  codes: number[];
  /** A plan name, or a core sequence: 'call', 'exit', 'ja', 'tail_call'. */
  plan: string;
  args: PlanArg[];
}

const code = param('code');
const imm = param('imm');
const off = param('off');
const dst = pairArg('dst');
const src = pairArg('src');

const ALU_OPS = [op.ADD, op.SUB, op.MUL, op.DIV, op.OR, op.AND, op.LSH, op.RSH, op.MOD, op.XOR, op.MOV, op.ARSH];
const JMP_OPS = [op.JEQ, op.JGT, op.JGE, op.JSET, op.JNE, op.JSGT, op.JSGE, op.JLT, op.JLE, op.JSLT, op.JSLE];
const SIZES = [op.B, op.H, op.W, op.DW];

function codes(cls: number, ops: number[], source: number): number[] {
  return ops.map((o) => cls | o | source);
}

/** BPF_END of class ALU swaps when the requested order is not the CPU's. */
const endSwaps: CExpr = bin('!=', bin('==', bin('&', code, 0x08), named('BPF_TO_BE', 0x08)), isBE);

export const ROUTES: Route[] = [
  { codes: [...codes(op.ALU, ALU_OPS, op.K), op.ALU | op.NEG], plan: 'alu32_k', args: [dst, valArg(imm), valArg(bpfOp(code)), valArg(off)] },
  { codes: codes(op.ALU, ALU_OPS, op.X), plan: 'alu32_x', args: [dst, src, valArg(bpfOp(code)), valArg(off), valArg(imm)] },
  { codes: [...codes(op.ALU64, ALU_OPS, op.K), op.ALU64 | op.NEG], plan: 'alu64_k', args: [dst, valArg(imm), valArg(bpfOp(code)), valArg(off)] },
  { codes: codes(op.ALU64, ALU_OPS, op.X), plan: 'alu64_x', args: [dst, src, valArg(bpfOp(code)), valArg(off)] },
  { codes: [op.ALU | op.END | op.TO_LE, op.ALU | op.END | op.TO_BE], plan: 'bswap', args: [dst, valArg(imm), valArg(endSwaps)] },
  { codes: [op.ALU64 | op.END], plan: 'bswap', args: [dst, valArg(imm), valArg(lit(1))] },
  { codes: [op.LD | op.IMM | op.DW], plan: 'ld_imm64', args: [dst, valArg(imm), valArg(param('imm_hi'))] },
  {
    codes: SIZES.map((s) => op.LDX | op.MEM | s),
    plan: 'ldx',
    args: [dst, src, valArg(off), valArg(bpfSize(code)), valArg(lit(0))],
  },
  {
    codes: [op.B, op.H, op.W].map((s) => op.LDX | op.MEMSX | s),
    plan: 'ldx',
    args: [dst, src, valArg(off), valArg(bpfSize(code)), valArg(bin('==', bpfMode(code), named('BPF_MEMSX', op.MEMSX)))],
  },
  { codes: SIZES.map((s) => op.STX | op.MEM | s), plan: 'stx', args: [dst, src, valArg(off), valArg(bpfSize(code))] },
  { codes: SIZES.map((s) => op.ST | op.MEM | s), plan: 'st', args: [dst, valArg(imm), valArg(off), valArg(bpfSize(code))] },
  { codes: [op.STX | op.ATOMIC | op.W], plan: 'atomic32', args: [dst, src, valArg(off), valArg(imm)] },
  { codes: [op.STX | op.ATOMIC | op.DW], plan: 'atomic64', args: [dst, src, valArg(off), valArg(imm)] },
  { codes: codes(op.JMP, JMP_OPS, op.X), plan: 'jmp64_x', args: [dst, src, valArg(bpfOp(code))] },
  { codes: codes(op.JMP, JMP_OPS, op.K), plan: 'jmp64_k', args: [dst, valArg(imm), valArg(bpfOp(code))] },
  { codes: codes(op.JMP32, JMP_OPS, op.X), plan: 'jmp32_x', args: [dst, src, valArg(bpfOp(code))] },
  { codes: codes(op.JMP32, JMP_OPS, op.K), plan: 'jmp32_k', args: [dst, valArg(imm), valArg(bpfOp(code))] },
  { codes: [op.JMP | op.JA, op.JMP32 | op.JA], plan: 'ja', args: [] },
  { codes: [op.JMP | op.CALL], plan: 'call', args: [] },
  { codes: [op.JMP | op.EXIT], plan: 'exit', args: [] },
  { codes: [op.JMP | op.TAIL_CALL], plan: 'tail_call', args: [] },
];

const byCode = new Map<number, Route>();
for (const r of ROUTES) for (const c of r.codes) byCode.set(c, r);

export function routeFor(code: number): Route | undefined {
  return byCode.get(code);
}
