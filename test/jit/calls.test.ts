// bpf2bpf and kfunc calls. Expected values are worked out by hand from the BPF calling
// convention (R1-R5 arguments, R0 result, R6-R9 and R10 preserved across a call) and from
// the C prototypes of the selftests' bpf_testmod kfuncs, and checked against the
// reference interpreter; the O32 argument placement itself is checked against gcc's
// code under qemu in qemu-image.test.ts.
import { describe, expect, test } from 'vitest';
import type { Insn } from '../../src/bpf/opcodes.ts';
import * as op from '../../src/bpf/opcodes.ts';
import type { Program } from '../../src/bpf/program.ts';
import { interpret } from '../../src/bpf/interpreter.ts';
import { kfuncDecl, modelledKfuncs } from '../../src/bpf/kfuncs.ts';
import { config } from '../../src/config.ts';
import { jit, JitDecline } from '../../src/jit/core.ts';
import { defaultBinding } from '../../src/jit/binding.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';
import { blindConstants } from '../../src/jit/blind.ts';
import { tony } from '../../src/jit/designs/tony.ts';
import { o32Slots, orderMoves } from '../../src/jit/o32.ts';
import { decode } from '../../src/mips/codec.ts';
import { InsnError } from '../../src/errors.ts';
import { bindCalls, corpusBinding, runProgramJit } from '../../src/verify/jit-runner.ts';
import { listing } from '../../src/jit/listing.ts';
import { defaultHelpers } from '../../src/bpf/helpers.ts';

const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const mov64 = (dst: number, imm: number) => I(op.ALU64 | op.MOV | op.K, dst, 0, 0, imm);
const ld64 = (dst: number, v: bigint): Insn[] => [I(op.LD | op.IMM | op.DW, dst, 0, 0, Number(v & 0xffffffffn) | 0), I(0, 0, 0, 0, Number(v >> 32n) | 0)];
const call = (to: number, at: number) => I(op.JMP | op.CALL, 0, op.PSEUDO_CALL, 0, to - at - 1);
const exit = I(op.JMP | op.EXIT, 0, 0, 0, 0);
const KFUNCS = modelledKfuncs().map(kfuncDecl);
const kcall = (name: string) => I(op.JMP | op.CALL, 0, op.PSEUDO_KFUNC_CALL, 0, KFUNCS.findIndex((k) => k.name === name));
const prog = (insns: Insn[], stackDepth = 16): Program => ({ id: 'calls', insns, verifierZext: false, stackDepth, kfuncs: KFUNCS });
const CONFIGS = ['be-r2', 'le-r2', 'be-r6', 'le-r6'];

/** R0's low word from the interpreter and from the image in the simulator. */
function both(p: Program, id: string): { interp: number; jit: number } {
  const cfg = config(id);
  const interp = Number(interpret(p, { order: cfg.endian }).r0 & 0xffffffffn);
  return { interp, jit: runProgramJit(p, { design: jitgen, config: cfg, binding: defaultBinding() }, null, new Map()).r0 };
}

describe('bpf2bpf calls', () => {
  // main: R6-R9 and a stack slot set, a 64-bit argument in R1 and one in R5, a call; the
  // callee overwrites R6-R9 and its own stack slot and returns R1 + R5 (64-bit)
  const A = 0x1_0000_0002n;
  const B = 0x7fff_ffff_0000_0003n;
  const main = [
    mov64(6, 6), mov64(7, 7), mov64(8, 8), mov64(9, 9),
    I(op.ST | op.MEM | op.DW, op.REG_FP, 0, -8, 1000),
    ...ld64(1, A), mov64(2, 0), mov64(3, 0), mov64(4, 0), ...ld64(5, B),
  ];
  const at = main.length;
  const body = [
    call(0, 0), // patched below
    // R0 = (R0 >> 32) + R0 + R6 + R7 + R8 + R9 + stack: every part must have survived
    I(op.ALU64 | op.MOV | op.X, 1, 0, 0, 0), I(op.ALU64 | op.RSH | op.K, 1, 0, 0, 32), I(op.ALU64 | op.ADD | op.X, 0, 1, 0, 0),
    I(op.ALU64 | op.ADD | op.X, 0, 6, 0, 0), I(op.ALU64 | op.ADD | op.X, 0, 7, 0, 0),
    I(op.ALU64 | op.ADD | op.X, 0, 8, 0, 0), I(op.ALU64 | op.ADD | op.X, 0, 9, 0, 0),
    I(op.LDX | op.MEM | op.DW, 1, op.REG_FP, -8, 0), I(op.ALU64 | op.ADD | op.X, 0, 1, 0, 0),
    exit,
  ];
  const calleeAt = at + body.length;
  const callee = [
    mov64(6, -1), mov64(7, -1), mov64(8, -1), mov64(9, -1),
    I(op.ST | op.MEM | op.DW, op.REG_FP, 0, -8, -1),
    I(op.ALU64 | op.MOV | op.X, 0, 1, 0, 0), I(op.ALU64 | op.ADD | op.X, 0, 5, 0, 0),
    exit,
  ];
  body[0] = call(calleeAt, at);
  const p = prog([...main, ...body, ...callee]);
  // R0 = A + B = 0x8000_0000_0000_0005 (hi 0x80000000 + lo 5), + 6 + 7 + 8 + 9 + 1000
  const expected = (0x80000000 + 5 + 30 + 1000) >>> 0;

  test.each(CONFIGS)('%s: arguments in, a 64-bit result out, R6-R9 and the caller\'s stack kept', (id) => {
    expect(both(p, id)).toEqual({ interp: expected, jit: expected });
  });

  test('blinding (--harden) keeps each call pointing at its callee, and the result', () => {
    // a constant between the call and its callee: blinding makes it three instructions
    const [first, ...rest] = body;
    const padded = prog([...main, call(calleeAt + 1, at), I(op.ALU64 | op.ADD | op.K, 0, 0, 0, 0), ...rest, ...callee]);
    expect(first).toEqual(call(calleeAt, at));
    expect(Number(interpret(padded, { order: 'be' }).r0 & 0xffffffffn)).toBe(expected);
    const blinded = blindConstants(padded, 7);
    expect(blinded.insns.length).toBeGreaterThan(p.insns.length);
    // the interpreter follows calls by their imm: a call re-pointed wrongly changes R0
    expect(Number(interpret(blinded, { order: 'be' }).r0 & 0xffffffffn)).toBe(expected);
    for (const id of CONFIGS) {
      const got = runProgramJit(padded, { design: jitgen, config: config(id), binding: defaultBinding(), hardenSeed: 7 }, null, new Map()).r0;
      expect(got).toBe(expected);
    }
  });

  test('the functions are laid out one after another, and each call loads its callee\'s address', () => {
    const cfg = config('be-r2');
    const binding = defaultBinding();
    const img = jit(p, { design: jitgen, config: cfg, binding });
    expect(img.funcs?.map((f) => f.insn)).toEqual([0, calleeAt]);
    const calleeAddr = binding.imageBase + 4 * img.funcs![1]!.word;
    const site = img.bpfStart[at]!;
    const [lui, ori, jalr] = [0, 1, 2].map((k) => decode(img.words[site + k]!, cfg.isa)!);
    expect([lui.op, ori.op, jalr.op]).toEqual(['lui', 'ori', 'jalr']);
    expect(((lui.args[1]! << 16) | ori.args[2]!) >>> 0).toBe(calleeAddr >>> 0);
  });

  test('calls nest (main -> f -> g), each function with its own frame', () => {
    // g(x) = x * 3; f(x) = g(x + 1) + x; main = f(10) = 33 + 10 = 43
    const insns = [
      mov64(1, 10), call(3, 1), exit,
      /* f: 3 */ I(op.ALU64 | op.MOV | op.X, 6, 1, 0, 0), I(op.ALU64 | op.ADD | op.K, 1, 0, 0, 1), call(8, 5), I(op.ALU64 | op.ADD | op.X, 0, 6, 0, 0), exit,
      /* g: 8 */ I(op.ALU64 | op.MOV | op.X, 0, 1, 0, 0), I(op.ALU64 | op.MUL | op.K, 0, 0, 0, 3), exit,
    ];
    for (const id of CONFIGS) expect(both(prog(insns), id)).toEqual({ interp: 43, jit: 43 });
  });

  test('a bpf2bpf call 12 instructions ahead (imm = BPF_FUNC_tail_call) is no tail call', () => {
    // main: call f (13 = 0 + 12 + 1); r0 += 1 (x11); exit.  f: r0 = 100; exit.  -> 111
    const insns = [call(13, 0), ...Array.from({ length: 11 }, () => I(op.ALU64 | op.ADD | op.K, 0, 0, 0, 1)), exit, mov64(0, 100), exit];
    expect(insns[0]!.imm).toBe(op.FUNC_TAIL_CALL);
    for (const id of CONFIGS) expect(both(prog(insns), id)).toEqual({ interp: 111, jit: 111 });
  });

  test('a tail call beside bpf2bpf calls is declined, naming the tail call', () => {
    const insns = [call(3, 0), I(op.JMP | op.TAIL_CALL, 0, 0, 0, 0), exit, mov64(0, 1), exit];
    expect(() => jit(prog(insns), { design: jitgen, config: config('le-r2'), binding: defaultBinding() })).toThrow(/calls: insn 1 .*declined by the design: a tail call in a program with bpf2bpf calls/);
  });

  test('a jump from one function into another is an error naming the jump', () => {
    const insns = [call(3, 0), I(op.JMP | op.JA, 0, 0, 1, 0), exit, mov64(0, 1), exit];
    const run = () => jit(prog(insns), { design: jitgen, config: config('le-r2'), binding: defaultBinding() });
    expect(run).toThrow(InsnError);
    expect(run).toThrow(/insn 1 .*jump to insn 3, out of its function \(insns 0\.\.2\)/);
  });

  test('tony\'s preset (RFC v1) declines them', () => {
    expect(() => jit(p, { design: tony, config: config('be-r2'), binding: defaultBinding() })).toThrow(JitDecline);
  });
});

describe('kfunc calls (O32 by the prototype)', () => {
  test('slots: a 64-bit argument starts at an even slot; past a3 they go to the stack', () => {
    // bpf_kfunc_call_test1(sk, u32 a, u64 b, u32 c, u64 d): a0, a1, a2:a3, sp+16, sp+24
    expect(o32Slots([4, 4, 8, 4, 8])).toEqual([0, 1, 2, 4, 6]);
    // (u32, u64): a1 is skipped
    expect(o32Slots([4, 8])).toEqual([0, 2]);
    expect(o32Slots([8, 8, 8, 8, 8])).toEqual([0, 2, 4, 6, 8]);
  });

  test('moves into a0-a3 never read a register already overwritten', () => {
    // a0 <- a1 <- a2 <- a0: a cycle goes through the temporary
    const moves = orderMoves([{ dst: 4, src: 5, how: 'move' }, { dst: 5, src: 6, how: 'move' }, { dst: 6, src: 4, how: 'move' }], 24);
    const regs = new Map([[4, 'x'], [5, 'y'], [6, 'z'], [24, '?']]);
    for (const m of moves) regs.set(m.dst, regs.get(m.src)!);
    expect([regs.get(4), regs.get(5), regs.get(6)]).toEqual(['y', 'z', 'x']);
  });

  // test1's arguments are R1-R5; sk = R1 is any pointer-sized value
  const test1 = [mov64(1, 0x1234), ...ld64(2, 0xffff_ffff_0000_0007n), ...ld64(3, 0x0000_0001_0000_0002n), ...ld64(4, 0x5555_5555_8000_0000n), ...ld64(5, 0x0000_0010_0000_0020n), kcall('bpf_kfunc_call_test1')];
  // a (u32) = 7, b = 0x1_0000_0002, c (u32) = 0x80000000, d = 0x10_0000_0020: the sum is 0x11_8000_0029
  test.each(CONFIGS)('%s: bpf_kfunc_call_test1 gets each argument from its slot and returns 64 bits', (id) => {
    expect(both(prog([...test1, exit]), id)).toEqual({ interp: 0x8000_0029, jit: 0x8000_0029 });
    const hi = prog([...test1, I(op.ALU64 | op.RSH | op.K, 0, 0, 0, 32), exit]);
    expect(both(hi, id)).toEqual({ interp: 0x11, jit: 0x11 });
  });

  test.each(CONFIGS)('%s: bpf_kfunc_call_test4 gets char and short sign-extended, and R0 is the 32-bit long zero-extended', (id) => {
    // a = (s8)0x1ff = -1, b = (s16)0x18000 = -0x8000, c = (int)0x1_0000_0005 = 5, d = (long)3
    const insns = [mov64(1, 0x1ff), mov64(2, 0x18000), ...ld64(3, 0x1_0000_0005n), mov64(4, 3), kcall('bpf_kfunc_call_test4')];
    const sum = (-1 - 0x8000 + 5 + 3) >>> 0;
    expect(both(prog([...insns, exit]), id)).toEqual({ interp: sum, jit: sum });
    // the high word: a 4-byte result leaves R0's high word zero (no verifier to zext here)
    expect(both(prog([...insns, I(op.ALU64 | op.RSH | op.K, 0, 0, 0, 32), exit]), id)).toEqual({ interp: 0, jit: 0 });
  });

  test('a kfunc call is bound like a helper call: imm becomes func - __bpf_call_base', () => {
    const binding = corpusBinding();
    const bound = bindCalls(prog([mov64(1, 1), kcall('bpf_kfunc_call_test3'), exit]), defaultHelpers(), binding);
    expect(bound.insns[1]!.imm).toBe(binding.symbols.get('bpf_kfunc_call_test3')! - binding.callBase);
  });

  test('an unbound kfunc call, or a prototype the JIT cannot pass, is declined with the reason', () => {
    const unbound = prog([kcall('bpf_kfunc_call_test2'), exit]);
    expect(() => jit(unbound, { design: jitgen, config: config('be-r2'), binding: defaultBinding() })).toThrow(/insn 0 .*no kfunc of the program is bound/);
    const binding = defaultBinding(['wide']);
    const wide = { ...prog([I(op.JMP | op.CALL, 0, op.PSEUDO_KFUNC_CALL, 0, binding.symbols.get('wide')! - binding.callBase), exit]), kfuncs: [{ name: 'wide', argSizes: [16], retSize: 4 }] };
    expect(() => jit(wide, { design: jitgen, config: config('be-r2'), binding })).toThrow(/wide: argument 1 is 16 bytes/);
  });
});

describe('the jit verb\'s listing of a program with bpf2bpf calls', () => {
  // main (insns 0..3) calls f (insns 4..7); f's LD_IMM64 takes insns 4 and 5
  const insns = [mov64(1, 10), call(4, 1), I(op.ALU64 | op.ADD | op.K, 0, 0, 0, 1), exit, ...ld64(0, 0x1_0000_0000n), I(op.ALU64 | op.ADD | op.X, 0, 1, 0, 0), exit];
  const p = prog(insns);
  const cfg = config('be-r2');
  const binding = defaultBinding();
  const img = jit(p, { design: jitgen, config: cfg, binding });
  const lines = listing(p, img, cfg, binding.imageBase);
  const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

  /** The listing's sections: per function header, the words of its prologue, of each instruction and of its epilogue. */
  function sections(): { header: string; prologue: number[]; insns: [number, number[]][]; epilogue: number[] }[] {
    const out: ReturnType<typeof sections> = [];
    let part: number[] = [];
    for (const line of lines.slice(1)) {
      const f = out[out.length - 1];
      const word = /^ {4}([0-9a-f]{8}):  [0-9a-f]{8}  /.exec(line);
      const insn = /^ *(\d+): /.exec(line);
      if (line.startsWith('; function ')) out.push({ header: line, prologue: [], insns: [], epilogue: [] });
      else if (line === '; prologue') part = f!.prologue;
      else if (line === '; epilogue') part = f!.epilogue;
      else if (insn) f!.insns.push([Number(insn[1]), (part = [])]);
      else if (word) part.push((parseInt(word[1]!, 16) - binding.imageBase) / 4);
      else throw new Error(`unexpected line: ${line}`);
    }
    return out;
  }
  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

  test('a header per function, with its instructions under it (LD_IMM64 once)', () => {
    expect(img.funcs?.map((f) => f.insn)).toEqual([0, 4]);
    const s = sections();
    expect(s.map((f) => f.header)).toEqual([
      `; function 0 (insns 0..3) at ${hex8(binding.imageBase)}`,
      `; function 1 (insns 4..7) at ${hex8(binding.imageBase + 4 * img.funcs![1]!.word)}`,
    ]);
    expect(s.map((f) => f.insns.map(([i]) => i))).toEqual([[0, 1, 2, 3], [4, 6, 7]]);
  });

  test('each function\'s prologue, instructions and epilogue are its own words, and every word appears once, in order', () => {
    const [f0, f1] = img.funcs!;
    const s = sections();
    // function 0: prologue from word 0, its last instruction up to its own epilogue, which
    // ends where function 1 (and its prologue) begins
    expect(s[0]!.prologue).toEqual(range(0, img.bpfStart[0]!));
    expect(s[0]!.insns[3]![1]).toEqual(range(img.bpfStart[3]!, f0!.epilogue));
    expect(s[0]!.epilogue).toEqual(range(f0!.epilogue, f1!.word));
    expect(s[1]!.prologue).toEqual(range(f1!.word, img.bpfStart[4]!));
    expect(s[1]!.insns[0]![1]).toEqual(range(img.bpfStart[4]!, img.bpfStart[6]!));
    expect(s[1]!.epilogue).toEqual(range(f1!.epilogue, img.words.length));
    for (const f of s) expect(f.prologue.length * f.epilogue.length).toBeGreaterThan(0);
    const all = s.flatMap((f) => [...f.prologue, ...f.insns.flatMap(([, w]) => w), ...f.epilogue]);
    expect(all).toEqual(range(0, img.words.length));
  });

  test('a program without calls has no function headers', () => {
    const one = prog([mov64(0, 1), exit]);
    const l = listing(one, jit(one, { design: jitgen, config: cfg, binding }), cfg, binding.imageBase);
    expect(l.filter((s) => s.startsWith('; function'))).toEqual([]);
    expect(l.filter((s) => s.startsWith('; '))).toHaveLength(3);
  });
});
