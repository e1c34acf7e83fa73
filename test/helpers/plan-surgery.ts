// Plan surgery on data, for tests that need broken designs (prove's mutation test, the
// fuzzer's honesty test): a plan of the jitgen design rewritten in memory, never the files.
import type { CExpr, Operand, Plan, RegExpr, Stmt } from '../../src/jit/dsl.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';
import type { Design } from '../../src/jit/design.ts';

function regText(r: RegExpr): string {
  if (r.k === 'half') return `${r.half}(${r.pair})`;
  if (r.k === 'fixed') return r.name.replace(/^MIPS_R_/, '').toLowerCase();
  return r.name;
}
export function cText(e: CExpr): string {
  switch (e.k) {
    case 'lit':
    case 'named':
      return String(e.v);
    case 'param':
      return e.name;
    case 'bin':
      return `(${cText(e.a)} ${e.op} ${cText(e.b)})`;
    case 'un':
      return `${e.op}${cText(e.a)}`;
    case 'macro':
      return `${e.name}(${e.args.map(cText).join(', ')})`;
    case 'same':
      return `same(${regText(e.a)}, ${regText(e.b)})`;
    default:
      return e.k;
  }
}
function operandText(o: Operand): string {
  return o.k === 'half' || o.k === 'fixed' || o.k === 'rparam' ? regText(o) : cText(o);
}
/** `addu hi(dst), hi(dst), t9` for an emit statement. */
export function emitText(s: Stmt): string | undefined {
  return s.k === 'emit' ? `${s.op} ${s.args.map(operandText).join(', ')}` : undefined;
}

export type Rewrite = (s: Stmt) => Stmt[] | undefined;

/** Rewrite every statement `f` matches (depth first); count the matches. */
export function mapBody(body: readonly Stmt[], f: Rewrite, hits: { n: number }): Stmt[] {
  const out: Stmt[] = [];
  for (const s of body) {
    const r = f(s);
    if (r) {
      hits.n++;
      out.push(...r);
      continue;
    }
    if (s.k === 'if') out.push({ ...s, then: mapBody(s.then, f, hits), else: mapBody(s.else, f, hits) });
    else if (s.k === 'switch') out.push({ ...s, cases: s.cases.map((c) => ({ ...c, body: mapBody(c.body, f, hits) })) });
    else out.push(s);
  }
  return out;
}

/** The design with plan `name` rewritten; fails the test when nothing matched. */
export function mutate(name: string, f: Rewrite): Design {
  const plan = jitgen.plans.get(name);
  if (!plan) throw new Error(`no plan ${name}`);
  const hits = { n: 0 };
  const body = mapBody(plan.body, f, hits);
  if (hits.n === 0) throw new Error(`mutant of ${name} matched nothing`);
  const plans = new Map(jitgen.plans);
  plans.set(name, { ...plan, body } satisfies Plan);
  return { ...jitgen, plans };
}

export const emitIs = (text: string) => (s: Stmt) => emitText(s) === text;
/** Replace the emit statements whose text is `text`. */
export const replaceEmit = (text: string, by: (s: Extract<Stmt, { k: 'emit' }>) => Stmt[]): Rewrite => (s) =>
  emitIs(text)(s) ? by(s as Extract<Stmt, { k: 'emit' }>) : undefined;
export const drop = (text: string): Rewrite => replaceEmit(text, () => []);
export const renameOp = (text: string, op: string): Rewrite => replaceEmit(text, (s) => [{ ...s, op }]);
export const withArgs = (text: string, f: (a: Operand[]) => Operand[]): Rewrite => replaceEmit(text, (s) => [{ ...s, args: f([...s.args]) }]);
/** Replace an `if` (found by its condition's text) by one of its branches. */
export const takeBranch = (cond: string, which: 'then' | 'else'): Rewrite => (s) => (s.k === 'if' && cText(s.cond) === cond ? s[which] : undefined);
/** Change a jump's branch op. */
export const jumpOp = (from: string, to: string): Rewrite => (s) => (s.k === 'jump' && s.op === from ? [{ ...s, op: to as typeof s.op }] : undefined);
/** Apply `f` inside the switch case labelled `label` only. */
export const inCase = (label: string, f: Rewrite): Rewrite => (s) =>
  s.k === 'switch' && s.cases.some((c) => c.labels.some((l) => cText(l) === label))
    ? [{ ...s, cases: s.cases.map((c) => (c.labels.some((l) => cText(l) === label) ? { ...c, body: mapBody(c.body, f, { n: 0 }) } : c)) }]
    : undefined;

