// The ROUTES table (src/jit/dispatch.ts) as the `switch (insn->code)` of build_insn: one
// group of case labels per route, then the call of its emitter (or of the core, for
// calls, exits, jumps and tail calls).
import * as op from '../bpf/opcodes.ts';
import type { Route } from '../jit/dispatch.ts';
import type { Plan } from '../jit/dsl.ts';
import type { CNames } from './cexpr.ts';
import { cexpr } from './cexpr.ts';
import { statement } from './layout.ts';

const CLASS = ['BPF_LD', 'BPF_LDX', 'BPF_ST', 'BPF_STX', 'BPF_ALU', 'BPF_JMP', 'BPF_JMP32', 'BPF_ALU64'];
const ALU_OP: Record<number, string> = {
  [op.ADD]: 'BPF_ADD', [op.SUB]: 'BPF_SUB', [op.MUL]: 'BPF_MUL', [op.DIV]: 'BPF_DIV', [op.OR]: 'BPF_OR',
  [op.AND]: 'BPF_AND', [op.LSH]: 'BPF_LSH', [op.RSH]: 'BPF_RSH', [op.NEG]: 'BPF_NEG', [op.MOD]: 'BPF_MOD',
  [op.XOR]: 'BPF_XOR', [op.MOV]: 'BPF_MOV', [op.ARSH]: 'BPF_ARSH', [op.END]: 'BPF_END',
};
const JMP_OP: Record<number, string> = {
  [op.JA]: 'BPF_JA', [op.JEQ]: 'BPF_JEQ', [op.JGT]: 'BPF_JGT', [op.JGE]: 'BPF_JGE', [op.JSET]: 'BPF_JSET',
  [op.JNE]: 'BPF_JNE', [op.JSGT]: 'BPF_JSGT', [op.JSGE]: 'BPF_JSGE', [op.CALL]: 'BPF_CALL', [op.EXIT]: 'BPF_EXIT',
  [op.JLT]: 'BPF_JLT', [op.JLE]: 'BPF_JLE', [op.JSLT]: 'BPF_JSLT', [op.JSLE]: 'BPF_JSLE', [op.TAIL_CALL]: 'BPF_TAIL_CALL',
};
const MODE: Record<number, string> = {
  [op.IMM]: 'BPF_IMM', [op.ABS]: 'BPF_ABS', [op.IND]: 'BPF_IND', [op.MEM]: 'BPF_MEM', [op.MEMSX]: 'BPF_MEMSX', [op.ATOMIC]: 'BPF_ATOMIC',
};
const SIZE: Record<number, string> = { [op.W]: 'BPF_W', [op.H]: 'BPF_H', [op.B]: 'BPF_B', [op.DW]: 'BPF_DW' };
/** Operations whose source bit is not a source (mainline writes them without BPF_K). */
const ALU_NO_SOURCE = new Set([op.NEG]);
const JMP_NO_SOURCE = new Set([op.JA, op.CALL, op.EXIT, op.TAIL_CALL]);

/** An opcode the way the uapi header spells it: `BPF_ALU64 | BPF_ADD | BPF_X`. */
export function opcodeName(code: number): string {
  const cls = code & 0x07;
  const parts = [CLASS[cls]!];
  if (cls === op.ALU || cls === op.ALU64 || cls === op.JMP || cls === op.JMP32) {
    const o = code & 0xf0;
    const alu = cls === op.ALU || cls === op.ALU64;
    const name = (alu ? ALU_OP : JMP_OP)[o];
    if (!name) throw new Error(`no name for opcode 0x${code.toString(16)}`);
    parts.push(name);
    if (alu && o === op.END) parts.push(code & 0x08 ? 'BPF_TO_BE' : 'BPF_TO_LE');
    else if (!(alu ? ALU_NO_SOURCE : JMP_NO_SOURCE).has(o)) parts.push(code & 0x08 ? 'BPF_X' : 'BPF_K');
  } else {
    parts.push(MODE[code & 0xe0]!, SIZE[code & 0x18]!);
  }
  return parts.join(' | ');
}

/** How build_insn spells the route parameters of src/jit/dispatch.ts. */
const BUILD_INSN_PARAMS: Record<string, string> = { code: 'code', imm: 'imm', off: 'off', imm_hi: 'insn[1].imm' };

/** The core's C for the routes that are not plans. */
const CORE_ROUTES: Record<string, string[]> = {
  ja: ['emit_jump(ctx, JIT_JA, MIPS_R_ZERO, MIPS_R_ZERO);', 'break;'],
  call: ['return emit_call(ctx, insn);'],
  exit: ['emit_exit(ctx);', 'break;'],
  tail_call: ['emit_tail_call(ctx);', 'break;'],
};

/** The case groups of build_insn's switch, at indent depth 1. */
export function renderRoutes(routes: readonly Route[], plans: ReadonlyMap<string, Plan>, failing: ReadonlySet<string>): string {
  const names: CNames = {
    pair: (n) => n,
    param: (n) => {
      const c = BUILD_INSN_PARAMS[n];
      if (!c) throw new Error(`route parameter '${n}' has no C spelling in build_insn`);
      return c;
    },
  };
  const lines: string[] = [];
  for (const r of routes) {
    for (const c of r.codes) lines.push(`\tcase ${opcodeName(c)}:`);
    const core = CORE_ROUTES[r.plan];
    if (core) {
      for (const l of core) lines.push(...statement(2, l));
      continue;
    }
    const params = plans.get(r.plan)?.params ?? [];
    const args = r.args.map((a, i) => {
      if (a.k === 'pair') return a.pair;
      if (a.k !== 'val') throw new Error(`route ${r.plan}: register arguments have no C spelling in build_insn`);
      // a constant for a bool parameter reads as one
      if (params[i]?.type === 'bool' && a.v.k === 'lit') return a.v.v ? 'true' : 'false';
      return cexpr(a.v, names);
    });
    const call = `emit_${r.plan}(${['ctx', ...args].join(', ')});`;
    if (failing.has(r.plan)) lines.push(...statement(2, `return ${call}`));
    else lines.push(...statement(2, call), '\t\tbreak;');
  }
  return lines.join('\n');
}
