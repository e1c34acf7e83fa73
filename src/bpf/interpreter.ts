// The reference interpreter: the concrete driver of src/bpf/semantics.ts. It owns what
// the semantics leaves to a machine: the program counter, the memory map (a 512-byte
// stack per frame, the context buffer), helper calls, bpf2bpf frames, tail calls through
// a program array, and an instruction budget. Addresses live in a 32-bit space (the
// target is 32-bit): a pointer is a u32 with a zero high word.
import { concrete, type Num } from '../bv/concrete.ts';
import { ConcreteMemory, type Region } from '../bv/memory.ts';
import { MemoryFault, type ByteOrder } from '../bv/types.ts';
import { defaultHelpers, type HelperTable } from './helpers.ts';
import { kfuncByName, kfuncResult, narrowArg, sameProto } from './kfuncs.ts';
import * as op from './opcodes.ts';
import type { Program } from './program.ts';
import { insnHex } from './codec.ts';
import { compile, ReservedInsn, type BpfState, type Exec, type SemEnv } from './semantics.ts';

/** Where the context buffer R1 points to is mapped. */
export const CTX_BASE = 0x1000_0000;
/** Frame k's stack occupies [STACK_BASE + k * FRAME_GAP, + MAX_BPF_STACK); R10 is its end. */
export const STACK_BASE = 0x7f00_0000;
const FRAME_GAP = 0x1_0000;
/** The kernel's limit on nested bpf2bpf frames (MAX_CALL_FRAMES). */
export const MAX_CALL_FRAMES = 8;
/** Default value a program sees as the address of the tail-call program array (never mapped). */
export const PROG_ARRAY_ADDR = 0x2000_0000n;
export const DEFAULT_BUDGET = 50_000_000;

export type FaultKind = 'bounds' | 'reserved' | 'budget' | 'call' | 'pc';

/** A run that stopped abnormally; the message names the program and instruction. */
export class BpfFault extends Error {
  constructor(
    readonly kind: FaultKind,
    readonly pc: number,
    message: string,
  ) {
    super(message);
    this.name = 'BpfFault';
  }
}

/** The programs a tail call can reach: `bpf_array.ptrs[]`, by index. */
export interface ProgArray {
  /** The value R2 holds at a tail call through this array (default PROG_ARRAY_ADDR). */
  addr?: bigint;
  entries: readonly (Program | null)[];
  /** `map.max_entries`; indices at or above it fail the tail call. Default: entries.length. */
  maxEntries?: number;
}

export interface InterpOptions {
  /** Target byte order (memory and BPF_END). */
  order: ByteOrder;
  helpers?: HelperTable;
  progArray?: ProgArray;
  /** MAX_TAIL_CALL_CNT of the kernel modelled (33 in 6.12). */
  maxTailCalls?: number;
  /** Instructions one run may execute before it is stopped. */
  budget?: number;
  /** Value of LD_IMM64 with a pseudo src_reg (maps); none: such programs fault. */
  ldImm64Pseudo?: SemEnv<Num>['ldImm64Pseudo'];
}

export interface RunInput {
  /** The buffer R1 points to; null or absent: R1 = 0 (test_bpf's FLAG_NO_DATA). */
  ctx?: Uint8Array | null;
  /** Registers preset before the run (R0-R9), as u64; R1 overrides the context pointer. */
  regs?: ReadonlyMap<number, bigint>;
}

export interface RunResult {
  /** R0 at the outermost EXIT, as u64. */
  r0: bigint;
  /** Instructions executed. */
  steps: number;
}

/** A program's instructions and their closures, compiled on first execution. */
interface Compiled {
  insns: readonly op.Insn[];
  code: (Exec<Num, boolean> | undefined)[];
  /** Instructions executed once already (their closure is cached from the second time). */
  seen: Uint8Array;
}

interface Frame {
  prog: Program;
  code: Compiled;
  returnPc: number;
  regs: Num[];
}

/** Registers R0-R10 plus AX. */
const NREGS = 12;

/** Runs one program (and what it tail-calls) any number of times; closures are cached. */
export class Interpreter {
  private readonly env: SemEnv<Num>;
  private readonly helpers: HelperTable;
  private readonly budget: number;
  private readonly maxTailCalls: number;
  private readonly code = new Map<Program, Compiled>();
  private readonly mem = new ConcreteMemory();
  private readonly frames: Region[] = [];

  constructor(
    readonly prog: Program,
    private readonly opts: InterpOptions,
  ) {
    this.env = { order: opts.order, ldImm64Pseudo: opts.ldImm64Pseudo };
    this.helpers = opts.helpers ?? defaultHelpers();
    this.budget = opts.budget ?? DEFAULT_BUDGET;
    this.maxTailCalls = opts.maxTailCalls ?? op.MAX_TAIL_CALL_CNT;
    for (let k = 0; k < MAX_CALL_FRAMES; k++) {
      this.frames.push(this.mem.map(`stack${k}`, STACK_BASE + k * FRAME_GAP, new Uint8Array(op.MAX_BPF_STACK)));
    }
  }

  private closures(prog: Program): Compiled {
    let c = this.code.get(prog);
    if (!c) {
      // read `insns` once: corpus programs decode it lazily on each access
      const insns = prog.insns;
      c = { insns, code: new Array<Exec<Num, boolean> | undefined>(insns.length), seen: new Uint8Array(insns.length) };
      this.code.set(prog, c);
    }
    return c;
  }

  /** Run from instruction 0 with fresh stacks and registers; the ctx buffer is shared. */
  run(input: RunInput = {}): RunResult {
    const mem = this.mem;
    for (const f of this.frames) f.bytes.fill(0);
    mem.unmap('ctx');
    const ctx = input.ctx ?? null;
    if (ctx && ctx.length > 0) mem.map('ctx', CTX_BASE, ctx);
    const regs: Num[] = new Array<Num>(NREGS).fill(0n);
    regs[1] = ctx ? BigInt(CTX_BASE) : 0n;
    regs[op.REG_FP] = BigInt(STACK_BASE + op.MAX_BPF_STACK);
    for (const [r, v] of input.regs ?? []) {
      if (r < 0 || r > 9) throw new RangeError(`register r${r} cannot be preset (r0-r9 only)`);
      regs[r] = BigInt.asUintN(64, v);
    }
    const st: BpfState<Num> = { regs, mem };
    return this.loop(st);
  }

  private loop(st: BpfState<Num>): RunResult {
    const stack: Frame[] = [];
    let prog = this.prog;
    let compiled = this.closures(prog);
    let { code, insns, seen } = compiled;
    let pc = 0;
    let steps = 0;
    let tailCalls = 0;
    const budget = this.budget;
    try {
      for (;;) {
        if (pc < 0 || pc >= code.length) {
          throw new BpfFault('pc', pc, `${prog.id}: control reaches insn ${pc}, outside the program (0..${code.length - 1})`);
        }
        if (++steps > budget) {
          throw new BpfFault('budget', pc, `${prog.id}: insn ${pc}: instruction budget of ${budget} exhausted (runaway program?)`);
        }
        let exec = code[pc];
        if (exec === undefined) {
          exec = compile(concrete, insns[pc]!, pc, insns[pc + 1], this.env);
          // keep the closure from the second execution on: most generated test programs
          // run each instruction once, and closures kept alive only load the GC
          if (seen[pc]) code[pc] = exec;
          else seen[pc] = 1;
        }
        const e = exec(st);
        switch (e.kind) {
          case 'next':
            pc += e.size;
            break;
          case 'branch':
            pc = e.taken ? e.target : pc + 1;
            break;
          case 'exit': {
            const caller = stack.pop();
            if (!caller) return { r0: st.regs[0] as bigint, steps };
            const r0 = st.regs[0]!;
            st.regs = caller.regs;
            st.regs[0] = r0;
            prog = caller.prog;
            compiled = caller.code;
            ({ code, insns, seen } = compiled);
            pc = caller.returnPc;
            break;
          }
          case 'call':
            if (e.callee === 'local') {
              if (stack.length + 1 >= MAX_CALL_FRAMES) {
                throw new BpfFault('call', pc, `${prog.id}: insn ${pc}: more than ${MAX_CALL_FRAMES} nested calls`);
              }
              stack.push({ prog, code: compiled, returnPc: pc + 1, regs: st.regs });
              // the callee gets its own registers: R1-R5 passed, R10 its own frame
              const regs: Num[] = new Array<Num>(NREGS).fill(0n);
              for (let r = 1; r <= 5; r++) regs[r] = st.regs[r]!;
              regs[op.REG_FP] = BigInt(STACK_BASE + stack.length * FRAME_GAP + op.MAX_BPF_STACK);
              st.regs = regs;
              pc = e.target;
            } else if (e.callee === 'helper') {
              const helper = this.helpers.get(e.id);
              if (!helper) {
                throw new BpfFault('call', pc, `${prog.id}: insn ${pc}: call of helper ${e.id}, which the interpreter has no stub for`);
              }
              const args = [1, 2, 3, 4, 5].map((r) => st.regs[r] as bigint);
              st.regs[0] = BigInt.asUintN(64, helper.call(args, { mem: st.mem as ConcreteMemory, order: this.opts.order }));
              pc += 1;
            } else {
              st.regs[0] = this.kfuncCall(prog, pc, e.id, st.regs as bigint[]);
              pc += 1;
            }
            break;
          case 'tailcall': {
            const target = this.tailCallTarget(st, prog, pc, tailCalls);
            if (target === undefined) {
              pc += 1;
            } else {
              // counted before the NULL check, as the kernel does
              tailCalls++;
              if (target === null) {
                pc += 1;
              } else {
                prog = target;
                compiled = this.closures(prog);
                ({ code, insns, seen } = compiled);
                pc = 0;
              }
            }
            break;
          }
        }
      }
    } catch (err) {
      if (err instanceof MemoryFault) {
        throw new BpfFault('bounds', pc, `${prog.id}: insn ${pc} (${insnHex(insns[pc]!)}): ${err.message}`);
      }
      if (err instanceof ReservedInsn) throw new BpfFault('reserved', pc, `${prog.id}: ${err.message}`);
      throw err;
    }
  }

  /**
   * A kfunc call: `imm` is the index of the function in `prog.kfuncs` (the loader's
   * numbering); its arguments are R1.. narrowed to the prototype's C types.
   */
  private kfuncCall(prog: Program, pc: number, index: number, regs: bigint[]): bigint {
    const def = prog.kfuncs?.[index];
    const fn = def && kfuncByName(def.name);
    if (!def || !fn) {
      const what = def ? `kfunc ${def.name}, which the interpreter does not model` : `kfunc #${index}, which the program does not declare`;
      throw new BpfFault('call', pc, `${prog.id}: insn ${pc}: call of ${what}`);
    }
    if (!sameProto(def, fn)) {
      throw new BpfFault('call', pc, `${prog.id}: insn ${pc}: the program's prototype of ${def.name} is not the kernel's (the verifier refuses it)`);
    }
    const args = def.argSizes.map((_, i) => narrowArg(def, i, regs[i + 1]!));
    return kfuncResult(def, fn.call(args));
  }

  /**
   * The kernel's tail-call checks in order (kernel/bpf/core.c, JMP_TAIL_CALL): index
   * (u32 of R3) below max_entries, counter below the limit; then the counter is
   * incremented and a NULL slot falls through. undefined: the call fails before counting.
   */
  private tailCallTarget(st: BpfState<Num>, prog: Program, pc: number, count: number): Program | null | undefined {
    const array = this.opts.progArray;
    const r2 = st.regs[2] as bigint;
    if (!array || r2 !== (array.addr ?? PROG_ARRAY_ADDR)) {
      throw new BpfFault('call', pc, `${prog.id}: insn ${pc}: tail call with R2 = 0x${r2.toString(16)}, which is not a program array`);
    }
    const index = Number((st.regs[3] as bigint) & 0xffffffffn);
    const max = array.maxEntries ?? array.entries.length;
    if (index >= max) return undefined;
    if (count >= this.maxTailCalls) return undefined;
    return array.entries[index] ?? null;
  }
}

/** Run `prog` once. */
export function interpret(prog: Program, opts: InterpOptions, input: RunInput = {}): RunResult {
  return new Interpreter(prog, opts).run(input);
}
