// BPF disassembler in the syntax of the kernel's verifier log / bpftool (kernel/bpf/
// disasm.c), with llvm-objdump's spacing of memory offsets (`(r1 + 4)`, `(r10 - 8)`),
// its unprefixed jump offsets (`goto +2`) and its ` ll` on 64-bit immediates.
// Covers ISA v4 (MOVSX, MEMSX, SDIV/SMOD, BSWAP, JMP32|JA).
import * as op from './opcodes.ts';
import type { Insn } from './opcodes.ts';
import type { Program } from './program.ts';

const ALU_STR: Record<number, string> = {
  [op.ADD]: '+=', [op.SUB]: '-=', [op.MUL]: '*=', [op.DIV]: '/=', [op.OR]: '|=', [op.AND]: '&=',
  [op.LSH]: '<<=', [op.RSH]: '>>=', [op.MOD]: '%=', [op.XOR]: '^=', [op.MOV]: '=', [op.ARSH]: 's>>=',
};
const JMP_STR: Record<number, string> = {
  [op.JEQ]: '==', [op.JGT]: '>', [op.JGE]: '>=', [op.JSET]: '&', [op.JNE]: '!=', [op.JSGT]: 's>',
  [op.JSGE]: 's>=', [op.JLT]: '<', [op.JLE]: '<=', [op.JSLT]: 's<', [op.JSLE]: 's<=',
};
const ATOMIC_ALU: Record<number, string> = { [op.ADD]: 'add', [op.AND]: 'and', [op.OR]: 'or', [op.XOR]: 'xor' };
const UNSIGNED: Record<number, string> = { [op.B]: 'u8', [op.H]: 'u16', [op.W]: 'u32', [op.DW]: 'u64' };
const SIGNED: Record<number, string> = { [op.B]: 's8', [op.H]: 's16', [op.W]: 's32' };

const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
/** `(r1 + 4)`, `(r10 - 8)`: a base register and its offset. */
const addr = (reg: number, off: number): string => `(r${reg} ${off < 0 ? '-' : '+'} ${Math.abs(off)})`;
const bad = (insn: Insn): string => `invalid 0x${insn.code.toString(16).padStart(2, '0')}`;

/**
 * Text of instruction `i` of `insns`. LD_IMM64 reads its second half from `insns[i + 1]`;
 * `prog` (optional) names maps and kfuncs the instruction refers to.
 */
export function disasmInsn(insns: readonly Insn[], i: number, prog?: Program): string {
  const insn = insns[i];
  switch (op.cls(insn.code)) {
    case op.ALU:
    case op.ALU64:
      return alu(insn);
    case op.LDX: {
      const m = op.mode(insn.code);
      const type = (m === op.MEMSX ? SIGNED : m === op.MEM ? UNSIGNED : {})[op.size(insn.code)];
      return type ? `r${insn.dst} = *(${type} *)${addr(insn.src, insn.off)}` : bad(insn);
    }
    case op.ST:
      if (op.mode(insn.code) !== op.MEM) return bad(insn);
      return `*(${UNSIGNED[op.size(insn.code)]} *)${addr(insn.dst, insn.off)} = ${insn.imm}`;
    case op.STX:
      return stx(insn);
    case op.LD:
      return ld(insns, i, prog);
    default:
      return jmp(insn, prog);
  }
}

function alu(insn: Insn): string {
  const w = op.cls(insn.code) === op.ALU ? 'w' : 'r';
  const d = `${w}${insn.dst}`;
  const o = op.op(insn.code);
  const x = op.src(insn.code) === op.X;
  if (o === op.NEG) return `${d} = -${d}`;
  if (o === op.END) {
    // the byte swaps always print the full register, as the kernel does
    const kind = w === 'r' ? 'bswap' : x ? 'be' : 'le';
    return `r${insn.dst} = ${kind}${insn.imm} r${insn.dst}`;
  }
  let sym = ALU_STR[o];
  if (sym === undefined) return bad(insn);
  if ((o === op.DIV || o === op.MOD) && insn.off === 1) sym = `s${sym}`;
  if (!x) return `${d} ${sym} ${insn.imm}`;
  const cast = o === op.MOV && (insn.off === 8 || insn.off === 16 || insn.off === 32) ? `(s${insn.off})` : '';
  return `${d} ${sym} ${cast}${w}${insn.src}`;
}

function stx(insn: Insn): string {
  const type = UNSIGNED[op.size(insn.code)];
  const m = op.mode(insn.code);
  const at = addr(insn.dst, insn.off);
  if (m === op.MEM) return `*(${type} *)${at} = r${insn.src}`;
  if (m !== op.ATOMIC) return bad(insn);
  const width = op.size(insn.code) === op.DW ? '64' : '';
  const aluName = ATOMIC_ALU[insn.imm & ~op.FETCH];
  if (insn.imm === op.XCHG) return `r${insn.src} = atomic${width}_xchg((${type} *)${at}, r${insn.src})`;
  if (insn.imm === op.CMPXCHG) return `r0 = atomic${width}_cmpxchg((${type} *)${at}, r0, r${insn.src})`;
  if (aluName !== undefined && (insn.imm & ~0xf1) === 0) {
    if (insn.imm & op.FETCH) return `r${insn.src} = atomic${width}_fetch_${aluName}((${type} *)${at}, r${insn.src})`;
    return `lock *(${type} *)${at} ${ALU_STR[insn.imm]} r${insn.src}`;
  }
  return `invalid atomic 0x${(insn.imm >>> 0).toString(16)}`;
}

function mapName(prog: Program | undefined, index: number, kind: 'fd' | 'idx'): string {
  const m = kind === 'fd' ? prog?.maps?.[index] : undefined;
  return m ? `map[${m.name}]` : `map[${kind}:${index}]`;
}

function ld(insns: readonly Insn[], i: number, prog?: Program): string {
  const insn = insns[i];
  const m = op.mode(insn.code);
  const type = UNSIGNED[op.size(insn.code)];
  if (m === op.ABS && op.size(insn.code) !== op.DW) return `r0 = *(${type} *)skb[${insn.imm}]`;
  if (m === op.IND && op.size(insn.code) !== op.DW) {
    const k = insn.imm < 0 ? `- ${-insn.imm}` : `+ ${insn.imm}`;
    return `r0 = *(${type} *)skb[r${insn.src} ${k}]`;
  }
  if (!op.isLdImm64(insn)) return bad(insn);
  const hi = insns[i + 1]?.imm ?? 0;
  const d = `r${insn.dst}`;
  switch (insn.src) {
    case op.PSEUDO_MAP_FD:
      return `${d} = ${mapName(prog, insn.imm, 'fd')}`;
    case op.PSEUDO_MAP_VALUE:
      return `${d} = ${mapName(prog, insn.imm, 'fd')}[0]+${hi >>> 0}`;
    case op.PSEUDO_MAP_IDX:
      return `${d} = ${mapName(prog, insn.imm, 'idx')}`;
    case op.PSEUDO_MAP_IDX_VALUE:
      return `${d} = ${mapName(prog, insn.imm, 'idx')}[0]+${hi >>> 0}`;
    case op.PSEUDO_BTF_ID:
      return `${d} = btf_id[${insn.imm}]`;
    case op.PSEUDO_FUNC:
      return `${d} = subprog[${signed(insn.imm)}]`;
    default: {
      const v = (BigInt(hi >>> 0) << 32n) | BigInt(insn.imm >>> 0);
      return `${d} = 0x${v.toString(16)} ll`;
    }
  }
}

function jmp(insn: Insn, prog?: Program): string {
  const c = op.cls(insn.code);
  const o = op.op(insn.code);
  const x = op.src(insn.code) === op.X;
  if (insn.code === (op.JMP | op.JA)) return `goto ${signed(insn.off)}`;
  if (insn.code === (op.JMP32 | op.JA)) return `gotol ${signed(insn.imm)}`;
  if (insn.code === (op.JMP | op.EXIT)) return 'exit';
  if (insn.code === (op.JMP | op.CALL)) {
    if (insn.src === op.PSEUDO_CALL) return `call pc${signed(insn.imm)}`;
    if (insn.src === op.PSEUDO_KFUNC_CALL) return `call kfunc ${prog?.kfuncs?.[insn.imm]?.name ?? insn.imm}`;
    return `call ${insn.imm}`;
  }
  const sym = JMP_STR[o];
  if (sym === undefined) return bad(insn);
  const w = c === op.JMP32 ? 'w' : 'r';
  const rhs = x ? `${w}${insn.src}` : hex(insn.imm);
  return `if ${w}${insn.dst} ${sym} ${rhs} goto ${signed(insn.off)}`;
}

/** Indexes of the instructions that start a line: all but LD_IMM64 second halves. */
export function insnStarts(insns: readonly Insn[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < insns.length; i++) {
    out.push(i);
    if (op.isLdImm64(insns[i])) i++;
  }
  return out;
}

/** bpftool-style listing, one line per instruction: `   4: (61) r1 = *(u32 *)(r8 + 4)`. */
export function disasmListing(prog: Program): string[] {
  return insnStarts(prog.insns).map((i) => {
    const code = prog.insns[i].code.toString(16).padStart(2, '0');
    return `${String(i).padStart(4)}: (${code}) ${disasmInsn(prog.insns, i, prog)}`;
  });
}
