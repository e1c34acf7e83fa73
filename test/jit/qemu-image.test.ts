// A JITed image, written with `--emit bin`, runs under qemu-mips-static /
// qemu-mipsel-static in a tiny static harness (test/fixtures/qemu/run-image.c) that calls
// it as the kernel calls bpf_func. Two oracles outside the model:
// - test_bpf's expected results, for a sample of programs that call no kernel function
//   (no helper, tail call, 64-bit division or 64-bit atomic: those are not there under
//   qemu-user);
// - gcc, for calls: the harness defines the selftests' bpf_testmod kfuncs with their
//   kernel prototypes, compiled by gcc to the O32 ABI, and images call them at the
//   addresses the harness reports; bpf2bpf calls between the image's functions run
//   there as well. Their results are compared with the reference interpreter's.
// The harness has no libc (Debian's MIPS libc is R2 with legacy NaNs), so it builds for
// R6 too, and qemu runs it with -cpu mips32r6-generic: all four configurations run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Insn } from '../../src/bpf/opcodes.ts';
import * as op from '../../src/bpf/opcodes.ts';
import type { Program, TestProgram } from '../../src/bpf/program.ts';
import { defaultHelpers } from '../../src/bpf/helpers.ts';
import { interpret } from '../../src/bpf/interpreter.ts';
import { kfuncDecl, modelledKfuncs } from '../../src/bpf/kfuncs.ts';
import { config, type Config } from '../../src/config.ts';
import { jit } from '../../src/jit/core.ts';
import { defaultBinding, type Binding } from '../../src/jit/binding.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';
import { imageBytes } from '../../src/jit/listing.ts';
import { defaultTreeDir, loadCorpus } from '../../src/verify/corpus/index.ts';
import { contextBytes } from '../../src/verify/corpus/model.ts';
import { bindCalls } from '../../src/verify/jit-runner.ts';

const haveCorpus = (() => {
  try {
    loadCorpus(defaultTreeDir, 'tail_calls', 'be');
    return true;
  } catch {
    return false;
  }
})();

/** Kernel functions are not there under qemu-user: keep to programs that call none. */
function selfContained(p: TestProgram): boolean {
  if (p.skip || p.resultInState || p.generated || p.expect.length === 0) return false;
  return p.insns.every((i) => {
    const cls = op.cls(i.code);
    if (cls === op.JMP && (op.op(i.code) === op.CALL || op.op(i.code) === op.TAIL_CALL)) return false;
    if (cls === op.ALU64 && (op.op(i.code) === op.DIV || op.op(i.code) === op.MOD)) return false;
    if (i.code === (op.STX | op.ATOMIC | op.DW)) return false;
    return true;
  });
}

const BASE = 0x10000000; // kuseg: where a user-mode process can map it
const CONFIGS = ['be-r2', 'le-r2', 'be-r6', 'le-r6'] as const;

const dir = mkdtempSync(join(tmpdir(), 'jitgen-qemu-'));
const runners = new Map<string, string>();

/** The harness for a configuration, compiled on first use (static, non-PIE, no libc). */
function runner(cfg: Config): string {
  let path = runners.get(cfg.id);
  if (path) return path;
  path = join(dir, `run-image-${cfg.id}`);
  const gcc = cfg.endian === 'be' ? 'mips-linux-gnu-gcc' : 'mipsel-linux-gnu-gcc';
  const isa = cfg.isa === 'r6' ? ['-march=mips32r6', '-mnan=2008'] : ['-march=mips32r2'];
  execFileSync(gcc, ['-static', '-no-pie', '-nostdlib', '-ffreestanding', '-fno-pic', '-mno-abicalls', '-O2', ...isa, '-o', path, 'test/fixtures/qemu/run-image.c']);
  runners.set(cfg.id, path);
  return path;
}

function qemu(cfg: Config, args: string[]): { status: number | null; out: string; err: string } {
  const cmd = cfg.endian === 'be' ? 'qemu-mips-static' : 'qemu-mipsel-static';
  const cpu = cfg.isa === 'r6' ? ['-cpu', 'mips32r6-generic'] : [];
  const r = spawnSync(cmd, [...cpu, runner(cfg), ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe.skipIf(!haveCorpus)('JITed images under QEMU user mode', () => {
  test.each(CONFIGS)("%s: a sample of test_bpf returns the kernel's expected results", (id) => {
    const cfg = config(id);
    const sample = loadCorpus(defaultTreeDir, 'test_bpf', cfg.endian).filter(selfContained).filter((_, k) => k % 8 === 0);
    expect(sample.length).toBeGreaterThan(60);
    let ran = 0;
    for (const p of sample) {
      const img = jit(p, { design: jitgen, config: cfg, binding: { ...defaultBinding(), imageBase: BASE } });
      const file = join(dir, `${id}-${p.index}.bin`);
      writeFileSync(file, imageBytes(img, cfg));
      const e = p.expect[0]!;
      const ctx = contextBytes(p, e);
      const args = [file, BASE.toString(16)];
      if (ctx) {
        writeFileSync(`${file}.ctx`, ctx);
        args.push(`${file}.ctx`);
      }
      const r = qemu(cfg, args);
      expect({ id: p.id, status: r.status, out: r.out }).toEqual({
        id: p.id,
        status: 0,
        out: (e.result >>> 0).toString(16).padStart(8, '0'),
      });
      ran++;
    }
    expect(ran).toBe(sample.length);
  });
});

// ---- calls: kfuncs compiled by gcc, and bpf2bpf ----

const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const mov64 = (dst: number, imm: number) => I(op.ALU64 | op.MOV | op.K, dst, 0, 0, imm);
const movX = (dst: number, src: number) => I(op.ALU64 | op.MOV | op.X, dst, src, 0, 0);
const add64 = (dst: number, src: number) => I(op.ALU64 | op.ADD | op.X, dst, src, 0, 0);
const rsh64 = (dst: number, k: number) => I(op.ALU64 | op.RSH | op.K, dst, 0, 0, k);
const ld64 = (dst: number, v: bigint): Insn[] => [I(op.LD | op.IMM | op.DW, dst, 0, 0, Number(BigInt.asUintN(64, v) & 0xffffffffn) | 0), I(0, 0, 0, 0, Number(BigInt.asUintN(64, v) >> 32n) | 0)];
const stxdw = (off: number, src: number) => I(op.STX | op.MEM | op.DW, op.REG_FP, src, off, 0);
const ldxdw = (dst: number, off: number) => I(op.LDX | op.MEM | op.DW, dst, op.REG_FP, off, 0);
const call = (to: number, at: number) => I(op.JMP | op.CALL, 0, op.PSEUDO_CALL, 0, to - at - 1);
const exit = I(op.JMP | op.EXIT, 0, 0, 0, 0);
const KFUNCS = modelledKfuncs().map(kfuncDecl);
const kcall = (name: string) => I(op.JMP | op.CALL, 0, op.PSEUDO_KFUNC_CALL, 0, KFUNCS.findIndex((k) => k.name === name));
const prog = (id: string, insns: Insn[], stackDepth = 16): Program => ({ id, insns, verifierZext: false, stackDepth, kfuncs: KFUNCS });
/** The high word of R0 is what the image returns after `R0 >>= 32` (one function). */
const high = (p: Program): Program => ({ ...p, id: `${p.id}:hi`, insns: [...p.insns.slice(0, -1), rsh64(0, 32), exit] });

/** The kfuncs' addresses in the harness, as it prints them (`name hexaddr` lines). */
function harnessSymbols(cfg: Config): Map<string, number> {
  const r = qemu(cfg, ['--symbols']);
  expect(r.status).toBe(0);
  const symbols = new Map<string, number>();
  for (const line of r.out.split('\n')) {
    const [name, addr] = line.split(' ');
    symbols.set(name!, parseInt(addr!, 16));
  }
  expect([...symbols.keys()].sort()).toEqual(KFUNCS.map((k) => k.name).sort());
  return symbols;
}

/**
 * The binding of a run in the harness: the image at BASE, the kfuncs where gcc put them.
 * __bpf_call_base stays the default binding's KSEG0 address, so imm (func - callBase) is
 * a negative 32-bit difference the JIT has to add back.
 */
function harnessBinding(cfg: Config): Binding {
  const b = defaultBinding();
  return { ...b, imageBase: BASE, symbols: new Map([...b.symbols, ...harnessSymbols(cfg)]) };
}

/** R0's low word from the interpreter (unbound program) and from the image under qemu. */
function both(p: Program, cfg: Config, binding: Binding): { interp: string; qemu: string; status: number | null; err: string } {
  const interp = Number(interpret(p, { order: cfg.endian }).r0 & 0xffffffffn);
  const img = jit(bindCalls(p, defaultHelpers(), binding), { design: jitgen, config: cfg, binding });
  const file = join(dir, `${cfg.id}-${p.id}.bin`);
  writeFileSync(file, imageBytes(img, cfg));
  const r = qemu(cfg, [file, BASE.toString(16)]);
  return { interp: interp.toString(16).padStart(8, '0'), qemu: r.out, status: r.status, err: r.err };
}

const hex = (v: bigint): string => BigInt.asUintN(32, v).toString(16).padStart(8, '0');
/** What `both` gives when the interpreter, the image and the hand-worked value agree. */
const agree = (v: bigint) => ({ interp: hex(v), qemu: hex(v), status: 0, err: '' });

// u64 bpf_kfunc_call_test1(struct sock *sk, u32 a, u64 b, u32 c, u64 d): sk in a0, a in
// a1, b in a2:a3, c at sp+16, d at sp+24 (sp+20 is the alignment gap). Every argument
// has a different value, the u32 ones carry junk in their register's high word, and b's
// and d's halves differ: a wrong slot, a missed gap or swapped halves change the sum.
const test1Args = (sk: bigint, a: bigint, b: bigint, c: bigint, d: bigint): Insn[] => [...ld64(1, sk), ...ld64(2, a), ...ld64(3, b), ...ld64(4, c), ...ld64(5, d), kcall('bpf_kfunc_call_test1')];
const test1Sum = (a: bigint, b: bigint, c: bigint, d: bigint): bigint => BigInt.asUintN(64, BigInt.asUintN(32, a) + b + BigInt.asUintN(32, c) + d);

const KFUNC_CASES: { name: string; p: Program; expected: bigint }[] = [];
{
  const [sk, a, b, c, d] = [0x1234n, 0xffff_ffff_0000_0007n, 0x0000_0001_0000_0002n, 0x5555_5555_8000_0000n, 0x0000_0010_0000_0020n];
  const p = prog('test1', [...test1Args(sk, a, b, c, d), exit]);
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test1: each argument from its slot', p, expected: test1Sum(a, b, c, d) }); // 0x11_8000_0029
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test1: the high word of the u64 result', p: high(p), expected: test1Sum(a, b, c, d) >> 32n });
}
{
  // carries across the halves; the low word alone would not tell a from c
  const [sk, a, b, c, d] = [0xdead_beefn, 0x0000_0003_ffff_fff0n, 0x0000_0100_ffff_ff00n, 0x0000_0040_0000_0300n, 0x0007_0000_0000_0001n];
  const p = prog('test1b', [...test1Args(sk, a, b, c, d), exit]);
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test1: carries between the words', p, expected: test1Sum(a, b, c, d) });
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test1: carries between the words, high word', p: high(p), expected: test1Sum(a, b, c, d) >> 32n });
}
{
  // R6-R9 live across a kfunc call (their homes must be callee-saved)
  const keep = [0x0000_0006_0000_0060n, 0x0000_0007_0000_0070n, 0x0000_0008_0000_0080n, 0x0000_0009_0000_0090n];
  const [a, b, c, d] = [7n, 0x1_0000_0002n, 0x8000_0000n, 0x10_0000_0020n];
  const insns = [...keep.flatMap((v, k) => ld64(6 + k, v)), ...test1Args(0x1234n, a, b, c, d), add64(0, 6), add64(0, 7), add64(0, 8), add64(0, 9), exit];
  const sum = test1Sum(a, b, c, d) + keep.reduce((x, y) => x + y);
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test1: R6-R9 kept across it', p: prog('test1-keep', insns), expected: sum });
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test1: R6-R9 kept across it, high word', p: high(prog('test1-keep', insns)), expected: sum >> 32n });
}
{
  // int bpf_kfunc_call_test2(struct sock *sk, u32 a, u32 b): a + b in 32 bits
  const p = prog('test2', [...ld64(1, 0x1111n), ...ld64(2, 0x1234_5678_7fff_fffen), ...ld64(3, 0xffff_0000_0000_0005n), kcall('bpf_kfunc_call_test2'), exit]);
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test2: a + b', p, expected: 0x8000_0003n });
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test2: a 4-byte result leaves the high word zero', p: high(p), expected: 0n });
}
{
  // struct sock *bpf_kfunc_call_test3(struct sock *sk): sk's low word back
  const p = prog('test3', [...ld64(1, 0x1234_5678_cafe_f00dn), kcall('bpf_kfunc_call_test3'), exit]);
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test3: the pointer back', p, expected: 0xcafe_f00dn });
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test3: the high word zero', p: high(p), expected: 0n });
}
{
  // long bpf_kfunc_call_test4(signed char a, short b, int c, long d): gcc's code adds the
  // four registers as they come (O32 has the caller extend chars and shorts)
  const t4 = (id: string, r1: bigint, r2: bigint, r3: bigint, r4: bigint) => prog(id, [...ld64(1, r1), ...ld64(2, r2), ...ld64(3, r3), ...ld64(4, r4), kcall('bpf_kfunc_call_test4'), exit]);
  // a = (s8)0x1ff = -1, b = (s16)0x18000 = -0x8000, c = (int)0x1_0000_0005 = 5, d = 3
  const p = t4('test4', 0x1ffn, 0x18000n, 0x1_0000_0005n, 3n);
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test4: char and short sign-extended', p, expected: -1n - 0x8000n + 5n + 3n });
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test4: the 32-bit long zero-extended', p: high(p), expected: 0n });
  // a = (s8)0xffff_ff7f = 127, b = (s16)0x7fff_0001 = 1, c = -0x100, d = (long)0xffff_ffff_0000_1000
  const q = t4('test4b', 0xffff_ff7fn, 0x7fff_0001n, -0x100n, 0xffff_ffff_0000_1000n);
  KFUNC_CASES.push({ name: 'bpf_kfunc_call_test4: high bits of char and short dropped', p: q, expected: 127n + 1n - 0x100n + 0x1000n });
}

// bpf2bpf: main -> f -> g, with a 64-bit argument, R6-R9 and stack slots in every
// function, and a kfunc call with stack arguments inside a callee
const K6 = [0x0000_0006_0000_0060n, 0x0000_0007_0000_0070n, 0x0000_0008_0000_0080n, 0x0000_0009_0000_0090n];
const SLOT = 0x1111_2222_3333_4444n;
const F6 = 0x0000_0abc_0000_0defn;
const [A, B, C] = [0x0000_0001_0000_0002n, 0x0000_0000_0000_0003n, 0x7fff_ffff_0000_0005n];
/** `hi`: main returns R0's high word. */
function nested(hi: boolean): { p: Program; expected: bigint } {
  const main = [
    ...K6.flatMap((v, k) => ld64(6 + k, v)),
    ...ld64(1, SLOT), stxdw(-8, 1),
    I(op.ST | op.MEM | op.W, op.REG_FP, 0, -12, 0x5555),
    ...ld64(1, A), ...ld64(2, B), mov64(3, -1), mov64(4, -1), ...ld64(5, C),
  ];
  const callF = main.length;
  const mainTail = [
    call(0, 0), // to f, patched below
    add64(0, 6), add64(0, 7), add64(0, 8), add64(0, 9),
    ldxdw(1, -8), add64(0, 1),
    I(op.LDX | op.MEM | op.W, 1, op.REG_FP, -12, 0), add64(0, 1),
    ...(hi ? [rsh64(0, 32)] : []),
    exit,
  ];
  const f = main.length + mainTail.length;
  // f(r1, r2, _, _, r5) = g(r1 + r2, r5) + r5 + r1 + F6 (r1, r5 kept in its own stack,
  // F6 in its R6)
  const fBody = [
    ...ld64(6, F6), mov64(7, -1), mov64(8, -1), mov64(9, -1),
    stxdw(-8, 5), stxdw(-16, 1),
    add64(1, 2), movX(2, 5),
    call(0, 0), // to g, patched below
    ldxdw(1, -8), add64(0, 1), ldxdw(1, -16), add64(0, 1), add64(0, 6),
    exit,
  ];
  const callG = fBody.findIndex((i) => i.code === (op.JMP | op.CALL));
  const g = f + fBody.length;
  // g(r1, r2) = r1 * 3 + r2 + 1 (its stack slot holds -1); it overwrites R6-R9
  const gBody = [
    ...ld64(6, 0xdead_0000_0000_0001n), ...ld64(7, 2n), mov64(8, 0), mov64(9, 0),
    I(op.ST | op.MEM | op.DW, op.REG_FP, 0, -8, -1),
    movX(0, 1), I(op.ALU64 | op.MUL | op.K, 0, 0, 0, 3), add64(0, 2),
    ldxdw(3, -8), I(op.ALU64 | op.SUB | op.X, 0, 3, 0, 0),
    exit,
  ];
  mainTail[0] = call(f, callF);
  fBody[callG] = call(g, f + callG);
  const insns = [...main, ...mainTail, ...fBody, ...gBody];
  const gv = (A + B) * 3n + C + 1n;
  const fv = gv + C + A + F6;
  const r0 = BigInt.asUintN(64, fv + K6.reduce((x, y) => x + y) + SLOT + 0x5555n);
  return { p: prog(`bpf2bpf-nested${hi ? ':hi' : ''}`, insns), expected: hi ? r0 >> 32n : r0 };
}

function calleeKfunc(hi: boolean): { p: Program; expected: bigint } {
  // main keeps R6 and a stack slot, calls f(x); f calls bpf_kfunc_call_test1 with R6 and
  // its own stack slot live across that call
  const [a, b, c, d] = [0xffff_ffff_0000_0007n, 0x0000_0001_0000_0002n, 0x5555_5555_8000_0000n, 0x0000_0010_0000_0020n];
  const main = [...ld64(6, 0x0000_0100_0000_1000n), ...ld64(1, 0x0000_0200_0000_2000n), stxdw(-8, 1), ...ld64(1, 0x0003_0000_0000_0003n)];
  const at = main.length;
  const mainTail = [call(0, 0), add64(0, 6), ldxdw(1, -8), add64(0, 1), ...(hi ? [rsh64(0, 32)] : []), exit];
  const f = at + mainTail.length;
  const fBody = [stxdw(-8, 1), ...ld64(6, 0x44n), ...test1Args(0x1234n, a, b, c, d), add64(0, 6), ldxdw(1, -8), add64(0, 1), exit];
  mainTail[0] = call(f, at);
  const fv = test1Sum(a, b, c, d) + 0x44n + 0x0003_0000_0000_0003n;
  const r0 = BigInt.asUintN(64, fv + 0x0000_0100_0000_1000n + 0x0000_0200_0000_2000n);
  return { p: prog(`bpf2bpf-kfunc${hi ? ':hi' : ''}`, [...main, ...mainTail, ...fBody]), expected: hi ? r0 >> 32n : r0 };
}

describe('calls under QEMU user mode: kfuncs compiled by gcc, bpf2bpf', () => {
  describe.each(CONFIGS)('%s', (id) => {
    const cfg = config(id);
    let binding: Binding | undefined;
    const bind = (): Binding => (binding ??= harnessBinding(cfg));

    test("the harness's kfuncs are where its ELF symbol table says (static, non-PIE)", () => {
      const nm = execFileSync(cfg.endian === 'be' ? 'mips-linux-gnu-nm' : 'mipsel-linux-gnu-nm', [runner(cfg)], { encoding: 'utf8' });
      const table = new Map(nm.split('\n').map((l) => l.split(' ')).filter((f) => f.length === 3 && f[1] === 'T').map((f) => [f[2]!, parseInt(f[0]!, 16)]));
      for (const [name, addr] of harnessSymbols(cfg)) expect({ name, addr: table.get(name) }).toEqual({ name, addr });
    });

    test.each(KFUNC_CASES)('$name', ({ p, expected }) => {
      expect(both(p, cfg, bind())).toEqual(agree(expected));
    });

    test('bpf2bpf: nested calls, a 64-bit argument, R6-R9 and each frame kept', () => {
      for (const hi of [false, true]) {
        const { p, expected } = nested(hi);
        expect(both(p, cfg, bind())).toEqual(agree(expected));
      }
    });

    test('bpf2bpf: a callee calling a kfunc with stack arguments', () => {
      for (const hi of [false, true]) {
        const { p, expected } = calleeKfunc(hi);
        expect(both(p, cfg, bind())).toEqual(agree(expected));
      }
    });
  });
});
