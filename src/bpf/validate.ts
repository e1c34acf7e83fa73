// Structural checks of a BPF program, the ones the kernel makes before any JIT sees it
// (RFC 9669 plus kernel/bpf/verifier.c's "reserved fields" rules): known opcodes, unused
// fields zero, registers in range, jumps inside the program and its subprogram, LD_IMM64
// whole, every subprogram ending in exit or a jump. Semantic checks (types, bounds,
// division by a zero constant) are the verifier's business, not ours: test_bpf feeds
// the JIT programs that would fail them.
import * as op from './opcodes.ts';
import type { Insn } from './opcodes.ts';
import { insnError } from './codec.ts';

const MAX_REG = op.REG_FP;

const ALU_OPS = new Set([
  op.ADD, op.SUB, op.MUL, op.DIV, op.OR, op.AND, op.LSH, op.RSH, op.NEG, op.MOD, op.XOR, op.MOV, op.ARSH, op.END,
]);
const COND_JUMPS = new Set([
  op.JEQ, op.JGT, op.JGE, op.JSET, op.JNE, op.JSGT, op.JSGE, op.JLT, op.JLE, op.JSLT, op.JSLE,
]);
/** The `imm` values of BPF_ATOMIC (RFC 9669 section 5.3). */
export const ATOMIC_OPS = new Set([
  op.ADD, op.AND, op.OR, op.XOR,
  op.ADD | op.FETCH, op.AND | op.FETCH, op.OR | op.FETCH, op.XOR | op.FETCH,
  op.XCHG, op.CMPXCHG,
]);
const MAX_LD_IMM64_PSEUDO = op.PSEUDO_MAP_IDX_VALUE;

/** Throws InsnError at the first thing wrong with `insns`; `file` names the input. */
export function validate(insns: readonly Insn[], file: string): void {
  if (insns.length === 0) throw insnError(file, insns, 0, 'empty program: no instructions');
  const secondHalf = ldImm64SecondHalves(insns, file);
  for (let i = 0; i < insns.length; i++) {
    if (secondHalf[i]) continue;
    const what = checkInsn(insns[i]);
    if (what) throw insnError(file, insns, i, what);
  }
  checkControlFlow(insns, secondHalf, file);
}

/** Marks the second halves of LD_IMM64 and checks each is present and blank but for imm. */
function ldImm64SecondHalves(insns: readonly Insn[], file: string): boolean[] {
  const marks = new Array<boolean>(insns.length).fill(false);
  for (let i = 0; i < insns.length; i++) {
    if (!op.isLdImm64(insns[i])) continue;
    if (i + 1 >= insns.length) throw insnError(file, insns, i, 'LD_IMM64 is missing its second half');
    const next = insns[i + 1];
    if (next.code !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
      throw insnError(
        file,
        insns,
        i + 1,
        `bad second half of LD_IMM64 at insn ${i}: code, registers and off must be 0`,
      );
    }
    marks[i + 1] = true;
    i++;
  }
  return marks;
}

const reserved = (field: string, value: number, must: string): string =>
  `reserved field ${field} = ${value} (must be ${must})`;

function badReg(insn: Insn, useDst: boolean, useSrc: boolean): string | null {
  if (useDst && insn.dst > MAX_REG) return `bad register r${insn.dst} in dst`;
  if (useSrc && insn.src > MAX_REG) return `bad register r${insn.src} in src`;
  return null;
}

const FP_WRITE = 'r10 (frame pointer) is read-only';

/** What is wrong with one instruction on its own, or null. */
export function checkInsn(insn: Insn): string | null {
  const code = insn.code;
  const unknown = `unknown opcode 0x${code.toString(16).padStart(2, '0')}`;
  switch (op.cls(code)) {
    case op.ALU:
    case op.ALU64:
      return checkAlu(insn, unknown);
    case op.LDX: {
      const m = op.mode(code);
      if (m !== op.MEM && !(m === op.MEMSX && op.size(code) !== op.DW)) return unknown;
      return badReg(insn, true, true) ?? (insn.imm !== 0 ? reserved('imm', insn.imm, '0') : null) ??
        (insn.dst === op.REG_FP ? FP_WRITE : null);
    }
    case op.ST:
      if (op.mode(code) !== op.MEM) return unknown;
      return badReg(insn, true, false) ?? (insn.src !== 0 ? reserved('src', insn.src, '0') : null);
    case op.STX:
      return checkStx(insn, unknown);
    case op.LD:
      return checkLd(insn, unknown);
    default:
      return checkJmp(insn, unknown);
  }
}

function checkAlu(insn: Insn, unknown: string): string | null {
  const code = insn.code;
  const o = op.op(code);
  const is64 = op.cls(code) === op.ALU64;
  const x = op.src(code) === op.X;
  if (!ALU_OPS.has(o)) return unknown;
  if (o === op.NEG) {
    if (x) return unknown;
    return badReg(insn, true, false) ?? zeroFields(insn, ['src', 'off', 'imm']) ?? fpDst(insn);
  }
  if (o === op.END) {
    if (is64 && x) return unknown; // BSWAP has no TO_BE form
    const r = badReg(insn, true, false) ?? zeroFields(insn, ['src', 'off']);
    if (r) return r;
    if (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) return reserved('imm', insn.imm, '16, 32 or 64');
    return fpDst(insn);
  }
  const r = badReg(insn, true, x);
  if (r) return r;
  if (o === op.MOV) {
    if (!x) return zeroFields(insn, ['src', 'off']) ?? fpDst(insn);
    if (insn.imm !== 0) return reserved('imm', insn.imm, '0');
    const sx = is64 ? [0, 8, 16, 32] : [0, 8, 16];
    if (!sx.includes(insn.off)) return reserved('off', insn.off, `${sx.join(', ')} (MOVSX)`);
    return fpDst(insn);
  }
  if (x ? insn.imm !== 0 : insn.src !== 0) return x ? reserved('imm', insn.imm, '0') : reserved('src', insn.src, '0');
  const signedOk = o === op.DIV || o === op.MOD;
  if (insn.off !== 0 && !(insn.off === 1 && signedOk)) {
    return reserved('off', insn.off, signedOk ? '0, or 1 for SDIV/SMOD' : '0');
  }
  return fpDst(insn);
}

function checkStx(insn: Insn, unknown: string): string | null {
  const m = op.mode(insn.code);
  if (m === op.MEM) return badReg(insn, true, true) ?? (insn.imm !== 0 ? reserved('imm', insn.imm, '0') : null);
  if (m !== op.ATOMIC) return unknown;
  const sz = op.size(insn.code);
  if (sz !== op.W && sz !== op.DW) return `bad atomic operand size: only 32- and 64-bit atomics exist`;
  const r = badReg(insn, true, true);
  if (r) return r;
  if (!ATOMIC_OPS.has(insn.imm)) return `bad atomic operation imm = 0x${(insn.imm >>> 0).toString(16)}`;
  if ((insn.imm & op.FETCH) !== 0 && insn.imm !== op.CMPXCHG && insn.src === op.REG_FP) return FP_WRITE;
  return null;
}

function checkLd(insn: Insn, unknown: string): string | null {
  const code = insn.code;
  const m = op.mode(code);
  const sz = op.size(code);
  if (m === op.IMM) {
    if (sz !== op.DW) return unknown;
    const r = badReg(insn, true, false) ?? zeroFields(insn, ['off']);
    if (r) return r;
    if (insn.src > MAX_LD_IMM64_PSEUDO) return `bad LD_IMM64 pseudo source src = ${insn.src}`;
    return fpDst(insn);
  }
  if ((m !== op.ABS && m !== op.IND) || sz === op.DW) return unknown;
  const r = badReg(insn, false, m === op.IND) ?? zeroFields(insn, ['dst', 'off']);
  if (r) return r;
  return m === op.ABS ? zeroFields(insn, ['src']) : null;
}

function checkJmp(insn: Insn, unknown: string): string | null {
  const code = insn.code;
  const o = op.op(code);
  const is32 = op.cls(code) === op.JMP32;
  const x = op.src(code) === op.X;
  if (o === op.JA) {
    if (x) return unknown;
    return zeroFields(insn, is32 ? ['dst', 'src', 'off'] : ['dst', 'src', 'imm']);
  }
  if (o === op.CALL) {
    if (x || is32) return unknown;
    const r = zeroFields(insn, ['dst']);
    if (r) return r;
    if (insn.src !== 0 && insn.src !== op.PSEUDO_CALL && insn.src !== op.PSEUDO_KFUNC_CALL) {
      return reserved('src', insn.src, '0, 1 (bpf2bpf call) or 2 (kfunc call)');
    }
    // a kfunc's off selects the BTF object of a module; other calls have none
    return insn.src === op.PSEUDO_KFUNC_CALL ? null : zeroFields(insn, ['off']);
  }
  if (o === op.EXIT) {
    if (x || is32) return unknown;
    return zeroFields(insn, ['dst', 'src', 'imm']);
  }
  if (!COND_JUMPS.has(o)) return unknown;
  return badReg(insn, true, x) ?? (x ? zeroFields(insn, ['imm']) : zeroFields(insn, ['src']));
}

function zeroFields(insn: Insn, fields: (keyof Insn)[]): string | null {
  for (const f of fields) if (insn[f] !== 0) return reserved(f, insn[f], '0');
  return null;
}

const fpDst = (insn: Insn): string | null => (insn.dst === op.REG_FP ? FP_WRITE : null);

/** Index of the instruction a jump or a bpf2bpf call goes to, or null for other insns. */
export function branchTarget(insns: readonly Insn[], i: number): number | null {
  const insn = insns[i];
  const c = op.cls(insn.code);
  if (op.isLdImm64(insn) && insn.src === op.PSEUDO_FUNC) return i + insn.imm + 1;
  if (c !== op.JMP && c !== op.JMP32) return null;
  const o = op.op(insn.code);
  if (o === op.EXIT) return null;
  if (o === op.CALL) return insn.src === op.PSEUDO_CALL ? i + insn.imm + 1 : null;
  if (o === op.JA && c === op.JMP32) return i + insn.imm + 1;
  return i + insn.off + 1;
}

const isCall = (insn: Insn): boolean =>
  (insn.code === (op.JMP | op.CALL) && insn.src === op.PSEUDO_CALL) ||
  (op.isLdImm64(insn) && insn.src === op.PSEUDO_FUNC);

function checkControlFlow(insns: readonly Insn[], secondHalf: boolean[], file: string): void {
  const n = insns.length;
  const starts = new Set<number>([0]);
  for (let i = 0; i < n; i++) {
    if (secondHalf[i]) continue;
    const t = branchTarget(insns, i);
    if (t === null) continue;
    const kind = isCall(insns[i]) ? 'call' : 'jump';
    if (t < 0 || t >= n) {
      throw insnError(file, insns, i, `${kind} out of range: target insn ${t}, program has ${n}`);
    }
    if (secondHalf[t]) {
      throw insnError(file, insns, i, `${kind} into the middle of LD_IMM64 at insn ${t - 1}`);
    }
    if (isCall(insns[i])) starts.add(t);
  }
  const sorted = [...starts].sort((a, b) => a - b);
  const subprogOf = new Int32Array(n);
  sorted.forEach((s, k) => subprogOf.fill(k, s, k + 1 < sorted.length ? sorted[k + 1] : n));
  for (let i = 0; i < n; i++) {
    if (secondHalf[i] || isCall(insns[i])) continue;
    const t = branchTarget(insns, i);
    if (t !== null && subprogOf[t] !== subprogOf[i]) {
      throw insnError(
        file,
        insns,
        i,
        `jump out of range: target insn ${t} is in another subprogram (starting at insn ${sorted[subprogOf[t]]})`,
      );
    }
  }
  sorted.forEach((s, k) => {
    const end = (k + 1 < sorted.length ? sorted[k + 1] : n) - 1;
    const last = insns[end];
    const ok =
      !secondHalf[end] &&
      (last.code === (op.JMP | op.EXIT) || last.code === (op.JMP | op.JA) || last.code === (op.JMP32 | op.JA));
    if (!ok) {
      const where = sorted.length > 1 ? ` of the subprogram starting at insn ${s}` : '';
      throw insnError(file, insns, end, `last instruction${where} is not exit or a jump`);
    }
  });
}
