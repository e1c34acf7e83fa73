// Running a JITed program in the MIPS simulator the way the kernel runs it: the image at
// the address it was compiled for, called as `bpf_func(ctx, insn)` (O32), with kernel
// functions and helpers as native routines, and for tail calls a `struct bpf_array` of
// `struct bpf_prog`s in memory at the binding's offsets.
import { ConcreteMemory } from '../bv/memory.ts';
import type { Config } from '../config.ts';
import * as bpf from '../bpf/opcodes.ts';
import type { Program, TestProgram } from '../bpf/program.ts';
import { defaultHelpers, type Helper } from '../bpf/helpers.ts';
import { MipsFault } from '../mips/machine.ts';
import { Simulator } from '../mips/sim.ts';
import { O32_CALLER_SAVED, RA, SP } from '../mips/regs.ts';
import { modelledKfuncs, narrowArg, type Kfunc } from '../bpf/kfuncs.ts';
import { o32Slots } from '../jit/o32.ts';
import { halves, type Design } from '../jit/design.ts';
import { jit, JitDecline } from '../jit/core.ts';
import { blindConstants } from '../jit/blind.ts';
import { KERNEL_FUNCTIONS, defaultBinding, symbolAddress, type Binding } from '../jit/binding.ts';
import { bindTailCalls } from './corpus/model.ts';
import { runSubtests, type Outcome } from './test-run.ts';
import { InputError } from '../errors.ts';

/** Where the runner puts things in the simulated 32-bit address space. */
export const LAYOUT = {
  ctx: 0x1000_0000,
  progArray: 0x2000_0000,
  progStructs: 0x2001_0000,
  stackTop: 0x7f01_0000,
  stackBytes: 0x1_0000,
  /** Images of tail-call targets follow the program's own, this far apart. */
  imageStride: 0x10_0000,
} as const;

export interface JitRunContext {
  design: Design;
  config: Config;
  binding: Binding;
  budget?: number;
  /** Blind constants first (`--harden`), with random numbers from this seed. */
  hardenSeed?: number;
  /**
   * Images made elsewhere (the host harness running real kernel C), instead of the
   * model's: the words for a program built for `base`, or a reason the JIT refused it.
   */
  imageFor?: (p: Program, base: number) => Uint32Array | { refused: string };
}

/** Kernel helper names the runner binds, by helper id (the interpreter's stubs). */
export function helperSymbol(h: Helper): string {
  return `bpf_${h.name}`;
}

/**
 * The helper table of a corpus program: the interpreter's stubs, with bpf_test_func at
 * the id its tree gives it (test_bpf uses `__BPF_FUNC_MAX_ID`).
 */
export function helpersFor(prog: Pick<TestProgram, 'helpers'>): Map<number, Helper> {
  return defaultHelpers(prog.helpers?.find((h) => h.name === 'test_func')?.id);
}

/**
 * One binding for every corpus program: the kernel functions, every helper stub,
 * bpf_test_func included (its symbol does not depend on its id), the modelled kfuncs,
 * plus `extra` helpers.
 */
export function corpusBinding(extra: ReadonlyMap<number, Helper> = new Map()): Binding {
  const names = new Set([...defaultHelpers(-1).values(), ...extra.values()].map(helperSymbol));
  for (const k of modelledKfuncs()) names.add(k.name);
  return defaultBinding([...names]);
}

/**
 * What the kernel does before it JITs a program: helper calls carry
 * `func - __bpf_call_base` in imm (test_bpf's prepare step; the verifier's fixup for
 * loaded programs), and so do kfunc calls (the verifier's fixup_kfunc_call, on a JIT
 * without far kfunc calls), which name their function by its index in `prog.kfuncs`
 * until then. The model and the harness both get the program rewritten this way.
 */
export function bindCalls<P extends Program>(prog: P, helpers: ReadonlyMap<number, Helper>, b: Binding): P {
  const isCall = (i: bpf.Insn): boolean => i.code === (bpf.JMP | bpf.CALL);
  if (!prog.insns.some((i) => isCall(i) && (i.src === bpf.PSEUDO_KFUNC_CALL || (i.src === 0 && i.imm !== bpf.FUNC_TAIL_CALL)))) return prog;
  const insns = prog.insns.map((i) => {
    if (!isCall(i)) return i;
    if (i.src === bpf.PSEUDO_KFUNC_CALL) {
      const k = prog.kfuncs?.[i.imm];
      if (!k) throw new InputError(`${prog.id}: kfunc call of #${i.imm}, which the program does not declare`);
      return { ...i, imm: (symbolAddress(b, k.name) - b.callBase) | 0 };
    }
    if (i.src !== 0) return i;
    const h = helpers.get(i.imm);
    if (!h) return i;
    return { ...i, imm: (symbolAddress(b, helperSymbol(h)) - b.callBase) | 0 };
  });
  return { ...prog, insns };
}

export interface Machine {
  sim: Simulator;
  memory: ConcreteMemory;
  images: Uint32Array[];
  /** Entry of the program under test. */
  entry: number;
  /** Index of the program under test in `images`. */
  self: number;
}

/**
 * The programs whose images a run of `prog` needs, in image order (image k is built for
 * imageBase + k * LAYOUT.imageStride): `prog` alone, or for tail calls every program of
 * its prog array, bound to the array's address.
 */
export function imagePrograms(prog: TestProgram): TestProgram[] {
  const targets = prog.tailCallTargets;
  if (!targets) return [prog];
  const members = [...new Set(targets.filter((t): t is TestProgram => t !== null))];
  if (!members.some((m) => m.id === prog.id)) members.unshift(prog);
  return bindTailCalls(members, LAYOUT.progArray);
}

/** JIT `prog` (and its tail-call targets) and set up a simulator that can run it. */
export function loadMachine(prog: TestProgram, rc: JitRunContext, helpers: ReadonlyMap<number, Helper>): Machine {
  const { config, binding, design } = rc;
  const memory = new ConcreteMemory();
  const sim = new Simulator({ isa: config.isa, endian: config.endian, memory });
  sim.emulateUnaligned = true; // JITed code runs in the kernel, which emulates them
  memory.map('stack', LAYOUT.stackTop - LAYOUT.stackBytes, new Uint8Array(LAYOUT.stackBytes));

  // Tail calls: every program of the array gets its own image and struct bpf_prog.
  const programs = imagePrograms(prog);
  const targets = prog.tailCallTargets;
  const images = programs.map((p, k) => {
    const base = (binding.imageBase + k * LAYOUT.imageStride) >>> 0;
    const bound = bindCalls(p, helpers, binding);
    const input = rc.hardenSeed === undefined ? bound : blindConstants(bound, rc.hardenSeed);
    let words: Uint32Array;
    if (rc.imageFor) {
      const got = rc.imageFor(input, base);
      if (!(got instanceof Uint32Array)) throw new JitDecline(p.id, 0, '-', got.refused);
      words = got;
    } else {
      words = jit(input, { design, config, binding: { ...binding, imageBase: base } }).words;
    }
    const bytes = new Uint8Array(words.length * 4 || 4);
    const view = new DataView(bytes.buffer);
    words.forEach((w, i) => view.setUint32(4 * i, w, config.endian === 'le'));
    memory.map(`image:${p.id}`, base, bytes, false);
    return words;
  });
  if (targets) mapProgArray(memory, rc, programs, targets);
  const self = programs.findIndex((p) => p.id === prog.id);

  for (const name of KERNEL_FUNCTIONS) sim.registerNative(symbolAddress(binding, name), KERNEL[name]);
  for (const k of modelledKfuncs()) {
    const addr = binding.symbols.get(k.name);
    if (addr !== undefined) sim.registerNative(addr, (s) => kfuncNative(s, k));
  }
  for (const h of helpers.values()) {
    const addr = binding.symbols.get(helperSymbol(h));
    if (addr === undefined) continue;
    sim.registerNative(addr, (s) => {
      const args = [0, 2, 4, 6, 8].map((w) => s.arg64(w));
      s.return64(h.call(args, { mem: memory, order: config.endian }));
    });
  }
  return { sim, memory, images, entry: (binding.imageBase + self * LAYOUT.imageStride) >>> 0, self };
}

function mapProgArray(memory: ConcreteMemory, rc: JitRunContext, programs: TestProgram[], targets: (TestProgram | null)[]): void {
  const { offsets, imageBase } = rc.binding;
  const le = rc.config.endian === 'le';
  const array = new Uint8Array(offsets.arrayPtrs + 4 * targets.length);
  const av = new DataView(array.buffer);
  av.setUint32(offsets.arrayMaxEntries, targets.length, le);
  const structSize = offsets.progBpfFunc + 4;
  const structs = new Uint8Array(structSize * programs.length);
  const sv = new DataView(structs.buffer);
  programs.forEach((_, k) => sv.setUint32(k * structSize + offsets.progBpfFunc, imageBase + k * LAYOUT.imageStride, le));
  targets.forEach((t, i) => {
    const k = t ? programs.findIndex((p) => p.id === t.id) : -1;
    av.setUint32(offsets.arrayPtrs + 4 * i, k >= 0 ? LAYOUT.progStructs + k * structSize : 0, le);
  });
  memory.map('bpf_array', LAYOUT.progArray, array, false);
  memory.map('bpf_prog', LAYOUT.progStructs, structs, false);
}

/**
 * Run the machine's program once on `ctx` (null: R1 = NULL, or `r1` when given: the
 * 32-bit value the kernel would pass); returns v0 (R0's low word).
 */
export function runOnce(m: Machine, ctx: Uint8Array | null, budget = 100_000_000, r1 = 0): number {
  m.memory.unmap('ctx');
  if (ctx) m.memory.map('ctx', LAYOUT.ctx, ctx);
  m.sim.setReg(SP, LAYOUT.stackTop - 64);
  return m.sim.call(m.entry, [ctx ? LAYOUT.ctx : r1], budget);
}

const mask64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);

/** Kernel functions the designs call, with the kernel's semantics. */
const KERNEL: Record<(typeof KERNEL_FUNCTIONS)[number], (s: Simulator) => void> = {
  div64_u64: (s) => s.return64(divide(s, 'div64_u64', (a, b) => a / b)),
  jit_mod64: (s) => s.return64(divide(s, 'jit_mod64', (a, b) => a % b)),
  div64_s64: (s) => s.return64(mask64(divide(s, 'div64_s64', (a, b) => s64(a) / s64(b)))),
  jit_smod64: (s) => s.return64(mask64(divide(s, 'jit_smod64', (a, b) => s64(a) % s64(b)))),
  jit_xchg64: (s) => atomic(s, (_old, v) => v, true),
  atomic64_add: (s) => atomic(s, (o, v) => o + v, false),
  atomic64_fetch_add: (s) => atomic(s, (o, v) => o + v, true),
  atomic64_and: (s) => atomic(s, (o, v) => o & v, false),
  atomic64_fetch_and: (s) => atomic(s, (o, v) => o & v, true),
  atomic64_or: (s) => atomic(s, (o, v) => o | v, false),
  atomic64_fetch_or: (s) => atomic(s, (o, v) => o | v, true),
  atomic64_xor: (s) => atomic(s, (o, v) => o ^ v, false),
  atomic64_fetch_xor: (s) => atomic(s, (o, v) => o ^ v, true),
  atomic64_sub: (s) => atomic(s, (o, v) => o - v, false),
  atomic64_fetch_sub: (s) => atomic(s, (o, v) => o - v, true),
  atomic64_cmpxchg: (s) => {
    // s64 atomic64_cmpxchg(atomic64_t *v, s64 old, s64 new): v in a0, old in a2-a3, new on the stack
    const addr = s.argWord(0);
    const expected = s.arg64(2);
    const replacement = s.arg64(4);
    const old = s.memory.load(32, addr, 8, s.endian) as bigint;
    if (old === expected) s.memory.store(32, addr, 8, s.endian, replacement);
    s.return64(old);
  },
};


/**
 * A kfunc as compiled C would run it: each argument read from its O32 slot and narrowed
 * to its C type, the result in v0 (v0/v1 for 64 bits), and every caller-saved register
 * left with junk, so code that relied on one surviving the call fails here.
 */
function kfuncNative(s: Simulator, k: Kfunc): void {
  const slots = o32Slots(k.argSizes);
  const args = k.argSizes.map((size, i) => {
    if (size > 4) return s.arg64(slots[i]!);
    const word = BigInt(s.argWord(slots[i]!));
    const arg = narrowArg(k, i, word);
    // O32 hands a char or short over extended to 32 bits; the C callee relies on it
    if (BigInt.asUintN(32, arg) !== word) {
      throw new MipsFault(s.pc, 'kcall', `${k.name}: argument ${i + 1} (${size} bytes) is 0x${word.toString(16)}, not extended to 32 bits as O32 requires`);
    }
    return arg;
  });
  const ret = k.call(args);
  // ra stays: the native routine returns through it
  for (const r of O32_CALLER_SAVED) if (r !== RA) s.setReg(r, 0xdead0000 + r);
  if (k.retSize > 4) s.return64(ret);
  else s.return32(Number(BigInt.asUintN(32, ret)));
}

/** A 64-bit division in a kernel function: a zero divisor is outside its contract (the
 * kernel's C has no check; the verifier rewrites x/0 before a JIT sees it). */
function divide(s: Simulator, fn: string, f: (a: bigint, b: bigint) => bigint): bigint {
  const a = s.arg64(0);
  const b = s.arg64(2);
  if (b === 0n) throw new MipsFault(s.pc, 'kcall', `${fn} with divisor 0 (the verifier rewrites x/0 first: see --verifier-rewrites)`);
  return f(a, b);
}

/** `atomic64_op(s64 i, atomic64_t *v)`: i in a0-a1, v in a2; fetch variants return the old value. */
function atomic(s: Simulator, f: (old: bigint, v: bigint) => bigint, fetch: boolean): void {
  const v = s.arg64(0);
  const addr = s.argWord(2);
  const old = s.memory.load(32, addr, 8, s.endian) as bigint;
  s.memory.store(32, addr, 8, s.endian, mask64(f(old, v)));
  if (fetch) s.return64(old);
}

export { defaultHelpers };

/** Outcome of one program JITed: the test's outcome plus what the image cost. */
export type JitOutcome = (Outcome & { declined?: boolean }) & {
  /** Instructions of the images executed (tail-call targets' too), calls excluded. */
  steps?: number;
  /** Calls of kernel functions and helpers made. */
  kcalls?: number;
  words?: number;
};

/** Run one corpus program JITed, as lib/test_bpf.c's runner does (test-run.ts). */
export function runTestJit(prog: TestProgram, rc: JitRunContext, helpers: ReadonlyMap<number, Helper>): JitOutcome {
  let m: Machine;
  try {
    m = loadMachine(prog, rc, helpers);
  } catch (err) {
    const e = err as Error;
    if (!(err instanceof InputError) && e.name !== 'EncodeError') throw err;
    return { ok: false, expected: null, got: null, reason: e.message, declined: e.name === 'JitDecline' };
  }
  const before = m.sim.steps;
  const callsBefore = m.sim.nativeCalls;
  const out = runSubtests(prog, rc.config.endian, (ctx) => runOnce(m, ctx, rc.budget));
  const kcalls = m.sim.nativeCalls - callsBefore;
  return { ...out, steps: m.sim.steps - before - kcalls, kcalls, words: m.images[m.self]!.length };
}

/**
 * Run one program (not from a corpus) JITed: R1 points to `ctx`, or is the low word of a
 * preset R1 (the kernel passes a 32-bit pointer in a0, and the prologue zero-extends it);
 * the other registers of `regs` are preset in their MIPS homes. Returns v0, which is what
 * `bpf_func` returns: R0's low 32 bits.
 */
export function runProgramJit(
  prog: Program,
  rc: JitRunContext,
  ctx: Uint8Array | null,
  regs: ReadonlyMap<number, bigint>,
  helpers: ReadonlyMap<number, Helper> = defaultHelpers(),
): { r0: number; steps: number } {
  const test = { ...prog, corpus: '', index: 0, name: prog.id, flags: 0, data: new Uint8Array(), expect: [] } as TestProgram;
  // the helpers get addresses beside whatever the caller's table binds
  const symbols = new Map([...corpusBinding(helpers).symbols, ...rc.binding.symbols]);
  const m = loadMachine(test, { ...rc, binding: { ...rc.binding, symbols } }, helpers);
  for (const [r, v] of regs) {
    if (r === 1) continue;
    const h = halves(rc.design, r, rc.config.endian);
    m.sim.setReg(h.lo, Number(v & 0xffffffffn));
    m.sim.setReg(h.hi, Number(v >> 32n));
  }
  const before = m.sim.steps;
  // without a context, a preset R1 reaches the program as the pointer argument (a0):
  // the prologue zero-extends it, as the kernel's 32-bit context pointer
  const r1 = Number((regs.get(1) ?? 0n) & 0xffffffffn);
  const r0 = runOnce(m, ctx, rc.budget, r1);
  return { r0, steps: m.sim.steps - before };
}
