// Plans as C: each plan becomes one emitter function, `static void emit_<name>(struct
// jit_context *ctx, ...)`, whose statements are the plan's statements in kernel style.
// The only thing added is what the C core needs and the TS core finds by itself: the
// registers each instruction writes are marked with clobber_reg() (the prologue saves
// the callee-saved ones), at the end of the block that writes them on every path.
import { A0, A1, A2, A3, V0, V1 } from '../mips/regs.ts';
import { expand } from '../mips/pseudo.ts';
import { lookup } from '../mips/table.ts';
import { REG_AX, REG_TMP, type Design } from '../jit/design.ts';
import type { CExpr, Param, Plan, PlanArg, RegExpr, Stmt } from '../jit/dsl.ts';
import { isRegExpr } from '../jit/dsl.ts';
import { writtenRegs } from '../jit/writes.ts';
import { cexpr, negated, reg, type CNames } from './cexpr.ts';
import { comment, statement } from './layout.ts';

/** The design-wide pairs plans may name (the TS core binds the same ones, src/jit/core.ts). */
export interface GlobalPair {
  /** C expression: a local alias (`r0`) or a file-level array (`o32_arg1`). */
  c: string;
  /** For a local alias: what it aliases. */
  alias?: string;
  /** MIPS registers of the pair on either byte order. */
  regs: number[];
}

export function globalPairs(design: Design): Record<string, GlobalPair> {
  const home = (r: number): number[] => {
    const h = design.regs[r]!;
    return 'lo' in h ? [h.lo, h.hi] : [...h.pair];
  };
  return {
    r0: { c: 'r0', alias: 'bpf2mips32[BPF_REG_0]', regs: home(0) },
    tmp: { c: 'tmp', alias: 'bpf2mips32[JIT_REG_TMP]', regs: home(REG_TMP) },
    ax: { c: 'ax', alias: 'bpf2mips32[BPF_REG_AX]', regs: home(REG_AX) },
    arg1: { c: 'o32_arg1', regs: [A0, A1] },
    arg2: { c: 'o32_arg2', regs: [A2, A3] },
    ret: { c: 'o32_ret', regs: [V0, V1] },
  };
}

/** The C type of a plan parameter. */
function paramDecl(p: Param): string {
  switch (p.type) {
    case 'pair':
      return `const u8 ${p.name}[]`;
    case 'reg':
      return `u8 ${p.name}`;
    default:
      return `${p.type} ${p.name}`;
  }
}

/** Branch operations of `jump` statements, as the core's enum jit_branch names them. */
export function branchName(op: string): string {
  return `JIT_${op.toUpperCase()}`;
}

const writtenCache = new Map<string, number[]>();

/** Operand positions (of the plan's `emit`, uasm order) whose register the instruction writes. */
export function writtenOperands(op: string, arity: number): number[] {
  const key = `${op}/${arity}`;
  let out = writtenCache.get(key);
  if (out) return out;
  const probe = Array.from({ length: arity }, (_, i) => 100 + i);
  const real = expand(op, probe);
  if (!lookup(real.op)) throw new Error(`plan emits unknown instruction '${op}'`);
  out = writtenRegs(real)
    .map((v) => v - 100)
    .filter((i) => i >= 0 && i < arity);
  writtenCache.set(key, out);
  return out;
}

/** The uasm builder name of a plan's instruction (`uasm_i_<name>`). */
export function uasmName(op: string): string {
  const def = lookup(op);
  return def?.uasm ?? op;
}

/** Which plans must return an error code: they decline, or call one that may. */
export function failingPlans(plans: ReadonlyMap<string, Plan>): Set<string> {
  const out = new Set<string>();
  const declines = (body: readonly Stmt[]): boolean =>
    body.some((s) => {
      if (s.k === 'decline') return true;
      if (s.k === 'call') return out.has(s.plan);
      if (s.k === 'if') return declines(s.then) || declines(s.else);
      if (s.k === 'switch') return s.cases.some((c) => declines(c.body));
      return false;
    });
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of plans.values()) {
      if (!out.has(p.name) && declines(p.body)) {
        out.add(p.name);
        changed = true;
      }
    }
  }
  return out;
}

/** Plans reachable from `roots` through calls, callees first (C needs no prototypes). */
export function reachablePlans(plans: ReadonlyMap<string, Plan>, roots: readonly string[]): Plan[] {
  const order: Plan[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const p = plans.get(name);
    if (!p) throw new Error(`no plan named '${name}'`);
    const calls = (body: readonly Stmt[]): void => {
      for (const s of body) {
        if (s.k === 'call') visit(s.plan);
        else if (s.k === 'if') calls(s.then), calls(s.else);
        else if (s.k === 'switch') for (const c of s.cases) calls(c.body);
      }
    };
    calls(p.body);
    order.push(p);
  };
  for (const r of roots) visit(r);
  return order;
}

/** What rendering the plans found they need from the rest of the C. */
export interface EmitterUses {
  /** Design-wide pairs referenced. */
  globals: Set<string>;
  /** DSL macros applied, by name, with their meaning. */
  macros: Map<string, CExpr>;
  /** Kernel functions called (kcall). */
  kcalls: Set<string>;
  /** MIPS instructions emitted (uasm builder names). */
  ops: Set<string>;
}

interface Printer {
  names: CNames;
  design: Design;
  globals: Record<string, GlobalPair>;
  failing: Set<string>;
  uses: EmitterUses;
  /** Pair parameters of the plan being printed. */
  pairParams: Set<string>;
}

/** The C of a register operand, and whether it may be a callee-saved register. */
function regInfo(pr: Printer, r: RegExpr): { text: string; saved: boolean } {
  const text = reg(r, pr.names);
  if (r.k === 'fixed') return { text, saved: pr.design.calleeSaved.includes(r.reg) };
  if (r.k === 'half' && !pr.pairParams.has(r.pair)) {
    const g = pr.globals[r.pair];
    if (!g) throw new Error(`register pair '${r.pair}' is not bound`);
    return { text, saved: g.regs.some((x) => pr.design.calleeSaved.includes(x)) };
  }
  return { text, saved: true };
}

type Marks = Map<string, string>;

/** Registers that may be callee-saved and that `body` writes on every path through it. */
function definitelyWritten(pr: Printer, body: readonly Stmt[]): Marks {
  const out: Marks = new Map();
  for (const s of body) {
    let add: Marks | undefined;
    if (s.k === 'emit') {
      add = new Map();
      for (const i of writtenOperands(s.op, s.args.length)) {
        const a = s.args[i]!;
        if (!isRegExpr(a)) continue;
        const r = regInfo(pr, a);
        if (r.saved) add.set(r.text, r.text);
      }
    } else if (s.k === 'clobber') {
      add = new Map(s.regs.map((r) => [reg(r, pr.names), reg(r, pr.names)]));
    } else if (s.k === 'if') {
      add = intersect(definitelyWritten(pr, s.then), definitelyWritten(pr, s.else));
    } else if (s.k === 'switch' && s.cases.some((c) => c.labels.length === 0)) {
      add = s.cases.map((c) => definitelyWritten(pr, c.body)).reduce(intersect);
    }
    for (const [k, v] of add ?? []) out.set(k, v);
  }
  return out;
}

function intersect(a: Marks, b: Marks): Marks {
  return new Map([...a].filter(([k]) => b.has(k)));
}

/** One block's statements at `depth`; `covered`: registers an enclosing block marks. */
function block(pr: Printer, body: readonly Stmt[], depth: number, covered: Set<string>): string[] {
  const mine = definitelyWritten(pr, body);
  const inner = new Set([...covered, ...mine.keys()]);
  const lines: string[] = [];
  for (const s of body) lines.push(...stmt(pr, s, depth, inner));
  for (const [k, text] of mine) if (!covered.has(k)) lines.push(...statement(depth, `clobber_reg(ctx, ${text});`));
  return lines;
}

function operand(pr: Printer, a: RegExpr | CExpr): string {
  return isRegExpr(a) ? reg(a, pr.names) : cexpr(a, pr.names);
}

function planArg(pr: Printer, a: PlanArg): string {
  if (a.k === 'pair') return pr.names.pair(a.pair);
  if (a.k === 'reg') return reg(a.reg, pr.names);
  return cexpr(a.v, pr.names);
}

/** A bare statement (one line when it fits), as opposed to a compound one. */
function isSimple(lines: string[]): boolean {
  return lines.length === 1 && !/^\s*(if|switch|\/\*)/.test(lines[0]!);
}

function stmt(pr: Printer, s: Stmt, depth: number, covered: Set<string>): string[] {
  switch (s.k) {
    case 'note':
      return comment(depth, s.text);
    case 'emit': {
      const name = uasmName(s.op);
      pr.uses.ops.add(name);
      const args = s.args.map((a) => operand(pr, a));
      return statement(depth, `emit(ctx, ${[name, ...args].join(', ')});`);
    }
    case 'call': {
      const call = `emit_${s.plan}(${['ctx', ...s.args.map((a) => planArg(pr, a))].join(', ')});`;
      if (!pr.failing.has(s.plan)) return statement(depth, call);
      return [...statement(depth, `err = ${call}`), ...statement(depth, 'if (err)'), ...statement(depth + 1, 'return err;')];
    }
    case 'jump': {
      const regs = s.args.map((r) => reg(r, pr.names));
      while (regs.length < 2) regs.push('MIPS_R_ZERO');
      return statement(depth, `emit_jump(ctx, ${branchName(s.op)}, ${regs.join(', ')});`);
    }
    case 'exit':
      return statement(depth, 'emit_exit(ctx);');
    case 'kcall':
      pr.uses.kcalls.add(s.fn);
      return statement(depth, `emit_kcall(ctx, (u32)${s.fn});`);
    case 'decline':
      return [...comment(depth, s.why), ...statement(depth, 'return -EOPNOTSUPP;')];
    case 'push':
    case 'pop': {
      const fn = s.k === 'push' ? 'save_caller_regs' : 'restore_caller_regs';
      const except = s.except === 'none' ? '0' : `BIT(lo(${pr.names.pair(s.except)})) | BIT(hi(${pr.names.pair(s.except)}))`;
      return statement(depth, `${fn}(ctx, ${except});`);
    }
    case 'clobber':
      return s.regs.flatMap((r) => statement(depth, `clobber_reg(ctx, ${reg(r, pr.names)});`));
    case 'switch':
      return switchStmt(pr, s, depth, covered);
    case 'if':
      return ifStmt(pr, s, depth, covered);
  }
}

function switchStmt(pr: Printer, s: Extract<Stmt, { k: 'switch' }>, depth: number, covered: Set<string>): string[] {
  const lines = statement(depth, `switch (${cexpr(s.on, pr.names)}) {`);
  const defaults = s.cases.filter((c) => c.labels.length === 0);
  if (defaults.length > 1 || (defaults.length === 1 && s.cases.at(-1)!.labels.length !== 0)) {
    throw new Error('a switch of a plan may have one default case, last');
  }
  for (const c of s.cases) {
    if (c.labels.length === 0) lines.push(`${'\t'.repeat(depth)}default:`);
    for (const l of c.labels) lines.push(`${'\t'.repeat(depth)}case ${cexpr(l, pr.names)}:`);
    const body = block(pr, c.body, depth + 1, covered);
    lines.push(...body);
    if (!/^\s*return\b/.test(body.at(-1) ?? '')) lines.push(`${'\t'.repeat(depth + 1)}break;`);
  }
  lines.push(`${'\t'.repeat(depth)}}`);
  return lines;
}

/** An if / else if / else chain: braces on every arm when any arm needs them. */
function ifStmt(pr: Printer, s: Extract<Stmt, { k: 'if' }>, depth: number, covered: Set<string>): string[] {
  const arms: { cond: string; body: string[] }[] = [];
  let elseBody: string[] = [];
  let cur: Extract<Stmt, { k: 'if' }> | undefined = s;
  while (cur) {
    const next: Extract<Stmt, { k: 'if' }> = cur;
    cur = undefined;
    if (next.then.length === 0 && next.else.length === 0) break;
    if (next.then.length === 0) {
      arms.push({ cond: negated(next.cond, pr.names), body: block(pr, next.else, depth + 1, covered) });
      break;
    }
    arms.push({ cond: cexpr(next.cond, pr.names), body: block(pr, next.then, depth + 1, covered) });
    const only = next.else.length === 1 ? next.else[0]! : undefined;
    if (only?.k === 'if' && [...definitelyWritten(pr, next.else).keys()].every((k) => covered.has(k))) cur = only;
    else if (next.else.length) elseBody = block(pr, next.else, depth + 1, covered);
  }
  if (!arms.length) return [];
  const braces = arms.some((a) => !isSimple(a.body)) || (elseBody.length > 0 && !isSimple(elseBody));
  const ind = '\t'.repeat(depth);
  const lines: string[] = [];
  arms.forEach((a, i) => {
    const head = `${i === 0 ? '' : braces ? '} else ' : 'else '}if (${a.cond})${braces ? ' {' : ''}`;
    lines.push(...statement(depth, head));
    lines.push(...a.body);
  });
  if (elseBody.length) {
    lines.push(braces ? `${ind}} else {` : `${ind}else`);
    lines.push(...elseBody);
  }
  if (braces) lines.push(`${ind}}`);
  return lines;
}

export interface RenderedEmitters {
  /** C of every emitter, callees first, separated by blank lines. */
  text: string;
  /** Prototypes of the emitters the core calls (for ebpf_jit.h). */
  prototypes: string[];
  uses: EmitterUses;
  /** Plans reachable from the roots, in output order. */
  plans: string[];
}

/**
 * Render the plans reachable from `roots` (and `exported`, which the core calls and
 * which are therefore not static) as C emitter functions.
 */
export function renderEmitters(design: Design, roots: readonly string[], exported: readonly string[]): RenderedEmitters {
  const globals = globalPairs(design);
  const failing = failingPlans(design.plans);
  const uses: EmitterUses = { globals: new Set(), macros: new Map(), kcalls: new Set(), ops: new Set() };
  const plans = reachablePlans(design.plans, [...exported, ...roots]);
  const texts: string[] = [];
  const prototypes: string[] = [];
  for (const p of plans) {
    const pairParams = new Set(p.params.filter((x) => x.type === 'pair').map((x) => x.name));
    const usedGlobals = new Set<string>();
    const names: CNames = {
      pair: (n) => {
        if (pairParams.has(n)) return n;
        const g = globals[n];
        if (!g) throw new Error(`plan ${p.name}: register pair '${n}' is not bound`);
        usedGlobals.add(n);
        uses.globals.add(n);
        return g.c;
      },
    };
    const pr: Printer = { names, design, globals, failing, uses, pairParams };
    collectMacros(p.body, uses.macros);
    const body = block(pr, p.body, 1, new Set());
    const fails = failing.has(p.name);
    const locals = [...usedGlobals]
      .filter((g) => globals[g]!.alias)
      .sort()
      .map((g) => `\tconst u8 *${globals[g]!.c} = ${globals[g]!.alias};`);
    if (fails && needsErr(p.body)) locals.push('\tint err;');
    const isStatic = !exported.includes(p.name);
    const signature = `${fails ? 'int' : 'void'} emit_${p.name}(${['struct jit_context *ctx', ...p.params.map(paramDecl)].join(', ')})`;
    if (!isStatic) prototypes.push(...comment(0, p.doc), ...statement(0, `${signature};`));
    texts.push(
      [
        ...comment(0, p.doc),
        ...statement(0, `${isStatic ? 'static ' : ''}${signature}`),
        '{',
        ...locals,
        ...(locals.length ? [''] : []),
        ...body,
        ...(fails ? ['\treturn 0;'] : []),
        '}',
      ].join('\n'),
    );
  }
  return { text: texts.join('\n\n'), prototypes, uses, plans: plans.map((p) => p.name) };
}

function needsErr(body: readonly Stmt[]): boolean {
  return body.some((s) => s.k === 'call' || (s.k === 'if' && (needsErr(s.then) || needsErr(s.else))) || (s.k === 'switch' && s.cases.some((c) => needsErr(c.body))));
}

/** Every DSL macro applied anywhere in `body`. */
export function collectMacros(body: readonly Stmt[], out: Map<string, CExpr>): void {
  const expr = (e: CExpr): void => {
    switch (e.k) {
      case 'macro':
        out.set(e.name, e.value);
        e.args.forEach(expr);
        return;
      case 'un':
        return expr(e.a);
      case 'bin':
        expr(e.a);
        return expr(e.b);
      case 'cond':
        expr(e.c);
        expr(e.a);
        return expr(e.b);
      default:
        return;
    }
  };
  for (const s of body) {
    if (s.k === 'emit') for (const a of s.args) if (!isRegExpr(a)) expr(a);
    if (s.k === 'if') {
      expr(s.cond);
      collectMacros(s.then, out);
      collectMacros(s.else, out);
    }
    if (s.k === 'switch') {
      expr(s.on);
      for (const c of s.cases) {
        c.labels.forEach(expr);
        collectMacros(c.body, out);
      }
    }
    if (s.k === 'call') for (const a of s.args) if (a.k === 'val') expr(a.v);
  }
}
