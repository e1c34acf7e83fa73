// Delta debugging of a failing case: drop prog-array slots and programs, remove
// instructions (an LD_IMM64 as one unit, jumps re-pointed across the gap), and simplify
// constants, keeping each step only while the case is still valid (structure, verifier
// rules, no undefined reads: defined.ts) and still fails.
import * as op from '../bpf/opcodes.ts';
import type { Insn } from '../bpf/opcodes.ts';
import { branchTarget } from '../bpf/validate.ts';
import { caseProblem } from './defined.ts';
import { isTailCall, PROG_ARRAY_MARKER, type FuzzCase } from './case.ts';

export interface ShrinkOptions {
  /** Stop after this many candidate runs (default 4000). */
  maxTries?: number;
  /** Stop after this many milliseconds (default 60000). */
  maxMs?: number;
}

export interface ShrinkResult {
  shrunk: FuzzCase;
  tries: number;
}

/** Does this instruction carry a jump (or call) offset that removal must fix up? */
function hasTarget(i: Insn): boolean {
  const c = op.cls(i.code);
  if (op.isLdImm64(i)) return i.src === op.PSEUDO_FUNC;
  if (c !== op.JMP && c !== op.JMP32) return false;
  const o = op.op(i.code);
  if (o === op.EXIT || isTailCall(i)) return false;
  if (o === op.CALL) return i.src === op.PSEUDO_CALL;
  return true;
}

/** Units of removal: instruction start indices with their length (LD_IMM64 is two). */
function units(insns: readonly Insn[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < insns.length; i++) {
    const n = op.isLdImm64(insns[i]!) ? 2 : 1;
    out.push([i, n]);
    i += n - 1;
  }
  return out;
}

/** `insns` without the instructions in `gone`, jumps re-pointed at the next kept one; null if one cannot be. */
export function removeInsns(insns: readonly Insn[], gone: ReadonlySet<number>): Insn[] | null {
  const newIndex = new Array<number>(insns.length + 1);
  let n = 0;
  for (let i = 0; i < insns.length; i++) {
    newIndex[i] = n;
    if (!gone.has(i)) n++;
  }
  newIndex[insns.length] = n;
  const out: Insn[] = [];
  for (let i = 0; i < insns.length; i++) {
    if (gone.has(i)) continue;
    const insn = insns[i]!;
    if (!hasTarget(insn)) {
      out.push(insn);
      continue;
    }
    const t = branchTarget(insns, i)!;
    // the target's new index is that of the first kept instruction at or after it
    const nt = newIndex[Math.min(Math.max(t, 0), insns.length)]!;
    if (nt >= n) return null;
    const d = nt - newIndex[i]! - 1;
    if (d < -0x8000 || d > 0x7fff) return null;
    const usesImm = insn.code === (op.JMP32 | op.JA) || op.op(insn.code) === op.CALL || op.isLdImm64(insn);
    out.push(usesImm ? { ...insn, imm: d } : { ...insn, off: d });
  }
  return out;
}

/** Whether instruction `k`'s imm is a plain constant that may be simplified. */
function simplifiable(insns: readonly Insn[], k: number): boolean {
  const i = insns[k]!;
  const c = op.cls(i.code);
  const o = op.op(i.code);
  if (c === op.ALU || c === op.ALU64) return op.src(i.code) === op.K && o !== op.END && o !== op.NEG;
  if (c === op.JMP || c === op.JMP32) return op.src(i.code) === op.K && o !== op.JA && o !== op.CALL && o !== op.EXIT && !isTailCall(i);
  if (c === op.ST) return true;
  if (op.isLdImm64(i)) return i.src === 0 && i.imm !== (PROG_ARRAY_MARKER | 0);
  // the second half of an LD_IMM64
  return i.code === 0 && k > 0 && op.isLdImm64(insns[k - 1]!) && insns[k - 1]!.imm !== (PROG_ARRAY_MARKER | 0);
}

/** Shrink `c` while `fails` holds (`fails(c)` must hold on entry). */
export function shrinkCase(c: FuzzCase, fails: (c: FuzzCase) => boolean, opts: ShrinkOptions = {}): ShrinkResult {
  const maxTries = opts.maxTries ?? 4000;
  const deadline = Date.now() + (opts.maxMs ?? 60_000);
  let tries = 0;
  let best = c;
  const attempt = (cand: FuzzCase): boolean => {
    if (tries >= maxTries || Date.now() > deadline) return false;
    if (caseProblem(cand) !== null) return false;
    tries++;
    if (!fails(cand)) return false;
    best = cand;
    return true;
  };
  const withProgram = (k: number, insns: Insn[]): FuzzCase => ({ ...best, programs: best.programs.map((p, j) => (j === k ? insns : p)) });

  for (let round = 0; round < 8; round++) {
    const before = JSON.stringify(best);
    // prog array: empty slots, then a shorter array, then programs nothing reaches
    for (let s = 0; s < best.progArray.length; s++) {
      if (best.progArray[s] !== null) attempt({ ...best, progArray: best.progArray.map((v, j) => (j === s ? null : v)) });
    }
    while (best.progArray.length > 1 && attempt({ ...best, progArray: best.progArray.slice(0, -1) }));
    for (let k = best.programs.length - 1; k >= 1; k--) {
      if (best.progArray.includes(k)) continue;
      attempt({ ...best, programs: best.programs.filter((_, j) => j !== k), progArray: best.progArray.map((v) => (v !== null && v > k ? v - 1 : v)) });
    }
    for (const d of [0, 8, 16, 32]) if (d < best.stackDepth && attempt({ ...best, stackDepth: d })) break;
    // instructions, in halving chunks (ddmin)
    for (let k = 0; k < best.programs.length; k++) {
      let chunk = Math.ceil(units(best.programs[k]!).length / 2);
      while (chunk >= 1) {
        let progress = false;
        for (let start = 0; ; ) {
          const us = units(best.programs[k]!);
          if (start >= us.length) break;
          const gone = new Set<number>();
          for (const [at, n] of us.slice(start, start + chunk)) for (let j = 0; j < n; j++) gone.add(at + j);
          const cand = removeInsns(best.programs[k]!, gone);
          if (cand && cand.length > 0 && attempt(withProgram(k, cand))) progress = true;
          else start += chunk;
        }
        if (!progress) chunk = Math.floor(chunk / 2);
      }
    }
    // constants: towards 0 or 1
    for (let k = 0; k < best.programs.length; k++) {
      for (let i = 0; i < best.programs[k]!.length; i++) {
        const p = best.programs[k]!;
        if (!simplifiable(p, i) || p[i]!.imm === 0) continue;
        for (const v of [0, 1]) {
          if (p[i]!.imm === v) break;
          if (attempt(withProgram(k, p.map((x, j) => (j === i ? { ...x, imm: v } : x))))) break;
        }
      }
    }
    if (JSON.stringify(best) === before) break;
  }
  return { shrunk: best, tries };
}
