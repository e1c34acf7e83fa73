// The emit-plan DSL. A plan is data: a small tree of statements over compile-time
// expressions and register expressions. The same tree is
//   - executed by the TS JIT (src/jit/exec.ts) to produce MIPS instructions,
//   - printed as kernel C (src/render/) as one emitter function per plan,
//   - evaluated with symbolic imm/off/registers (src/verify/prove) for the proofs.
// Nothing about what a plan emits is written anywhere else.

/**
 * A compile-time value: a C `int` expression (32-bit, two's complement) over the
 * plan's parameters. Comparisons give 0 or 1, as in C.
 */
export type CExpr =
  | { k: 'lit'; v: number }
  /** A named constant: printed by name in C (BPF_ADD, MIPS_R_T9 ...), evaluated by value. */
  | { k: 'named'; name: string; v: number }
  | { k: 'param'; name: string }
  | { k: 'un'; op: UnOp; a: CExpr }
  | { k: 'bin'; op: BinOp; a: CExpr; b: CExpr }
  | { k: 'cond'; c: CExpr; a: CExpr; b: CExpr }
  /** Compile-time facts about the target: `MIPS_ISA_REV >= 6`, `__BIG_ENDIAN`. */
  | { k: 'target'; what: 'r6' | 'be' | 'zext' }
  /**
   * A C macro or inline helper applied to arguments (`is_s16(imm)`, `BPF_OP(code)`):
   * printed as a call, evaluated through `value`, its meaning over the arguments `_0`, `_1`.
   */
  | { k: 'macro'; name: string; args: CExpr[]; value: CExpr }
  /** Two register operands are the same register (C `==` on their numbers). */
  | { k: 'same'; a: RegExpr; b: RegExpr };

export type UnOp = '-' | '~' | '!';
/** `>>` is arithmetic (s32), `>>>` logical (printed as a u32 cast), `<u` unsigned compare. */
export type BinOp =
  | '+' | '-' | '*' | '&' | '|' | '^' | '<<' | '>>' | '>>>'
  | '==' | '!=' | '<' | '<=' | '>' | '>=' | '<u' | '&&' | '||';

/** A MIPS register operand. */
export type RegExpr =
  /** A half of a 64-bit register pair parameter (`lo(dst)`, `hi(src)`). */
  | { k: 'half'; half: 'lo' | 'hi'; pair: string }
  /** A fixed MIPS register of the design (temporaries, zero, sp ...). */
  | { k: 'fixed'; reg: number; name: string }
  /** A single-register parameter of a helper plan (C `u8`). */
  | { k: 'rparam'; name: string };

export type Operand = RegExpr | CExpr;

export type Stmt =
  /** One MIPS instruction: `emit(ctx, op, args...)` in uasm operand order. */
  | { k: 'emit'; op: string; args: Operand[] }
  | { k: 'if'; cond: CExpr; then: Stmt[]; else: Stmt[] }
  | { k: 'switch'; on: CExpr; cases: SwitchCase[] }
  /** A comment that the C carries above the statements that follow. */
  | { k: 'note'; text: string }
  /** A call of another plan (a helper emitter in C). */
  | { k: 'call'; plan: string; args: PlanArg[] }
  /** A conditional BPF jump to this instruction's target; the core picks short or long form. */
  | { k: 'jump'; op: BranchOp; args: RegExpr[] }
  /** Jump to the epilogue (BPF_EXIT). */
  | { k: 'exit' }
  /** Call a kernel function bound by name in the address table; args already placed. */
  | { k: 'kcall'; fn: string }
  /** Reject the instruction: the design does not support it (C: return -EINVAL). */
  | { k: 'decline'; why: string }
  /**
   * Save (push) or restore (pop) the caller-saved homes of the program's live BPF
   * registers around a kernel call, except pair `except` ('none' for no exception).
   */
  | { k: 'push' | 'pop'; except: string }
  /** Mark registers clobbered (they must be saved by the prologue if callee-saved). */
  | { k: 'clobber'; regs: RegExpr[] };

export interface SwitchCase {
  labels: CExpr[];
  body: Stmt[];
}

/** Branch forms a plan can jump with: each compares registers and branches. */
export type BranchOp = 'beq' | 'bne' | 'beqz' | 'bnez' | 'bltz' | 'bgez' | 'blez' | 'bgtz' | 'ja';

export type PlanArg = { k: 'pair'; pair: string } | { k: 'reg'; reg: RegExpr } | { k: 'val'; v: CExpr };

export interface Param {
  name: string;
  /** pair: a BPF register (two MIPS registers); reg: one MIPS register; C types otherwise. */
  type: 'pair' | 'reg' | 's32' | 's16' | 'u8' | 'u32' | 'bool';
}

export interface Plan {
  name: string;
  /** What the emitter does, in one line (the C function's comment). */
  doc: string;
  params: Param[];
  body: Stmt[];
}

// ---- builders: what plan definitions are written with ----

export const lit = (v: number): CExpr => ({ k: 'lit', v });
export const named = (name: string, v: number): CExpr => ({ k: 'named', name, v });
export const param = (name: string): CExpr => ({ k: 'param', name });
export const bin = (op: BinOp, a: CExpr | number, b: CExpr | number): CExpr => ({ k: 'bin', op, a: ce(a), b: ce(b) });
export const not = (a: CExpr): CExpr => ({ k: 'un', op: '!', a });
export const isR6: CExpr = { k: 'target', what: 'r6' };
export const isBE: CExpr = { k: 'target', what: 'be' };
export const verifierZext: CExpr = { k: 'target', what: 'zext' };
export const same = (a: RegExpr, b: RegExpr): CExpr => ({ k: 'same', a, b });
export const ce = (x: CExpr | number): CExpr => (typeof x === 'number' ? lit(x) : x);

/** Define a C helper macro once; applying it gives a `macro` expression. */
export function macro(name: string, arity: number, value: CExpr): (...args: (CExpr | number)[]) => CExpr {
  return (...args) => {
    if (args.length !== arity) throw new Error(`${name} takes ${arity} arguments`);
    return { k: 'macro', name, args: args.map(ce), value };
  };
}

export const lo = (pair: string): RegExpr => ({ k: 'half', half: 'lo', pair });
export const hi = (pair: string): RegExpr => ({ k: 'half', half: 'hi', pair });
export const rparam = (name: string): RegExpr => ({ k: 'rparam', name });

export function emit(op: string, ...args: (Operand | number)[]): Stmt {
  return { k: 'emit', op, args: args.map((a) => (typeof a === 'number' ? lit(a) : a)) };
}
export function when(cond: CExpr, then: Stmt[], otherwise: Stmt[] = []): Stmt {
  return { k: 'if', cond, then, else: otherwise };
}
export function note(text: string): Stmt {
  return { k: 'note', text };
}
export function call(plan: string, ...args: PlanArg[]): Stmt {
  return { k: 'call', plan, args };
}
export const pairArg = (pair: string): PlanArg => ({ k: 'pair', pair });
export const regArg = (reg: RegExpr): PlanArg => ({ k: 'reg', reg });
export const valArg = (v: CExpr | number): PlanArg => ({ k: 'val', v: ce(v) });

export function plan(name: string, doc: string, params: Param[], body: Stmt[]): Plan {
  return { name, doc, params, body };
}

export function isRegExpr(o: Operand): o is RegExpr {
  return o.k === 'half' || o.k === 'fixed' || o.k === 'rparam';
}
