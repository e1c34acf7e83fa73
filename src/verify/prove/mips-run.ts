// Running what a plan emitted: its instructions go through the MIPS table's semantics on
// Z3 terms (src/mips/symexec.ts, immediates as terms via operands.ts). The core's parts
// of the sequence are modelled at their interface: the plan's conditional jump becomes
// the short branch the core lays out (to a target past the code, so a path that leaves
// there took it); `push`/`pop` save and restore the live caller-saved homes (the core's
// sw/lw to its save area, checked by the corpus runs); a kernel call clobbers every O32
// caller-saved register and does what its specification (kernel-calls.ts) says.
import type { SymBool, SymBV, Symbolic, SymbolicMemory } from '../../bv/symbolic.ts';
import type { BitVec, ByteOrder } from '../../bv/types.ts';
import type { Isa } from '../../config.ts';
import { encode, operandRange, type MipsInsn } from '../../mips/codec.ts';
import type { Decoded } from '../../mips/machine.ts';
import { expand } from '../../mips/pseudo.ts';
import { O32_CALLER_SAVED, REG_NAMES, SP } from '../../mips/regs.ts';
import { runSymbolic, z3Hooks, type ConditionalFault } from '../../mips/symexec.ts';
import { hasIsa, lookup } from '../../mips/table.ts';
import type { Pair } from '../../jit/walk.ts';
import { KERNEL_SPECS } from './kernel-calls.ts';
import { STRUCTURAL_OPS, SYMBOLIC_KINDS, SymbolicOperands } from './operands.ts';
import type { PlanItem } from './plan-paths.ts';

/** Where the code runs; the branch target of a taken jump lies past the code. */
export const CODE_BASE = 0x80400000;
const TAKEN_GAP = 0x100;
/** Steps per block: enough for a few retries of an ll/sc loop, then the path is cut. */
const MAX_STEPS = 20;
/** The JIT's outgoing-argument area at the bottom of its frame: the O32 home area of the
 *  callee (16 bytes, which the callee may overwrite) and three 64-bit argument slots. */
export const OUTGOING_BYTES = 40;

export interface MachineState {
  regs: SymBV[];
  hi: SymBV;
  lo: SymBV;
  memory: SymbolicMemory;
}

export interface RunInput {
  sym: Symbolic;
  isa: Isa;
  endian: ByteOrder;
  start: MachineState;
  items: readonly PlanItem[];
  /** MIPS registers `push` saves (the live caller-saved homes of BPF R0-R5). */
  liveCallerSaved: readonly number[];
  /** v0-v1 as a pair in the target's byte order. */
  ret: Pair;
  /** The machine's arithmetic (default: the symbolic backend; the prover may abstract products). */
  bv?: BitVec<SymBV, SymBool>;
  /** Names fresh constants uniquely within one obligation. */
  fresh: (name: string, w: number) => SymBV;
}

export interface RunEnd extends MachineState {
  /** Run-time path condition (branches inside the code, ll/sc outcomes). */
  condition: SymBool;
  status: 'exit' | 'fault' | 'budget';
  /** Whether the path left through the plan's jump (undefined: the plan has none). */
  taken?: boolean;
  problem?: string;
}

export interface Requirement {
  what: string;
  /** Holds on the path where it was met (path condition included as an implication). */
  holds: SymBool;
}

export interface RunResult {
  ends: RunEnd[];
  /** Alignment faults that may happen, each with its condition. */
  faults: ConditionalFault<SymBool>[];
  /** Symbolic operands must fit their fields; callees' preconditions must hold. */
  requirements: Requirement[];
  /** Instructions that cannot be encoded for the ISA at all. */
  encodingErrors: string[];
  /** The emitted code as text (symbolic operands shown by their expressions). */
  listing: string[];
  called: boolean;
  /** The conditions standing for "the sc found its link intact", in creation order. */
  links: SymBool[];
}

type Block = { k: 'code'; insns: { insn: MipsInsn; text: string }[]; jumpAt?: number } | { k: 'kcall'; fn: string } | { k: 'save'; kind: 'push' | 'pop'; except: number[] };

export function runItems(input: RunInput): RunResult {
  const { sym } = input;
  const ops = new SymbolicOperands(sym, input.bv);
  const bv = sym.bv;
  const result: RunResult = { ends: [], faults: [], requirements: [], encodingErrors: [], listing: [], called: false, links: [] };
  const blocks = toBlocks(input, ops, result);
  // code that does not encode is not run (an operand may not even be a register)
  if (result.encodingErrors.length) return result;

  interface Live extends MachineState {
    condition: SymBool;
  }
  let states: Live[] = [{ ...input.start, regs: [...input.start.regs], condition: bv.T }];
  let saved: Map<number, SymBV>[] = [new Map()];

  for (let bi = 0; bi < blocks.length; bi++) {
    const b = blocks[bi]!;
    const last = bi === blocks.length - 1;
    const next: Live[] = [];
    const nextSaved: Map<number, SymBV>[] = [];
    states.forEach((st, si) => {
      const keep = saved[si]!;
      if (b.k === 'save') {
        const regs = [...st.regs];
        const snap = new Map(keep);
        for (const r of input.liveCallerSaved) {
          if (b.except.includes(r)) continue;
          if (b.kind === 'push') snap.set(r, regs[r]!);
          else if (snap.has(r)) regs[r] = snap.get(r)!;
        }
        next.push({ ...st, regs });
        nextSaved.push(snap);
        return;
      }
      if (b.k === 'kcall') {
        result.called = true;
        next.push(kernelCall(input, st, b.fn, result));
        nextSaved.push(keep);
        return;
      }
      const end = CODE_BASE + 4 * b.insns.length;
      const taken = end + TAKEN_GAP;
      const run = runSymbolic({
        bv: ops.bv,
        hooks: z3Hooks(sym),
        isa: input.isa,
        endian: input.endian,
        code: { base: CODE_BASE, words: [], decoded: b.insns.map((x) => decodedOf(x.insn)) },
        regs: st.regs,
        hi: st.hi,
        lo: st.lo,
        memory: st.memory,
        maxSteps: MAX_STEPS,
        linkHolds: () => {
          const l = sym.ctx.Bool.const(`sc_link_${result.links.length}`);
          result.links.push(l);
          return l;
        },
      });
      for (const f of run.faults) result.faults.push({ ...f, condition: bv.band(st.condition, f.condition) });
      for (const p of run.paths) {
        const condition = bv.band(st.condition, p.condition);
        const state: MachineState = { regs: p.regs, hi: p.hi, lo: p.lo, memory: p.memory as SymbolicMemory };
        if (p.status !== 'exit') {
          result.ends.push({ ...state, condition, status: p.status, problem: p.fault?.message ?? 'step budget exhausted' });
          continue;
        }
        if (p.exitPc === end && !last) {
          next.push({ ...state, condition });
          nextSaved.push(keep);
          continue;
        }
        if (p.exitPc === end || (p.exitPc === taken && b.jumpAt !== undefined)) {
          const jumped = b.jumpAt === undefined ? undefined : p.exitPc === taken;
          result.ends.push({ ...state, condition, status: 'exit', taken: jumped });
          continue;
        }
        const where = p.exitPc !== undefined ? `0x${p.exitPc.toString(16)}` : 'a computed address';
        result.ends.push({ ...state, condition, status: 'fault', problem: `control left the code at ${where}` });
      }
    });
    states = next;
    saved = nextSaved;
  }
  for (const st of states) result.ends.push({ ...st, status: 'exit' });
  return result;
}

function decodedOf(insn: MipsInsn): Decoded<SymBV, SymBool> {
  const def = lookup(insn.op)!;
  const args = insn.args;
  return { def, word: 0, flow: def.flow, exec: (m) => def.sem(m, args) };
}

/** Items to blocks of instructions (operands resolved, checked) and core actions. */
function toBlocks(input: RunInput, ops: SymbolicOperands, result: RunResult): Block[] {
  const { sym } = input;
  const hooks = z3Hooks(sym);
  const blocks: Block[] = [];
  let code: Extract<Block, { k: 'code' }> | undefined;
  const push = (insn: MipsInsn, text: string) => {
    if (!code) blocks.push((code = { k: 'code', insns: [] }));
    code.insns.push({ insn, text });
    result.listing.push(text);
  };
  for (const it of input.items) {
    if (it.k === 'insn') {
      const raw: number[] = [];
      const shown: string[] = [];
      for (const a of it.args) {
        const v = hooks.valueOf(a);
        if (v !== undefined) {
          raw.push(Number(v));
          shown.push(String(Number(BigInt.asIntN(32, v))));
        } else {
          raw.push(ops.token(a));
          shown.push(`{${a.toString()}}`);
        }
      }
      const real = checkInsn(expand(it.op, raw), input, ops, result);
      push(real, `${it.op} ${shown.join(', ')}`);
    } else if (it.k === 'jump' || it.k === 'exit') {
      // the core's short form: the branch (to a target set below) and its delay slot
      const op = it.k === 'exit' ? 'ja' : it.op;
      const regs = it.k === 'exit' ? [] : it.regs;
      if (!code) blocks.push((code = { k: 'code', insns: [] }));
      code.jumpAt = code.insns.length;
      push({ op, args: [...regs] }, `${op} ${regs.map((r) => REG_NAMES[r]).join(', ')}${regs.length ? ', ' : ''}<target>`);
      push({ op: 'nop', args: [] }, 'nop');
    } else if (it.k === 'kcall') {
      code = undefined;
      blocks.push({ k: 'kcall', fn: it.fn });
      result.listing.push(`<call ${it.fn}>`);
    } else {
      code = undefined;
      blocks.push({ k: 'save', kind: it.kind, except: it.except });
      result.listing.push(`<${it.kind} live caller-saved${it.except.length ? ` except ${it.except.map((r) => REG_NAMES[r]).join(',')}` : ''}>`);
    }
  }
  // branch offsets to the taken target, now that each block's length is known
  for (const b of blocks) {
    if (b.k !== 'code' || b.jumpAt === undefined) continue;
    const at = b.jumpAt;
    const taken = 4 * b.insns.length + TAKEN_GAP;
    const j = b.insns[at]!.insn;
    const off = taken - 4 * (at + 1);
    const real = j.op === 'ja' ? expand('b', [off]) : expand(j.op, [...j.args, off]);
    b.insns[at]!.insn = checkInsn(real, input, ops, result);
  }
  if (blocks.length === 0) blocks.push({ k: 'code', insns: [] });
  return blocks;
}

/** Normalise constant operands as the core does, check the encoding, note operand ranges. */
function checkInsn(insn: MipsInsn, input: RunInput, ops: SymbolicOperands, result: RunResult): MipsInsn {
  const { isa, sym } = input;
  const def = lookup(insn.op);
  if (!def) {
    result.encodingErrors.push(`unknown MIPS instruction '${insn.op}'`);
    return { op: 'nop', args: [] };
  }
  if (!hasIsa(def, isa)) {
    result.encodingErrors.push(`${insn.op} does not exist on ${isa}`);
    return insn;
  }
  const probe: number[] = [];
  insn.args.forEach((v, i) => {
    const o = def.operands[i];
    if (!o) return;
    if (!ops.isToken(v)) {
      const n = o.kind === 'simm' || o.kind === 'broff' ? v | 0 : v >>> 0;
      insn.args[i] = n;
      probe.push(n);
      return;
    }
    if (!SYMBOLIC_KINDS.has(o.kind) || STRUCTURAL_OPS.has(def.op)) {
      result.encodingErrors.push(`${insn.op}: operand ${o.name} depends on imm/off but must be a constant`);
      probe.push(0);
      return;
    }
    const [min, max] = operandRange(def, isa, i, probe);
    const t = ops.termOf(v);
    const bv = sym.bv;
    result.requirements.push({
      what: `${insn.op}: operand ${o.name} fits its field (${min}..${max})`,
      holds: bv.band(bv.sle(32, bv.lit(32, min), t), bv.sle(32, t, bv.lit(32, max))),
    });
    probe.push(min);
  });
  try {
    encode({ op: insn.op, args: probe }, isa);
  } catch (e) {
    result.encodingErrors.push((e as Error).message);
  }
  return insn;
}

/** A kernel call: read the arguments, clobber the caller-saved registers, apply the spec. */
function kernelCall(input: RunInput, st: MachineState & { condition: SymBool }, fn: string, result: RunResult): MachineState & { condition: SymBool } {
  const { sym, endian } = input;
  const bv = input.bv ?? sym.bv;
  const spec = KERNEL_SPECS[fn];
  const regs = [...st.regs];
  const memory = forkMemory(st.memory);
  const word = (r: number) => regs[r]!;
  const pair = (first: number, second: number) => (endian === 'be' ? bv.concat(32, word(first), 32, word(second)) : bv.concat(32, word(second), 32, word(first)));
  if (!spec) {
    result.encodingErrors.push(`call of ${fn}, which has no specification`);
    return { ...st, regs };
  }
  const sp = regs[SP]!;
  const effect = spec({
    bv,
    order: endian,
    mem: memory,
    arg64: (slot) => (slot === 4 ? memory.load(32, bv.add(32, sp, bv.lit(32, 16)), 8, endian) : pair(4 + slot, 5 + slot)),
    argWord: (slot) => word(4 + slot),
  });
  for (const r of effect.requires) result.requirements.push({ what: `${fn}: ${r.what}`, holds: bv.bor(bv.bnot(st.condition), r.holds) });
  // the callee may use its O32 home area and every caller-saved register
  for (let k = 0; k < 4; k++) memory.store(32, bv.add(32, sp, bv.lit(32, 4 * k)), 4, endian, input.fresh(`${fn}_home${k}`, 32));
  for (const r of O32_CALLER_SAVED) regs[r] = input.fresh(`${fn}_${REG_NAMES[r]}`, 32);
  if (effect.ret) {
    regs[input.ret.lo] = bv.extract(31, 0, effect.ret);
    regs[input.ret.hi] = bv.extract(63, 32, effect.ret);
  }
  return { regs, hi: input.fresh(`${fn}_hi`, 32), lo: input.fresh(`${fn}_lo`, 32), memory, condition: st.condition };
}

function forkMemory(m: SymbolicMemory): SymbolicMemory {
  const copy = Object.create(Object.getPrototypeOf(m) as object) as SymbolicMemory;
  Object.assign(copy, m);
  (copy as { accesses: unknown[] }).accesses = [...m.accesses];
  return copy;
}
