// What the verifier guarantees and the fuzzer must too: no register and no stack byte is
// read before it is written. The interpreter starts from zeros and the JITed code from
// whatever the MIPS registers and stack hold, so a program that reads undefined state
// would "mismatch" without any JIT bug. A must-analysis over each subprogram's control
// flow (intersection at joins): the generator's programs pass it by construction, and
// the shrinker keeps only candidates that pass it.
import * as op from '../bpf/opcodes.ts';
import type { Insn } from '../bpf/opcodes.ts';
import { branchTarget, validate } from '../bpf/validate.ts';
import { isLocalCall } from '../bpf/patch.ts';
import { isTailCall, TAIL_CALL_INSN, type FuzzCase } from './case.ts';
import { InputError } from '../errors.ts';

interface State {
  /** Bit r: BPF register r holds a defined value. */
  regs: number;
  /** Bit 512 + off: the stack byte at R10 + off is defined. */
  stack: bigint;
}

const ARGS = 0b111110; // R1-R5
const CALL_CLOBBER = ARGS;
const TAIL_CLOBBER = 0b111111; // R0-R5
const bit = (r: number): number => 1 << r;

function stackBits(off: number, size: number): bigint {
  return ((1n << BigInt(size)) - 1n) << BigInt(op.MAX_BPF_STACK + off);
}

/** Subprogram starts: 0 and every bpf2bpf call target. */
function subprogStarts(insns: readonly Insn[]): number[] {
  const s = new Set([0]);
  insns.forEach((i, k) => {
    if (isLocalCall(i)) s.add(k + i.imm + 1);
  });
  return [...s].sort((a, b) => a - b);
}

/**
 * The first use of undefined state in `insns`, or null. Program entry defines R1 (the
 * context pointer, NULL in fuzz runs) and R10; a subprogram's entry defines R1-R5 (every
 * call site must define them).
 */
export function firstUndefinedUse(insns: readonly Insn[], stackDepth = op.MAX_BPF_STACK): string | null {
  const n = insns.length;
  const at: (State | null)[] = new Array(n).fill(null);
  const work: number[] = [];
  const starts = subprogStarts(insns);
  const join = (k: number, s: State): void => {
    if (k < 0 || k >= n) return;
    const old = at[k];
    const next = old ? { regs: old.regs & s.regs, stack: old.stack & s.stack } : s;
    if (!old || next.regs !== old.regs || next.stack !== old.stack) {
      at[k] = next;
      work.push(k);
    }
  };
  for (const s of starts) join(s, { regs: s === 0 ? bit(1) : ARGS, stack: 0n });
  let problem: string | null = null;
  const fail = (k: number, what: string): void => {
    problem ??= `insn ${k}: ${what}`;
  };
  let guard = 0;
  while (work.length > 0) {
    if (++guard > 200_000) return 'analysis did not converge';
    const k = work.pop()!;
    const s = at[k]!;
    const i = insns[k]!;
    const out = transfer(i, k, s, stackDepth, fail);
    if (out === 'exit') continue;
    const size = op.isLdImm64(i) ? 2 : 1;
    const cls = op.cls(i.code);
    const o = op.op(i.code);
    const jumps = (cls === op.JMP || cls === op.JMP32) && o !== op.CALL && o !== op.EXIT && !isTailCall(i);
    if (jumps) {
      join(branchTarget(insns, k)!, out);
      if (o === op.JA) continue;
    }
    join(k + size, out);
  }
  return problem;
}

function transfer(i: Insn, k: number, s: State, stackDepth: number, fail: (k: number, what: string) => void): State | 'exit' {
  let regs = s.regs;
  let stack = s.stack;
  const read = (r: number): void => {
    if (r !== op.REG_FP && !(regs & bit(r))) fail(k, `reads r${r} before it is written`);
  };
  const write = (r: number): void => {
    regs |= bit(r);
  };
  const mem = (base: number, off: number, size: number, isRead: boolean): void => {
    read(base);
    if (base !== op.REG_FP) return;
    if (off < -stackDepth || off + size > 0) {
      fail(k, `stack access at r10${off} outside the frame`);
      return;
    }
    const b = stackBits(off, size);
    if (isRead && (stack & b) !== b) fail(k, `reads stack bytes at r10${off} before they are written`);
    stack |= b;
  };
  const c = i.code;
  const cls = op.cls(c);
  const o = op.op(c);
  switch (cls) {
    case op.ALU:
    case op.ALU64:
      if (op.src(c) === op.X && o !== op.END) read(i.src);
      if (o !== op.MOV) read(i.dst);
      write(i.dst);
      break;
    case op.LD:
      if (op.isLdImm64(i)) write(i.dst);
      else fail(k, 'legacy packet load');
      break;
    case op.LDX:
      mem(i.src, i.off, op.sizeBytes(c), true);
      write(i.dst);
      break;
    case op.ST:
      mem(i.dst, i.off, op.sizeBytes(c), false);
      break;
    case op.STX:
      read(i.src);
      if (op.mode(c) === op.ATOMIC) {
        mem(i.dst, i.off, op.sizeBytes(c), true);
        if (i.imm === op.CMPXCHG) {
          read(0);
          write(0);
        } else if (i.imm & op.FETCH) {
          write(i.src);
        }
      } else {
        mem(i.dst, i.off, op.sizeBytes(c), false);
      }
      break;
    default:
      if (isTailCall(i)) {
        read(2);
        read(3);
        regs &= ~TAIL_CLOBBER;
      } else if (o === op.CALL) {
        if (i.src === op.PSEUDO_CALL || i.src === op.PSEUDO_KFUNC_CALL) for (let r = 1; r <= 5; r++) read(r);
        regs = (regs & ~CALL_CLOBBER) | bit(0);
      } else if (o === op.EXIT) {
        read(0);
        return 'exit';
      } else if (o !== op.JA) {
        read(i.dst);
        if (op.src(c) === op.X) read(i.src);
      }
  }
  return { regs, stack };
}

/** Structural validity (src/bpf/validate.ts) of every program of a case; tail calls checked as `call 12`. */
export function caseProblem(c: FuzzCase): string | null {
  for (const [k, p] of c.programs.entries()) {
    const asSeenByValidate = p.map((i) => (isTailCall(i) ? { ...TAIL_CALL_INSN, code: op.JMP | op.CALL, imm: op.FUNC_TAIL_CALL } : i));
    try {
      validate(asSeenByValidate, `program ${k}`);
    } catch (e) {
      if (e instanceof InputError) return e.message;
      throw e;
    }
    const v = verifierRule(p);
    if (v) return `program ${k}: ${v}`;
    const u = firstUndefinedUse(p, c.stackDepth);
    if (u) return `program ${k}: ${u}`;
  }
  for (const slot of c.progArray) if (slot !== null && (slot < 0 || slot >= c.programs.length)) return `prog array slot names program ${slot}`;
  return null;
}

const isJumpLike = (i: Insn): boolean => {
  const c = op.cls(i.code);
  return (c === op.JMP || c === op.JMP32) && op.op(i.code) !== op.EXIT && !isTailCall(i) && !(op.op(i.code) === op.CALL && i.src !== op.PSEUDO_CALL);
};

/**
 * What the verifier (or its rewrites) guarantees the JIT beyond structure, in the form
 * the generator produces it: shift constants below the width, no division by a zero
 * constant (nor SDIV/SMOD by -1), and every division or shift by a register directly
 * preceded by its guard (see gen.ts), with no jump landing inside guard and operation.
 */
function verifierRule(insns: readonly Insn[]): string | null {
  // jump target -> the jumps that land there
  const landing = new Map<number, number[]>();
  insns.forEach((i, k) => {
    if (!isJumpLike(i) && !(op.isLdImm64(i) && i.src === op.PSEUDO_FUNC)) return;
    const t = branchTarget(insns, k)!;
    landing.set(t, [...(landing.get(t) ?? []), k]);
  });
  /** Only jumps in [from, to) land on insns (from, to]. */
  const sealed = (from: number, to: number): boolean => {
    for (let t = from + 1; t <= to; t++) if ((landing.get(t) ?? []).some((src) => src < from || src >= to)) return false;
    return true;
  };
  for (const [k, i] of insns.entries()) {
    const c = op.cls(i.code);
    if (c !== op.ALU && c !== op.ALU64) continue;
    const o = op.op(i.code);
    const width = c === op.ALU ? 32 : 64;
    const isDiv = o === op.DIV || o === op.MOD;
    const isShift = o === op.LSH || o === op.RSH || o === op.ARSH;
    if (op.src(i.code) === op.K) {
      if (isShift && (i.imm < 0 || i.imm >= width)) return `insn ${k}: shift by ${i.imm} is out of range`;
      if (isDiv && (i.imm === 0 || (i.off === 1 && i.imm === -1))) return `insn ${k}: division by constant ${i.imm}`;
      continue;
    }
    if (isShift) {
      const g = insns[k - 1];
      const ok = g && g.code === (op.ALU64 | op.AND | op.K) && g.dst === i.src && g.imm === width - 1 && sealed(k - 1, k);
      if (!ok) return `insn ${k}: shift by a register without its mask`;
    }
    if (isDiv) {
      const bad = i.off === 1 ? [0, -1] : [0];
      const jcls = c === op.ALU ? op.JMP32 : op.JMP;
      const start = k - 2 * bad.length;
      const ok =
        start >= 0 &&
        bad.every((b, n) => {
          const j = insns[start + 2 * n]!;
          const m = insns[start + 2 * n + 1]!;
          return j.code === (jcls | op.JNE | op.K) && j.dst === i.src && j.imm === b && j.off === 1 &&
            m.code === (op.ALU64 | op.MOV | op.K) && m.dst === i.src && m.imm !== 0 && m.imm !== -1;
        }) &&
        sealed(start, k);
      if (!ok) return `insn ${k}: division by a register without its guard`;
    }
  }
  return null;
}
