// Compile-time expressions and register operands of the plan DSL, printed as C: C
// operator precedence with the fewest parentheses that keep the meaning, plus the ones
// gcc's -Wparentheses asks for (mixed bitwise operators, && inside ||, arithmetic
// inside shifts and bitwise operators), so the C reads as written by hand and builds
// with -Wall -Werror.
import type { BinOp, CExpr, RegExpr } from '../jit/dsl.ts';

/** How names of the plan resolve in the C function being printed. */
export interface CNames {
  /** The C expression of a register pair (a parameter's name, or a design-wide pair). */
  pair(name: string): string;
  /** The C expression of a value parameter (e.g. `insn->imm` in build_insn). */
  param?(name: string): string;
}

/** C names of the target facts a plan may test (DSL `target`). */
export const TARGET_C: Record<'r6' | 'be' | 'zext', string> = {
  r6: 'MIPS_ISA_REV >= 6',
  be: 'IS_ENABLED(CONFIG_CPU_BIG_ENDIAN)',
  zext: 'ctx->program->aux->verifier_zext',
};

/** Macros the kernel's uapi headers define; every other DSL macro is ours (ebpf_jit.h). */
export const KERNEL_MACROS = new Set(['BPF_OP', 'BPF_SIZE', 'BPF_MODE', 'BPF_CLASS', 'BPF_SRC']);

// C precedence, higher binds tighter.
const PREC: Record<BinOp, number> = {
  '*': 13,
  '+': 12,
  '-': 12,
  '<<': 11,
  '>>': 11,
  '>>>': 11,
  '<': 10,
  '<=': 10,
  '>': 10,
  '>=': 10,
  '<u': 10,
  '==': 9,
  '!=': 9,
  '&': 8,
  '^': 7,
  '|': 6,
  '&&': 5,
  '||': 4,
};
const UNARY = 14;
const TERNARY = 3;
const ATOM = 16;

const BITWISE = new Set<string>(['&', '^', '|']);
const SHIFT = new Set<string>(['<<', '>>', '>>>']);
const ARITH = new Set<string>(['+', '-', '*']);
const COMPARE = new Set<string>(['<', '<=', '>', '>=', '<u', '==', '!=']);

/** Would gcc -Wparentheses (or a reader) want `child` parenthesised under `parent`? */
function wantsParens(parent: string, child: string): boolean {
  if (parent === '||' && child === '&&') return true;
  if (BITWISE.has(parent) && (BITWISE.has(child) || ARITH.has(child) || SHIFT.has(child) || COMPARE.has(child))) {
    return parent !== child;
  }
  if (SHIFT.has(parent) && ARITH.has(child)) return true;
  if (COMPARE.has(parent) && COMPARE.has(child)) return true;
  return false;
}

interface Printed {
  text: string;
  prec: number;
  /** The operator at the top, for the -Wparentheses rules. */
  op?: string;
}

/** A literal as a kernel programmer writes it: small numbers in decimal, masks in hex. */
export function literal(v: number): string {
  const n = v | 0;
  if (n === -0x80000000) return 'S32_MIN';
  const a = Math.abs(n);
  const body = a < 256 ? String(a) : `0x${a.toString(16)}`;
  return n < 0 ? `-${body}` : body;
}

function lit(v: number): Printed {
  const text = literal(v);
  return { text, prec: text.startsWith('-') ? UNARY : ATOM };
}

function sub(e: Printed, parentPrec: number, parentOp: string, right: boolean): string {
  const need =
    e.prec < parentPrec ||
    (right && e.prec === parentPrec && !(parentOp === e.op && (parentOp === '+' || parentOp === '*' || BITWISE.has(parentOp) || parentOp === '&&' || parentOp === '||'))) ||
    (e.op !== undefined && wantsParens(parentOp, e.op));
  return need ? `(${e.text})` : e.text;
}

/** Fold what plans compute from literals alone (`0 + 4` is 4), as a C compiler would. */
function fold(e: CExpr): CExpr {
  if (e.k !== 'bin') return e;
  const a = fold(e.a);
  const b = fold(e.b);
  if (a.k === 'lit' && b.k === 'lit') {
    const x = a.v | 0;
    const y = b.v | 0;
    const v: Partial<Record<BinOp, number>> = { '+': x + y, '-': x - y, '*': Math.imul(x, y), '&': x & y, '|': x | y, '^': x ^ y };
    if (v[e.op] !== undefined) return { k: 'lit', v: v[e.op]! | 0 };
  }
  if (e.op === '+' && a.k === 'lit' && a.v === 0) return b;
  if ((e.op === '+' || e.op === '-') && b.k === 'lit' && b.v === 0) return a;
  return { ...e, a, b };
}

function print(e0: CExpr, names: CNames): Printed {
  const e = fold(e0);
  switch (e.k) {
    case 'lit':
      return lit(e.v);
    case 'named':
      return { text: e.name, prec: ATOM };
    case 'param':
      return { text: names.param ? names.param(e.name) : e.name, prec: ATOM };
    case 'target':
      return { text: TARGET_C[e.what], prec: e.what === 'r6' ? PREC['>='] : ATOM, op: e.what === 'r6' ? '>=' : undefined };
    case 'same':
      return { text: `${reg(e.a, names)} == ${reg(e.b, names)}`, prec: PREC['=='], op: '==' };
    case 'macro':
      return { text: `${e.name}(${e.args.map((a) => cexpr(a, names)).join(', ')})`, prec: ATOM };
    case 'cond': {
      const c = sub(print(e.c, names), TERNARY + 1, '?', false);
      const a = sub(print(e.a, names), TERNARY + 1, '?', false);
      const b = sub(print(e.b, names), TERNARY, '?', true);
      return { text: `${c} ? ${a} : ${b}`, prec: TERNARY, op: '?' };
    }
    case 'un': {
      const a = print(e.a, names);
      const inner = a.prec < UNARY ? `(${a.text})` : a.text;
      return { text: `${e.op}${inner}`, prec: UNARY };
    }
    case 'bin': {
      // 0 - x is how plans negate
      if (e.op === '-' && e.a.k === 'lit' && e.a.v === 0) return print({ k: 'un', op: '-', a: e.b }, names);
      const p = PREC[e.op];
      const a = print(e.a, names);
      const b = print(e.b, names);
      if (e.op === '>>>') {
        const left = a.prec >= UNARY ? `(u32)${a.text}` : `(u32)(${a.text})`;
        return { text: `${left} >> ${sub(b, p, '>>', true)}`, prec: p, op: '>>' };
      }
      if (e.op === '<u') {
        const cast = (x: Printed): string => (x.prec >= UNARY ? `(u32)${x.text}` : `(u32)(${x.text})`);
        return { text: `${cast(a)} < ${cast(b)}`, prec: p, op: '<' };
      }
      return { text: `${sub(a, p, e.op, false)} ${e.op} ${sub(b, p, e.op, true)}`, prec: p, op: e.op };
    }
  }
}

/** A compile-time expression as C. */
export function cexpr(e: CExpr, names: CNames): string {
  return print(e, names).text;
}

const NEGATED: Partial<Record<BinOp, BinOp>> = { '==': '!=', '!=': '==', '<': '>=', '>=': '<', '>': '<=', '<=': '>' };

/** The C of `!e`, written the way a person would (`a != b` rather than `!(a == b)`). */
export function negated(e: CExpr, names: CNames): string {
  if (e.k === 'same') return `${reg(e.a, names)} != ${reg(e.b, names)}`;
  if (e.k === 'un' && e.op === '!') return cexpr(e.a, names);
  if (e.k === 'bin' && NEGATED[e.op]) return cexpr({ ...e, op: NEGATED[e.op]! }, names);
  if (e.k === 'target' && e.what === 'r6') return 'MIPS_ISA_REV < 6';
  const p = print(e, names);
  return p.prec >= UNARY ? `!${p.text}` : `!(${p.text})`;
}

/** A register operand as C: `lo(dst)`, `MIPS_R_T9`, or a register parameter's name. */
export function reg(r: RegExpr, names: CNames): string {
  switch (r.k) {
    case 'fixed':
      return r.name;
    case 'half':
      return `${r.half}(${names.pair(r.pair)})`;
    case 'rparam':
      return r.name;
  }
}

/** The C type a DSL macro evaluates to: a truth value, or a 32-bit field value. */
export function macroType(value: CExpr): 'bool' | 'u32' | 's32' {
  if (value.k === 'bin' && (COMPARE.has(value.op) || value.op === '&&' || value.op === '||')) return 'bool';
  if (value.k === 'bin' && value.op === '&') return 'u32';
  return 's32';
}
