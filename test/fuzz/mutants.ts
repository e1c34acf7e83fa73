// Broken copies of the jitgen design for the fuzzer's honesty tests: one plan's data
// rewritten (never the files), the way test/verify/prove-mutants.test.ts does it.
import type { Operand, Plan, Stmt } from '../../src/jit/dsl.ts';
import type { Design } from '../../src/jit/design.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';

function operandText(o: Operand): string {
  if (o.k === 'half') return `${o.half}(${o.pair})`;
  if (o.k === 'fixed') return o.name.replace(/^MIPS_R_/, '').toLowerCase();
  if (o.k === 'rparam' || o.k === 'param') return o.name;
  return 'v' in o ? String(o.v) : o.k;
}

/** `addu hi(dst), hi(dst), t9` for an emit statement. */
const emitText = (s: Stmt): string | undefined => (s.k === 'emit' ? `${s.op} ${s.args.map(operandText).join(', ')}` : undefined);

function mapBody(body: readonly Stmt[], f: (s: Stmt) => Stmt[] | undefined, hits: { n: number }): Stmt[] {
  const out: Stmt[] = [];
  for (const s of body) {
    const r = f(s);
    if (r) {
      hits.n++;
      out.push(...r);
    } else if (s.k === 'if') out.push({ ...s, then: mapBody(s.then, f, hits), else: mapBody(s.else, f, hits) });
    else if (s.k === 'switch') out.push({ ...s, cases: s.cases.map((c) => ({ ...c, body: mapBody(c.body, f, hits) })) });
    else out.push(s);
  }
  return out;
}

/** jitgen with the emits of plan `name` whose text is `text` replaced by `by(stmt)`. */
export function mutateEmit(name: string, text: string, by: (s: Extract<Stmt, { k: 'emit' }>) => Stmt[]): Design {
  const plan = jitgen.plans.get(name);
  if (!plan) throw new Error(`no plan ${name}`);
  const hits = { n: 0 };
  const body = mapBody(plan.body, (s) => (emitText(s) === text ? by(s as Extract<Stmt, { k: 'emit' }>) : undefined), hits);
  if (hits.n === 0) throw new Error(`mutant of ${name}: nothing matches '${text}'`);
  const plans = new Map(jitgen.plans);
  plans.set(name, { ...plan, body } satisfies Plan);
  return { ...jitgen, name: `jitgen-mutant`, plans };
}

/** ALU64 ADD X without the carry into the high word. */
export const carryDropped = (): Design => mutateEmit('alu64_x', 'addu hi(dst), hi(dst), t9', () => []);
/** MOVSX from 8 bits sign-extends from 16 instead. */
export const movsx8As16 = (): Design => mutateEmit('alu64_x', 'seb lo(dst), lo(src)', (s) => [{ ...s, op: 'seh' }]);
