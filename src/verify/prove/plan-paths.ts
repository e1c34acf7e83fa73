// Every compile-time path of a plan: the plan is walked by the one DSL interpreter
// (src/jit/walk.ts) with symbolic imm/off; each `if` whose condition is not a constant is
// decided both ways, depth first, and the decisions taken become the path's condition.
// What the walk emits is collected as items for the MIPS runner (mips-run.ts).
import type { SymBool, SymBV, Symbolic } from '../../bv/symbolic.ts';
import type { BitVec } from '../../bv/types.ts';
import type { Plan, PlanArg } from '../../jit/dsl.ts';
import { callPlan, type Scope, type Sink, type TargetFacts } from '../../jit/walk.ts';
import { foldingBitVec, z3Hooks } from '../../mips/symexec.ts';

/** What a plan asks the core for, in order. */
export type PlanItem =
  /** A MIPS instruction; operands are values as the walk computed them (terms or constants). */
  | { k: 'insn'; op: string; args: SymBV[] }
  /** The conditional BPF jump (the core lays out a branch to the target). */
  | { k: 'jump'; op: string; regs: number[] }
  | { k: 'exit' }
  | { k: 'kcall'; fn: string }
  | { k: 'save'; kind: 'push' | 'pop'; except: number[] };

export interface PlanPath {
  /** Decisions of the open compile-time conditions, in walk order (true: then-branch). */
  decisions: boolean[];
  /** The conjunction of the decided conditions. */
  condition: SymBool;
  /** What the walk emitted on this path. */
  items: PlanItem[];
  /** The design declined the instruction on this path. */
  declined?: string;
  /** The walk itself failed on this path (a plan bug the C would also have). */
  error?: string;
}

export interface PlanCall {
  plans: ReadonlyMap<string, Plan>;
  target: TargetFacts;
  plan: string;
  args: readonly PlanArg[];
  scope: Scope<SymBV>;
}

/** Walk `call` along every compile-time path. */
export function planPaths(sym: Symbolic, call: PlanCall, maxPaths = 256): PlanPath[] {
  const hooks = z3Hooks(sym);
  const bv: BitVec<SymBV, SymBool> = foldingBitVec(sym.bv, hooks);
  const zero = bv.lit(32, 0);
  const out: PlanPath[] = [];
  const pending: boolean[][] = [[]];
  while (pending.length) {
    if (out.length >= maxPaths) throw new Error(`plan ${call.plan}: more than ${maxPaths} compile-time paths`);
    const forced = pending.pop()!;
    const decisions: boolean[] = [];
    let condition: SymBool = bv.T;
    const items: PlanItem[] = [];
    const path: PlanPath = { decisions, condition, items };
    const sink: Sink<SymBV> = {
      insn: (op, args) => items.push({ k: 'insn', op, args }),
      jump: (op, regs) => items.push({ k: 'jump', op, regs }),
      exit: () => items.push({ k: 'exit' }),
      kcall: (fn) => items.push({ k: 'kcall', fn }),
      decline: (why) => {
        throw new Declined(why);
      },
      clobber: () => {},
      saveCallerRegs: (kind, except) => items.push({ k: 'save', kind, except }),
    };
    const decide = (c: SymBV): boolean => {
      const k = hooks.valueOf(c);
      if (k !== undefined) return k !== 0n;
      const holds = bv.bnot(bv.eq(32, c, zero));
      let take: boolean;
      if (decisions.length < forced.length) take = forced[decisions.length]!;
      else {
        take = true;
        pending.push([...decisions, false]);
      }
      decisions.push(take);
      condition = bv.band(condition, take ? holds : bv.bnot(holds));
      return take;
    };
    try {
      callPlan({ bv, target: call.target, plans: call.plans, decide, sink }, call.plan, call.args, call.scope);
    } catch (e) {
      if (e instanceof Declined) path.declined = e.message;
      else path.error = (e as Error).message;
    }
    path.condition = condition;
    out.push(path);
  }
  return out;
}

class Declined extends Error {}
