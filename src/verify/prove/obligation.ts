// One case, proved: symbolic BPF registers in their MIPS homes, symbolic memory, symbolic
// imm/off; the BPF semantics (src/bpf/semantics.ts) and the plan's MIPS code (the table's
// semantics) run on the same terms; then, for each compile-time path of the plan and
// each run-time path of its code, Z3 is asked whether
//   - every BPF register ends in its home with the BPF result,
//   - every other MIPS register is unchanged, except the design's temporaries (scratch,
//     the TMP pair, and after a kernel call the O32 caller-saved registers),
//   - memory ends equal (outside the JIT's outgoing-argument area when it calls out),
//   - the plan's jump is taken exactly when BPF's branch is,
//   - no access faults for an aligned BPF access, every symbolic operand fits its field
//     and every kernel function is called within its contract,
// under the verifier's preconditions (aligned accesses; no division by 0 or, signed, -1).
import type { SymBool, SymBV, Symbolic } from '../../bv/symbolic.ts';
import { SymbolicMemory } from '../../bv/symbolic.ts';
import type { Config } from '../../config.ts';
import * as op from '../../bpf/opcodes.ts';
import { step, type BpfState, type Effect, type SemInsn } from '../../bpf/semantics.ts';
import { REG_AX, REG_TMP, halves, type Design } from '../../jit/design.ts';
import { A0, A1, A2, A3, SP, V0, V1, REG_NAMES } from '../../mips/regs.ts';
import type { Pair, Scope } from '../../jit/walk.ts';
import type { ProofCase } from './cases.ts';
import { planPaths, type PlanPath } from './plan-paths.ts';
import { abstractArith, splitProducts, type AbstractArith } from './lemmas.ts';
import { solve } from './solve.ts';
import { OUTGOING_BYTES, runItems, type RunEnd, type RunResult } from './mips-run.ts';
import { O32_CALLER_SAVED } from '../../mips/regs.ts';

export type Status = 'proved' | 'failed' | 'unknown';

export interface Obligation {
  name: string;
  config: string;
  /** The compile-time path: which way each open `if` of the plan went, and its condition. */
  path: string;
  status: Status;
  ms: number;
  /** What failed, in words. */
  reason?: string;
  counterexample?: Counterexample;
}

export interface Counterexample {
  /** Values of the symbolic inputs (r<N>_lo/hi, r10, imm, off, ...), unsigned. */
  inputs: Record<string, string>;
  /** The BPF instruction with the counterexample's imm/off. */
  insn: op.Insn;
  next?: op.Insn;
  /** BPF register values (r0..r10), 64-bit. */
  regs: Record<string, string>;
}

export interface ProveOptions {
  timeoutMs: number;
}

/** Names of the symbolic inputs of one case. */
interface Inputs {
  mipsRegs: SymBV[];
  bpfRegs: SymBV[];
  imm: SymBV;
  immHi: SymBV;
  off16: SymBV;
  hi: SymBV;
  lo: SymBV;
}

/** Registers a plan may change freely: scratch and the TMP pair (plus, after a call, the O32 caller-saved). */
function temporaries(design: Design, config: Config, called: boolean): Set<number> {
  const tmp = halves(design, REG_TMP, config.endian);
  const out = new Set<number>([...design.scratch, tmp.lo, tmp.hi]);
  if (called) for (const r of O32_CALLER_SAVED) out.add(r);
  return out;
}

function inputs(sym: Symbolic, design: Design, config: Config): Inputs {
  const bv = sym.bv;
  const mipsRegs: (SymBV | undefined)[] = [bv.lit(32, 0)];
  const bpfRegs: SymBV[] = [];
  for (let r = 0; r <= REG_AX; r++) {
    const h = halves(design, r, config.endian);
    const name = r === REG_AX ? 'ax' : `r${r}`;
    if (h.lo !== 0) mipsRegs[h.lo] = sym.fresh(h.hi === 0 ? name : `${name}_lo`, 32);
    if (h.hi !== 0) mipsRegs[h.hi] = sym.fresh(`${name}_hi`, 32);
    bpfRegs.push(bv.concat(32, mipsRegs[h.hi]!, 32, mipsRegs[h.lo]!));
  }
  for (let r = 1; r < 32; r++) mipsRegs[r] ??= sym.fresh(`m_${REG_NAMES[r]}`, 32);
  return {
    mipsRegs: mipsRegs as SymBV[],
    bpfRegs,
    imm: sym.fresh('imm', 32),
    immHi: sym.fresh('imm_hi', 32),
    off16: sym.fresh('off', 16),
    hi: sym.fresh('m_hilo_hi', 32),
    lo: sym.fresh('m_hilo_lo', 32),
  };
}

/** Prove every compile-time path of one case. */
export async function proveCase(
  sym: Symbolic,
  design: Design,
  config: Config,
  c: ProofCase,
  opts: ProveOptions,
): Promise<Obligation[]> {
  const bv = sym.bv;
  const inp = inputs(sym, design, config);
  const offV = c.off === undefined ? inp.off16 : bv.lit(16, c.off);
  const immV = c.imm === undefined ? inp.imm : bv.lit(32, c.imm);
  const insn: SemInsn<SymBV> = { code: c.code, dst: c.dst, src: c.src, off: c.off ?? 0, imm: c.imm ?? 0, immV, offV };
  const next: SemInsn<SymBV> | undefined = op.isLdImm64(insn) ? { code: 0, dst: 0, src: 0, off: 0, imm: 0, immV: inp.immHi } : undefined;

  // BPF side
  const memInit = sym.memory('mem');
  const bst: BpfState<SymBV> = { regs: [...inp.bpfRegs], mem: new SymbolicMemory(sym.ctx, memInit.bytes, 32) };
  // 64-bit products: the BPF side as 32-bit partial products (sound by the lemma of
  // lemmas.ts); products and quotients on both sides as uninterpreted functions
  const alu = op.cls(c.code) === op.ALU64 || op.cls(c.code) === op.ALU;
  const o = op.op(c.code);
  const products = alu && (o === op.MUL || o === op.DIV || o === op.MOD) ? abstractArith(sym, bv, ['mul', 'udiv', 'urem', 'sdiv', 'srem']) : undefined;
  const effect = step(splitProducts(products?.bv ?? bv), bst, insn, 0, next, { order: config.endian });
  const pre = preconditions(sym, c, inp);

  // MIPS side: walk the plan along every compile-time path
  const homes = Array.from({ length: 11 }, (_, r) => halves(design, r, config.endian));
  const pairs: Record<string, Pair> = {
    r0: homes[0]!,
    tmp: halves(design, REG_TMP, config.endian),
    ax: halves(design, REG_AX, config.endian),
    arg1: o32(config, A0, A1),
    arg2: o32(config, A2, A3),
    ret: o32(config, V0, V1),
    dst: homes[c.dst]!,
    src: homes[c.src <= 10 ? c.src : 0]!,
  };
  const scope: Scope<SymBV> = {
    pairs,
    regs: {},
    vals: { imm: immV, off: bv.sext(16, 32, offV), code: bv.lit(32, c.code), imm_hi: inp.immHi },
  };
  const paths = planPaths(sym, {
    plans: design.plans,
    target: { r6: config.isa === 'r6', be: config.endian === 'be', zext: false },
    plan: c.route.plan,
    args: c.route.args,
    scope,
  });

  const live = [...new Set([0, 1, 2, 3, 4, 5].flatMap((r) => [homes[r]!.lo, homes[r]!.hi]))].filter((r) => O32_CALLER_SAVED.includes(r));
  const out: Obligation[] = [];
  for (let k = 0; k < paths.length; k++) {
    const p = paths[k]!;
    const name = `${c.what} dst=r${c.dst}${usesSrc(c) ? ` src=r${c.src}` : ''}${c.off !== undefined && c.off !== 0 && c.class !== 'jmp' && c.class !== 'jmp32' ? ` off=${c.off}` : ''}${c.imm !== undefined && (c.class === 'end') ? ` imm=${c.imm}` : ''}`;
    const pathText = describePath(p, k, paths.length);
    const t0 = Date.now();
    const res = await provePath(sym, design, config, c, inp, p, effect, bst, pre, live, pairs.ret!, products, opts);
    if (res) out.push({ name, config: config.id, path: pathText, ...res, ms: Date.now() - t0 });
  }
  return out;
}

function usesSrc(c: ProofCase): boolean {
  if (c.class === 'ld' || c.class === 'st' || c.class === 'end') return false;
  return op.src(c.code) === op.X || c.class === 'ldx' || c.class === 'stx' || c.class === 'atomic';
}

function o32(config: Config, first: number, second: number): Pair {
  return config.endian === 'be' ? { hi: first, lo: second } : { lo: first, hi: second };
}

function describePath(p: PlanPath, k: number, n: number): string {
  const code = p.items.map((i) => (i.k === 'insn' ? i.op : i.k === 'jump' ? `<${i.op}>` : i.k === 'kcall' ? `<call ${i.fn}>` : i.k === 'save' ? `<${i.kind}>` : '<exit>')).join(' ');
  const which = n === 1 ? 'only path' : `path ${k + 1}/${n} [${p.decisions.map((d) => (d ? 'then' : 'else')).join(',')}]`;
  return `${which}: ${code || '(no code)'}`;
}

interface Pre {
  assumptions: SymBool[];
  /** Base address (32-bit) and size of the BPF memory access, if any. */
  access?: { addr: SymBV; size: number };
}

/** The verifier's preconditions for this instruction. */
function preconditions(sym: Symbolic, c: ProofCase, inp: Inputs): Pre {
  const bv = sym.bv;
  const out: Pre = { assumptions: [] };
  const cls = op.cls(c.code);
  const o = op.op(c.code);
  if ((cls === op.ALU || cls === op.ALU64) && (o === op.DIV || o === op.MOD)) {
    const w = cls === op.ALU64 ? 64 : 32;
    const divisor = op.src(c.code) === op.X
      ? (w === 64 ? inp.bpfRegs[c.src]! : bv.extract(31, 0, inp.bpfRegs[c.src]!))
      : (w === 64 ? bv.sext(32, 64, c.imm === undefined ? inp.imm : bv.lit(32, c.imm)) : (c.imm === undefined ? inp.imm : bv.lit(32, c.imm)));
    out.assumptions.push(bv.bnot(bv.eq(w, divisor, bv.lit(w, 0))));
    if (c.off === 1) out.assumptions.push(bv.bnot(bv.eq(w, divisor, bv.lit(w, -1n))));
  }
  if (cls === op.LDX || cls === op.ST || cls === op.STX) {
    const base = cls === op.LDX ? c.src : c.dst;
    const off = c.off === undefined ? bv.sext(16, 32, inp.off16) : bv.lit(32, c.off);
    const addr = bv.add(32, bv.extract(31, 0, inp.bpfRegs[base]!), off);
    const size = op.sizeBytes(c.code);
    out.access = { addr, size };
    out.assumptions.push(bv.eq(32, bv.and(32, addr, bv.lit(32, size - 1)), bv.lit(32, 0)));
  }
  return out;
}

/** Assumptions that hold when the plan calls out: sp aligned, BPF memory not the JIT's outgoing area. */
function callAssumptions(sym: Symbolic, inp: Inputs, pre: Pre): SymBool[] {
  const bv = sym.bv;
  const sp = inp.mipsRegs[SP]!;
  const out = [bv.eq(32, bv.and(32, sp, bv.lit(32, 7)), bv.lit(32, 0))];
  if (pre.access) {
    // [addr, addr + size) and [sp, sp + OUTGOING) are disjoint: each starts outside the other
    const { addr, size } = pre.access;
    out.push(bv.band(bv.ule(32, bv.lit(32, OUTGOING_BYTES), bv.sub(32, addr, sp)), bv.ule(32, bv.lit(32, size), bv.sub(32, sp, addr))));
  }
  return out;
}

async function provePath(
  sym: Symbolic,
  design: Design,
  config: Config,
  c: ProofCase,
  inp: Inputs,
  p: PlanPath,
  effect: Effect<SymBool>,
  bst: BpfState<SymBV>,
  pre: Pre,
  live: number[],
  ret: Pair,
  products: AbstractArith | undefined,
  opts: ProveOptions,
): Promise<Omit<Obligation, 'name' | 'config' | 'path' | 'ms'> | undefined> {
  const bv = sym.bv;
  // a compile-time path no imm/off can take is not an obligation
  const feasible = await solve(sym, bv.bnot(p.condition), [], opts.timeoutMs);
  if (feasible.status === 'proved') return undefined;
  if (p.declined) return { status: 'proved', reason: `declined by the design: ${p.declined}` };
  const fail = (reason: string) => ({ status: 'failed' as const, reason });
  if (p.error) return fail(`the plan's walk failed: ${p.error}`);

  const memInit = sym.memory('mem');
  const run = runItems({
    sym,
    isa: config.isa,
    endian: config.endian,
    start: { regs: inp.mipsRegs, hi: inp.hi, lo: inp.lo, memory: new SymbolicMemory(sym.ctx, memInit.bytes, 32) },
    items: p.items,
    liveCallerSaved: live,
    ret,
    bv: products?.bv,
    fresh: (n, w) => sym.fresh(n, w),
  });
  if (run.encodingErrors.length) return fail(`does not encode: ${run.encodingErrors[0]}`);
  const assume = [p.condition, ...pre.assumptions, ...(run.called ? callAssumptions(sym, inp, pre) : [])];

  // side conditions: operand ranges, callee contracts, no alignment fault
  const side: { what: string; holds: SymBool }[] = [
    ...run.requirements,
    ...run.faults.map((f) => ({ what: `no ${f.kind} fault at +${f.pc - 0x80400000}: ${f.message}`, holds: bv.bnot(f.condition) })),
  ];
  const temps = temporaries(design, config, run.called);
  const claims: { what: string; holds: SymBool }[] = [];
  const cut: RunEnd[] = [];
  for (const end of run.ends) {
    if (end.status === 'budget' && run.links.length > 0) {
      // an ll/sc loop whose store-conditional kept failing: cut after a few retries
      cut.push(end);
      continue;
    }
    if (end.status !== 'exit') {
      side.push({ what: `no fault: ${end.problem}`, holds: bv.bnot(end.condition) });
      continue;
    }
    const here = (what: string, holds: SymBool) => claims.push({ what, holds: bv.bor(bv.bnot(end.condition), holds) });
    endClaims(sym, design, config, inp, end, effect, bst, temps, run, here);
  }
  if (cut.length) {
    // the loop must be able to finish after its first store-conditional failed (a retry
    // that never reloads the link would spin forever): some exit path allows it
    const afterRetry = run.ends
      .filter((e) => e.status === 'exit')
      .map((e) => bv.band(e.condition, bv.bnot(run.links[0]!)))
      .reduce((a, b) => bv.bor(a, b), bv.F);
    const r = await solve(sym, bv.bnot(afterRetry), assume, opts.timeoutMs);
    if (r.status === 'proved') {
      const stuck = await solve(sym, bv.bnot(cut[0]!.condition), assume, opts.timeoutMs);
      return {
        status: 'failed',
        reason: 'after a failed store-conditional the ll/sc loop never completes',
        counterexample: stuck.model ? counterexample(c, stuck.model) : undefined,
      };
    }
    if (r.status === 'unknown') return { status: 'unknown', reason: `solver: ${r.reason ?? 'unknown'}` };
  }
  const bounded = cut.length;
  const all = [...side, ...claims];
  if (all.length === 0) return { status: 'proved' };
  if (products) assume.push(...products.facts());
  const conj = all.map((x) => x.holds).reduce((a, b) => bv.band(a, b));
  const r = await solve(sym, conj, assume, opts.timeoutMs);
  if (r.status === 'proved') return { status: 'proved', reason: bounded ? `ll/sc retries explored up to the step bound (${bounded} paths cut)` : undefined };
  if (r.status === 'unknown') return { status: 'unknown', reason: `solver: ${r.reason ?? 'unknown'}` };
  // find the first claim that fails, for a precise reason and its own counterexample
  for (const x of all) {
    const one = await solve(sym, x.holds, assume, opts.timeoutMs);
    if (one.status === 'failed') return { status: 'failed', reason: x.what, counterexample: counterexample(c, one.model!) };
  }
  return { status: 'failed', reason: 'the conjunction fails', counterexample: counterexample(c, r.model!) };
}

function endClaims(
  sym: Symbolic,
  design: Design,
  config: Config,
  inp: Inputs,
  end: RunEnd,
  effect: Effect<SymBool>,
  bst: BpfState<SymBV>,
  temps: Set<number>,
  run: RunResult,
  here: (what: string, holds: SymBool) => void,
): void {
  const bv = sym.bv;
  const homeOf = new Map<number, string>();
  for (let r = 0; r <= 10; r++) {
    const h = halves(design, r, config.endian);
    const want = bst.regs[r]!;
    if (h.lo !== 0) {
      homeOf.set(h.lo, `r${r}`);
      here(`r${r} low word (${REG_NAMES[h.lo]}) holds the BPF result`, bv.eq(32, end.regs[h.lo]!, bv.extract(31, 0, want)));
    }
    if (h.hi !== 0) {
      homeOf.set(h.hi, `r${r}`);
      here(`r${r} high word (${REG_NAMES[h.hi]}) holds the BPF result`, bv.eq(32, end.regs[h.hi]!, bv.extract(63, 32, want)));
    } else {
      here(`r${r} high word is zero`, bv.eq(32, bv.extract(63, 32, want), bv.lit(32, 0)));
    }
  }
  for (let m = 1; m < 32; m++) {
    if (homeOf.has(m) || temps.has(m)) continue;
    here(`${REG_NAMES[m]} is unchanged`, bv.eq(32, end.regs[m]!, inp.mipsRegs[m]!));
  }
  // memory: equal at every address (a free constant stands for all of them)
  const a = sym.fresh('probe_addr', 32);
  const same = bv.eq(8, end.memory.load(32, a, 1, 'be'), (bst.mem as SymbolicMemory).load(32, a, 1, 'be'));
  if (run.called) {
    const sp = inp.mipsRegs[SP]!;
    here('memory is the BPF memory outside the outgoing-argument area', bv.bor(bv.ult(32, bv.sub(32, a, sp), bv.lit(32, OUTGOING_BYTES)), same));
  } else {
    here('memory is the BPF memory', same);
  }
  // control flow
  if (effect.kind === 'branch') {
    if (end.taken === undefined) here('the plan ends in a jump', bv.F);
    else here(end.taken ? 'jump taken only when BPF branches' : 'jump not taken only when BPF falls through', end.taken ? effect.taken : bv.bnot(effect.taken));
  } else if (end.taken) {
    here('no jump where BPF falls through', bv.F);
  }
}

/** A concrete BPF instruction and register values from a Z3 model. */
function counterexample(c: ProofCase, model: Record<string, bigint>): Counterexample {
  const v = (n: string) => model[n] ?? 0n;
  const imm = c.imm ?? Number(BigInt.asIntN(32, v('imm')));
  const off = c.off ?? Number(BigInt.asIntN(16, v('off')));
  const insn: op.Insn = { code: c.code, dst: c.dst, src: c.src, off, imm };
  const next = op.isLdImm64(insn) ? { code: 0, dst: 0, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v('imm_hi'))) } : undefined;
  const regs: Record<string, string> = {};
  for (let r = 0; r <= 10; r++) {
    const lo = r === 10 ? v('r10') : v(`r${r}_lo`);
    const hi = r === 10 ? 0n : v(`r${r}_hi`);
    regs[`r${r}`] = `0x${((hi << 32n) | lo).toString(16)}`;
  }
  const inputs: Record<string, string> = {};
  for (const [k, x] of Object.entries(model)) {
    if (k.startsWith('m_') || /^r\d+(_lo|_hi)?$/.test(k) || ['imm', 'off', 'imm_hi', 'probe_addr', 'ax_lo', 'ax_hi'].includes(k)) {
      inputs[k] = `0x${x.toString(16)}`;
    }
  }
  return { inputs, insn, next, regs };
}
