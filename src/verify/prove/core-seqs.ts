// The core's own sequences, proved on the words the JIT core really emits (src/jit/core.ts
// compiles two small programs; the image runs on the symbolic MIPS machine):
//  - prologue + epilogue, entered at the start and where a tail call enters: every
//    callee-saved register and sp come back, control returns to ra, R0's low word is in v0;
//  - a helper call: R1-R5 where the O32 ABI wants the helper's five 64-bit arguments;
//  - the tail-call sequence, entered where a tail call enters (the counter symbolic, in t9
//    as the protocol brings it) and at the start (the prologue sets the counter to
//    MAX_TAIL_CALL_CNT): it jumps to prog->bpf_func + skip exactly when index < max_entries,
//    the counter is positive and the slot is not NULL, handing the callee the counted-down
//    counter in t9 and the context (R1's low word, which came in a0) in a0; the counter kept
//    in the frame is counted down when (and only when) the index and counter checks pass;
//    callee-saved registers, sp and ra are as on entry; otherwise it falls through to the
//    next instruction (here: r0 = 1; exit, back to ra).
import type { SymBool, SymBV, Symbolic } from '../../bv/symbolic.ts';
import { SymbolicMemory } from '../../bv/symbolic.ts';
import * as op from '../../bpf/opcodes.ts';
import type { Insn } from '../../bpf/opcodes.ts';
import type { Config } from '../../config.ts';
import { defaultBinding, type Binding } from '../../jit/binding.ts';
import { kfuncDecl, modelledKfuncs } from '../../bpf/kfuncs.ts';
import { jit, type JitImage } from '../../jit/core.ts';
import { halves, type Design } from '../../jit/design.ts';
import { A0, O32_CALLEE_SAVED, REG_NAMES, RA, SP, T8, T9, V0 } from '../../mips/regs.ts';
import { runSymbolic, z3Hooks, type SymbolicPath } from '../../mips/symexec.ts';
import { decode } from '../../mips/codec.ts';
import type { Obligation } from './obligation.ts';
import { solve } from './solve.ts';

const MOV64_X = op.ALU64 | op.MOV | op.X;
const EXIT: Insn = { code: op.JMP | op.EXIT, dst: 0, src: 0, off: 0, imm: 0 };
/** Bytes below sp the frame may use, assumed disjoint from the bpf_array and bpf_prog. */
const FRAME_SPAN = 0x1000;

interface Claim {
  what: string;
  holds: SymBool;
}

export async function proveCoreSequences(sym: Symbolic, design: Design, config: Config, timeoutMs: number): Promise<Obligation[]> {
  return [
    await provePrologueEpilogue(sym, design, config, timeoutMs),
    ...(await proveTailCall(sym, design, config, timeoutMs)),
    await proveHelperCall(sym, design, config, timeoutMs),
    ...(await proveKfuncCalls(sym, design, config, timeoutMs)),
    await proveLocalCall(sym, design, config, timeoutMs),
  ];
}

/**
 * Where O32 puts each argument of the modelled kfuncs (src/bpf/kfuncs.ts), worked out by
 * hand from the ABI: a 32-bit argument takes the next 4-byte slot, a 64-bit one the next
 * even pair; slots 0-3 are a0-a3, slot k >= 4 is at sp + 4k.
 */
const KFUNC_SLOTS: Record<string, number[]> = {
  bpf_kfunc_call_test1: [0, 1, 2, 4, 6], // (sk, u32, u64, u32, u64): a1 taken, a2:a3, sp+16, sp+24:28
  bpf_kfunc_call_test2: [0, 1, 2],
  bpf_kfunc_call_test3: [0],
  bpf_kfunc_call_test4: [0, 1, 2, 3], // (signed char, short, int, long)
};

/**
 * `call kfunc`, run from the call's first word with every home symbolic: when control
 * reaches the kfunc, each argument is in its O32 slot, a char or short extended to 32
 * bits as its signedness says, and ra returns into the program.
 */
async function proveKfuncCalls(sym: Symbolic, design: Design, config: Config, timeoutMs: number): Promise<Obligation[]> {
  const out: Obligation[] = [];
  for (const k of modelledKfuncs()) {
    const t0 = Date.now();
    const bv = sym.bv;
    const binding = defaultBinding([k.name]);
    const addr = binding.symbols.get(k.name)!;
    const call: Insn = { code: op.JMP | op.CALL, dst: 0, src: op.PSEUDO_KFUNC_CALL, off: 0, imm: (addr - binding.callBase) | 0 };
    const kfuncs = [kfuncDecl(k)];
    const img = jit({ id: 'kfunc_call', insns: [call, EXIT], verifierZext: false, stackDepth: 0, kfuncs }, { design, config, binding });
    const home = (r: number) => halves(design, r, config.endian);
    const slots = KFUNC_SLOTS[k.name]!;
    // from the call's first word, so the homes hold the arguments as the call finds them
    const res = await proveCallOut(sym, config, img, binding, img.bpfStart[0]!, 'core_kf', addr, k.name, timeoutMs, (p, regs, on) => {
      const word = (slot: number) => (slot < 4 ? p.regs[A0 + slot]! : p.memory.load(32, bv.add(32, p.regs[SP]!, bv.lit(32, 4 * slot)), 4, config.endian));
      k.argSizes.forEach((size, i) => {
        const h = home(i + 1);
        const s = slots[i]!;
        if (size === 8) {
          const [first, second] = config.endian === 'be' ? [h.hi, h.lo] : [h.lo, h.hi];
          on(`argument ${i + 1} (64-bit) in slots ${s} and ${s + 1}`, bv.band(bv.eq(32, word(s), regs[first]!), bv.eq(32, word(s + 1), regs[second]!)));
          return;
        }
        const low = bv.extract(8 * size - 1, 0, regs[h.lo]!);
        const want = size === 4 ? regs[h.lo]! : k.argSigned[i] ? bv.sext(8 * size, 32, low) : bv.zext(8 * size, 32, low);
        on(`argument ${i + 1} (${size} bytes${size < 4 ? (k.argSigned[i] ? ', sign-extended' : ', zero-extended') : ''}) in slot ${s}`, bv.eq(32, word(s), want));
      });
    });
    out.push({ name: `core: kfunc call argument placement (${k.name})`, config: config.id, ...res, ms: Date.now() - t0 });
  }
  return out;
}

/**
 * A bpf2bpf call, the whole program run from its entry with a0 (the context) symbolic:
 * `r6 = r1; call f; r0 += r6; exit` with `f: r6 = 5; r0 = r6; r0 += r1; exit`. The callee
 * gets R1 in its home, returns R0 in its home and hands R6 back unchanged, so v0 is
 * 2 * a0 + 5; sp, ra and the O32 callee-saved registers are as on entry.
 */
async function proveLocalCall(sym: Symbolic, design: Design, config: Config, timeoutMs: number): Promise<Obligation> {
  const t0 = Date.now();
  const bv = sym.bv;
  const I = (code: number, dst: number, src: number, imm: number): Insn => ({ code, dst, src, off: 0, imm });
  const insns: Insn[] = [
    I(MOV64_X, 6, 1, 0),
    I(op.JMP | op.CALL, 0, op.PSEUDO_CALL, 2),
    I(op.ALU64 | op.ADD | op.X, 0, 6, 0),
    EXIT,
    I(op.ALU64 | op.MOV | op.K, 6, 0, 5),
    I(MOV64_X, 0, 6, 0),
    I(op.ALU64 | op.ADD | op.X, 0, 1, 0),
    EXIT,
  ];
  const binding = defaultBinding();
  const img = jit({ id: 'local_call', insns, verifierZext: false, stackDepth: 0 }, { design, config, binding });
  const regs = initialRegs(sym, 'core_lc');
  const memory = new SymbolicMemory(sym.ctx, sym.memory('core_lc_mem').bytes, 32);
  const claims: Claim[] = [];
  const paths = claimRun(sym, config, { base: binding.imageBase, words: [...img.words] }, 0, regs, memory, '', claims, (p, on) => {
    on('returns to ra', bv.eq(32, p.exitTarget, regs[RA]!));
    on('v0 is 2 * a0 + 5: R1 passed, R0 returned, R6 kept', bv.eq(32, p.regs[V0]!, bv.add(32, bv.add(32, regs[A0]!, regs[A0]!), bv.lit(32, 5))));
  });
  const res = await check(sym, claims, [bv.eq(32, bv.and(32, regs[SP]!, bv.lit(32, 7)), bv.lit(32, 0))], timeoutMs);
  return { name: 'core: bpf2bpf call (arguments, result, callee-saved R6)', config: config.id, path: `${paths} path(s), ${img.words.length} words`, ...res, ms: Date.now() - t0 };
}

/**
 * `call helper`: when control reaches the helper, R1 and R2 are its first two 64-bit
 * arguments (a0-a1, a2-a3 as O32 pairs) and R3-R5 are in the O32 argument slots at
 * sp+16, +24, +32 in the target's byte order; ra returns into the program.
 */
async function proveHelperCall(sym: Symbolic, design: Design, config: Config, timeoutMs: number): Promise<Obligation> {
  const t0 = Date.now();
  const bv = sym.bv;
  const binding = defaultBinding();
  const helperOffset = 0x1230;
  const insns: Insn[] = [{ code: op.JMP | op.CALL, dst: 0, src: 0, off: 0, imm: helperOffset }, EXIT];
  const img = jit({ id: 'helper_call', insns, verifierZext: false, stackDepth: 0 }, { design, config, binding });
  const o32 = (first: number, second: number) => (config.endian === 'be' ? { hi: first, lo: second } : { lo: first, hi: second });
  const helper = (binding.callBase + helperOffset) >>> 0;
  const res = await proveCallOut(sym, config, img, binding, 0, 'core_hc', helper, 'the helper', timeoutMs, (p, _regs, on) => {
    const value = (r: number) => {
      const h = halves(design, r, config.endian);
      return bv.concat(32, p.regs[h.hi]!, 32, p.regs[h.lo]!);
    };
    const pairOf = (h: { lo: number; hi: number }) => bv.concat(32, p.regs[h.hi]!, 32, p.regs[h.lo]!);
    on('R1 is the first argument (a0-a1)', bv.eq(64, pairOf(o32(4, 5)), value(1)));
    on('R2 is the second argument (a2-a3)', bv.eq(64, pairOf(o32(6, 7)), value(2)));
    for (const r of [3, 4, 5]) {
      const at = bv.add(32, p.regs[SP]!, bv.lit(32, 16 + 8 * (r - 3)));
      on(`R${r} is in its O32 argument slot`, bv.eq(64, p.memory.load(32, at, 8, config.endian), value(r)));
    }
  });
  return { name: 'core: helper call argument placement', config: config.id, ...res, ms: Date.now() - t0 };
}

/**
 * Run `img` symbolically from word `entry` with fresh registers and claim that every path
 * reaches `callee`, with ra returning into the image and no fault; `onArrive` adds the
 * call's own claims for each path that arrives (it gets the registers the run began
 * with). Proved with sp 8-byte aligned, as the O32 ABI keeps it.
 */
async function proveCallOut(
  sym: Symbolic,
  config: Config,
  img: JitImage,
  binding: Binding,
  entry: number,
  prefix: string,
  callee: number,
  calleeName: string,
  timeoutMs: number,
  onArrive: (p: Path, regs: SymBV[], on: On) => void,
): Promise<Pick<Obligation, 'status' | 'reason' | 'path'>> {
  const bv = sym.bv;
  const regs = initialRegs(sym, prefix);
  const run = runSymbolic({
    bv, hooks: z3Hooks(sym), isa: config.isa, endian: config.endian,
    code: { base: binding.imageBase, words: [...img.words] }, entry: binding.imageBase + 4 * entry,
    regs, memory: new SymbolicMemory(sym.ctx, sym.memory(`${prefix}_mem`).bytes, 32),
  });
  const claims: Claim[] = [];
  const end = binding.imageBase + 4 * img.words.length;
  for (const p of run.paths) {
    const on: On = (what, c) => claims.push({ what, holds: bv.bor(bv.bnot(p.condition), c) });
    if (p.status !== 'exit' || p.exitPc !== callee) {
      on(`control reaches ${calleeName} (${p.fault?.message ?? `left at ${p.exitPc?.toString(16) ?? 'a computed address'}`})`, bv.F);
      continue;
    }
    onArrive(p, regs, on);
    on('ra returns into the program', bv.band(bv.ule(32, bv.lit(32, binding.imageBase), p.regs[RA]!), bv.ult(32, p.regs[RA]!, bv.lit(32, end))));
  }
  for (const f of run.faults) claims.push({ what: `no ${f.kind} fault: ${f.message}`, holds: bv.bnot(f.condition) });
  const res = await check(sym, claims, [bv.eq(32, bv.and(32, regs[SP]!, bv.lit(32, 7)), bv.lit(32, 0))], timeoutMs, `${prefix}_`);
  return { ...res, path: `${run.paths.length} path(s)` };
}

function initialRegs(sym: Symbolic, prefix: string): SymBV[] {
  const regs: SymBV[] = [sym.bv.lit(32, 0)];
  for (let r = 1; r < 32; r++) regs.push(sym.fresh(`${prefix}_${REG_NAMES[r]}`, 32));
  return regs;
}

type Path = SymbolicPath<SymBV, SymBool>;
type On = (what: string, c: SymBool) => void;

/**
 * Run `words` (at `base`) symbolically from byte `entry` and claim, prefixed by `where`:
 * no fault, and on every path that leaves the image sp and the O32 callee-saved registers
 * as in `regs`; `onExit` adds the sequence's own claims per such path. Returns the paths.
 */
function claimRun(
  sym: Symbolic,
  config: Config,
  code: { base: number; words: number[] },
  entry: number,
  regs: SymBV[],
  memory: SymbolicMemory,
  where: string,
  claims: Claim[],
  onExit: (p: Path & { exitTarget: SymBV }, on: On) => void,
): number {
  const bv = sym.bv;
  const run = runSymbolic({ bv, hooks: z3Hooks(sym), isa: config.isa, endian: config.endian, code, entry: code.base + entry, regs, memory });
  for (const p of run.paths) {
    const on: On = (what, c) => claims.push({ what: `${where}${what}`, holds: bv.bor(bv.bnot(p.condition), c) });
    if (p.status !== 'exit' || !p.exitTarget) {
      on(`no fault (${p.fault?.message ?? p.status})`, bv.F);
      continue;
    }
    on('sp restored', bv.eq(32, p.regs[SP]!, regs[SP]!));
    for (const r of O32_CALLEE_SAVED) on(`${REG_NAMES[r]} restored`, bv.eq(32, p.regs[r]!, regs[r]!));
    onExit(p as Path & { exitTarget: SymBV }, on);
  }
  for (const f of run.faults) claims.push({ what: `${where}no ${f.kind} fault: ${f.message}`, holds: bv.bnot(f.condition) });
  return run.paths.length;
}

/** Prove the claims together; when they fail, name the first failing one with a counterexample over variables named `vars...`. */
async function check(sym: Symbolic, claims: Claim[], assume: SymBool[], timeoutMs: number, vars = 'core_'): Promise<Pick<Obligation, 'status' | 'reason'>> {
  const bv = sym.bv;
  if (claims.length === 0) return { status: 'failed', reason: 'no path to check' };
  const r = await solve(sym, claims.map((c) => c.holds).reduce((a, b) => bv.band(a, b)), assume, timeoutMs);
  if (r.status !== 'failed') return { status: r.status, reason: r.reason };
  for (const c of claims) {
    const one = await solve(sym, c.holds, assume, timeoutMs);
    if (one.status === 'failed') return { status: 'failed', reason: `${c.what} (counterexample: ${JSON.stringify(Object.fromEntries(Object.entries(one.model!).filter(([k]) => k.startsWith(vars)).map(([k, v]) => [k, `0x${v.toString(16)}`])))})` };
  }
  return { status: 'failed', reason: 'the conjunction fails' };
}

/** A program that uses R6-R9 and R10, so the prologue saves every callee-saved home. */
export async function provePrologueEpilogue(sym: Symbolic, design: Design, config: Config, timeoutMs: number): Promise<Obligation> {
  const t0 = Date.now();
  const bv = sym.bv;
  const insns: Insn[] = [
    { code: MOV64_X, dst: 6, src: 1, off: 0, imm: 0 },
    { code: MOV64_X, dst: 7, src: 1, off: 0, imm: 0 },
    { code: MOV64_X, dst: 8, src: 6, off: 0, imm: 0 },
    { code: MOV64_X, dst: 9, src: 10, off: 0, imm: 0 },
    { code: MOV64_X, dst: 0, src: 9, off: 0, imm: 0 },
    EXIT,
  ];
  const binding = defaultBinding();
  const img = jit({ id: 'prologue', insns, verifierZext: false, stackDepth: 16 }, { design, config, binding });
  const regs = initialRegs(sym, 'core_pe');
  const sp0 = regs[SP]!;
  const claims: Claim[] = [];
  const r0 = halves(design, 0, config.endian);
  let paths = 0;
  const code = { base: binding.imageBase, words: [...img.words] };
  // the kernel's entry, and a tail call's (past the skipped words)
  for (const [where, entry] of [['', 0], ['tail-call entry: ', img.tailCallSkip]] as const) {
    const memory = new SymbolicMemory(sym.ctx, sym.memory('core_pe_mem').bytes, 32);
    paths += claimRun(sym, config, code, entry, regs, memory, where, claims, (p, on) => {
      on('returns to ra', bv.eq(32, p.exitTarget, regs[RA]!));
      on('v0 holds R0 (R0 = R10 here: the frame pointer the prologue set up)', bv.eq(32, p.regs[V0]!, p.regs[r0.lo]!));
    });
  }
  const assume = [bv.eq(32, bv.and(32, sp0, bv.lit(32, 7)), bv.lit(32, 0))];
  const res = await check(sym, claims, assume, timeoutMs);
  return { name: 'core: prologue and epilogue', config: config.id, path: `${paths} path(s), ${img.words.length} words`, ...res, ms: Date.now() - t0 };
}

/** `bpf_tail_call(ctx, array, index); r0 = 1; exit`, entered where a tail call enters. */
async function proveTailCall(sym: Symbolic, design: Design, config: Config, timeoutMs: number): Promise<Obligation[]> {
  const t0 = Date.now();
  const bv = sym.bv;
  const insns: Insn[] = [
    { code: op.JMP | op.CALL, dst: 0, src: 0, off: 0, imm: op.FUNC_TAIL_CALL },
    { code: op.ALU64 | op.MOV | op.K, dst: 0, src: 0, off: 0, imm: 1 },
    EXIT,
  ];
  const binding = defaultBinding();
  const { offsets } = binding;
  const img = jit({ id: 'tail_call', insns, verifierZext: false, stackDepth: 0 }, { design, config, binding });
  const regs = initialRegs(sym, 'core_tc');
  const sp0 = regs[SP]!;
  const memory = new SymbolicMemory(sym.ctx, sym.memory('core_tc_mem').bytes, 32);
  const order = config.endian;
  const w = (addr: SymBV) => new SymbolicMemory(sym.ctx, memory.bytes, 32).load(32, addr, 4, order);
  const k = (n: number) => bv.lit(32, n);
  const ary = regs[halves(design, 2, config.endian).lo]!;
  const index = regs[halves(design, 3, config.endian).lo]!;
  const maxEntries = w(bv.add(32, ary, k(offsets.arrayMaxEntries)));
  const slot = bv.add(32, bv.add(32, ary, k(offsets.arrayPtrs)), bv.shl(32, index, k(2)));
  const prog = w(slot);
  const func = w(bv.add(32, prog, k(offsets.progBpfFunc)));
  const inBounds = bv.ult(32, index, maxEntries);
  const jrT8 = binding.imageBase + 4 * [...img.words].findIndex((word) => {
    const i = decode(word, config.isa);
    return (i?.op === 'jr' || i?.op === 'jic') && i.args[0] === T8;
  });
  const claims: Claim[] = [];
  const code = { base: binding.imageBase, words: [...img.words] };
  let paths = 0;
  // entered by a tail call, the counter is whatever comes in t9; entered by the kernel,
  // it is what the prologue sets
  const entries = [
    { where: 'tail-call entry: ', entry: img.tailCallSkip, counter: regs[T9]! },
    { where: '', entry: 0, counter: k(op.MAX_TAIL_CALL_CNT) },
  ];
  for (const { where, entry, counter } of entries) {
    const counterOk = bv.slt(32, k(0), counter);
    const goes = bv.band(bv.band(inBounds, counterOk), bv.bnot(bv.eq(32, prog, k(0))));
    const mem = new SymbolicMemory(sym.ctx, memory.bytes, 32);
    paths += claimRun(sym, config, code, entry, regs, mem, where, claims, (p, on) => {
      const tail = p.trace.includes(jrT8);
      const stored = p.memory.load(32, sp0, 4, order);
      if (tail) {
        on('a tail call happens only when index < max_entries, the counter is positive and the slot is set', goes);
        on('it jumps to prog->bpf_func past the skipped prologue', bv.eq(32, p.exitTarget, bv.add(32, func, k(img.tailCallSkip))));
        on('the callee gets the counter, counted down, in t9', bv.eq(32, p.regs[T9]!, bv.sub(32, counter, k(1))));
        // R1's low word is the context the program was entered with, in a0
        on('the callee gets the context (R1\'s low word) in a0', bv.eq(32, p.regs[A0]!, regs[A0]!));
        on('ra is the caller\'s', bv.eq(32, p.regs[RA]!, regs[RA]!));
      } else {
        on('no tail call only when a check fails', bv.bnot(goes));
        on('returns to ra', bv.eq(32, p.exitTarget, regs[RA]!));
        on('r0 = 1 afterwards', bv.eq(32, p.regs[V0]!, k(1)));
        on('the counter is counted down exactly when index and counter checks pass', bv.eq(32, stored, bv.ite(bv.band(inBounds, counterOk), bv.sub(32, counter, k(1)), counter)));
      }
    });
  }
  // the kernel's objects: aligned, and not inside the program's frame or the caller's home area
  const outside = (a: SymBV, n: number) => bv.band(bv.ule(32, k(16), bv.sub(32, a, sp0)), bv.ule(32, k(FRAME_SPAN + n), bv.sub(32, sp0, a)));
  const aligned = (a: SymBV, n: number) => bv.eq(32, bv.and(32, a, k(n - 1)), k(0));
  const assume = [
    aligned(sp0, 8), aligned(ary, 8), aligned(prog, 8),
    outside(ary, offsets.arrayPtrs + 4), outside(slot, 4), outside(prog, offsets.progBpfFunc + 4),
    bv.ule(32, sp0, k(0xf0000000)), bv.ule(32, k(FRAME_SPAN * 2), sp0),
  ];
  const res = await check(sym, claims, assume, timeoutMs);
  return [{ name: 'core: tail-call sequence (bounds, counter, target)', config: config.id, path: `${paths} path(s)`, ...res, ms: Date.now() - t0 }];
}
