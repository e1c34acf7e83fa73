// `--verifier-rewrites`: the program as the 6.12 verifier hands it to the MIPS32 JIT.
// Expected values: the BPF spec (RFC 9669: x/0 = 0, x%0 = x, the 32-bit forms zero the
// upper half; INT_MIN s/ -1 = INT_MIN, s% -1 = 0), the guard sequences of
// kernel/bpf/verifier.c do_misc_fixups written out by hand here, and test_bpf's own
// expected results for the rewritten corpus.
import { describe, expect, test } from 'vitest';
import type { Insn } from '../../src/bpf/opcodes.ts';
import type { Program } from '../../src/bpf/program.ts';
import { interpret } from '../../src/bpf/interpreter.ts';
import { verifierRewrites } from '../../src/bpf/rewrites.ts';
import { config } from '../../src/config.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';
import { defaultTreeDir, loadCorpus } from '../../src/verify/corpus/index.ts';
import { verifyJit } from '../../src/verify/jit-verify.ts';
import { runProgramJit } from '../../src/verify/jit-runner.ts';
import { defaultBinding } from '../../src/jit/binding.ts';

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const prog = (insns: Insn[]): Program => ({ id: 'test', insns, verifierZext: false, stackDepth: 0 });
const EXIT = I(0x95);
const AX = 11;

/** R0 after running `prog` in the interpreter (64 bits) and, JITed, in the simulator (low 32). */
function both(p: Program): { interp: bigint; jit: number } {
  const interp = interpret(p, { order: 'be' }, { ctx: null, regs: new Map() }).r0;
  const jit = runProgramJit(p, { design: jitgen, config: config('be-r2'), binding: defaultBinding() }, null, new Map()).r0;
  return { interp, jit: Number(jit) >>> 0 };
}

describe('division guards (do_misc_fixups)', () => {
  test('ALU64 DIV X becomes the kernel\'s four-instruction guard', () => {
    const div = I(0x3f, 0, 1); // r0 /= r1
    expect(verifierRewrites(prog([div, EXIT]), { zext: false }).insns).toEqual([
      I(0x55, 1, 0, 2, 0), // if r1 != 0 goto +2
      I(0xac, 0, 0), // w0 ^= w0
      I(0x05, 0, 0, 1), // goto +1
      div,
      EXIT,
    ]);
  });

  test('ALU32 MOD X: jump over, and the 32-bit result zero-extended when the divisor is 0', () => {
    const mod = I(0x9c, 2, 3); // w2 %= w3
    expect(verifierRewrites(prog([mod, EXIT]), { zext: false }).insns).toEqual([
      I(0x16, 3, 0, 2, 0), // if w3 == 0 goto +2
      mod,
      I(0x05, 0, 0, 1), // goto +1
      I(0xbc, 2, 2), // w2 = w2
      EXIT,
    ]);
  });

  test('ALU64 SDIV X: AX = src + 1 separates 0 and -1', () => {
    const sdiv = I(0x3f, 4, 5, 1); // r4 s/= r5
    expect(verifierRewrites(prog([sdiv, EXIT]), { zext: false }).insns).toEqual([
      I(0xbf, AX, 5), // AX = r5
      I(0x07, AX, 0, 0, 1), // AX += 1
      I(0x25, AX, 0, 4, 1), // if AX > 1 goto +4
      I(0x15, AX, 0, 1, 0), // if AX == 0 goto +1
      I(0xb7, 4, 0, 0, 0), // r4 = 0
      I(0x87, 4), // r4 = -r4
      I(0x05, 0, 0, 1), // goto +1
      sdiv,
      EXIT,
    ]);
  });

  test('jumps keep their targets across the longer code', () => {
    // 0: if r1 == 0 goto 3 (the exit); 1: r0 /= r1; 2: r0 += 1; 3: exit
    const p = prog([I(0x15, 1, 0, 2), I(0x3f, 0, 1), I(0x07, 0, 0, 0, 1), EXIT]);
    const out = verifierRewrites(p, { zext: false }).insns;
    expect(out).toHaveLength(7);
    expect(out[0]).toEqual(I(0x15, 1, 0, 5)); // 1 + 5 = 6: the exit, past the guard
    expect(out[6]).toEqual(EXIT);
  });

  test('division by a constant 0 is rejected as the verifier rejects it, naming the instruction', () => {
    expect(() => verifierRewrites(prog([I(0xb7, 0, 0, 0, 1), I(0x37, 0, 0, 0, 0), EXIT]))).toThrow(/insn 1 \(37 00 0000 00000000\): division by zero/);
  });

  test('the rewritten programs give the values the BPF spec defines, interpreted and JITed', () => {
    const r0 = (v: number) => I(0xb7, 0, 0, 0, v);
    const r1 = (v: number) => I(0xb7, 1, 0, 0, v);
    const cases: [string, Insn[], bigint][] = [
      ['r0 = 7; r0 /= 0', [r0(7), r1(0), I(0x3f, 0, 1), EXIT], 0n],
      ['r0 = 7; r0 %= 0', [r0(7), r1(0), I(0x9f, 0, 1), EXIT], 7n],
      ['r0 = -7; w0 %= 0 (upper half zeroed)', [r0(-7), r1(0), I(0x9c, 0, 1), EXIT], 0xfffffff9n],
      ['r0 = -7; w0 /= 0', [r0(-7), r1(0), I(0x3c, 0, 1), EXIT], 0n],
      ['r0 = INT_MIN; w0 s/= -1', [r0(-0x80000000), r1(-1), I(0x3c, 0, 1, 1), EXIT], 0x80000000n],
      ['r0 = 9; r0 s%= -1', [r0(9), r1(-1), I(0x9f, 0, 1, 1), EXIT], 0n],
      ['r0 = -9; r0 s/= 0', [r0(-9), r1(0), I(0x3f, 0, 1, 1), EXIT], 0n],
      ['r0 = -9; r0 s%= 0', [r0(-9), r1(0), I(0x9f, 0, 1, 1), EXIT], 0xfffffffffffffff7n],
      ['r0 = 100; r0 /= 7', [r0(100), I(0xb7, 1, 0, 0, 7), I(0x3f, 0, 1), EXIT], 14n],
    ];
    for (const [what, insns, want] of cases) {
      const got = both(verifierRewrites(prog(insns)));
      expect(got.interp, what).toBe(want);
      expect(got.jit, what).toBe(Number(want & 0xffffffffn));
    }
  });
});

describe('explicit zero extensions (opt_subreg_zext_lo32_rnd_hi32)', () => {
  test('after every 32-bit definition, and verifier_zext set', () => {
    const p = verifierRewrites(prog([I(0x04, 1, 0, 0, 3), I(0x61, 2, 1, 4), I(0x79, 3, 1, 8), I(0x07, 4, 0, 0, 1), EXIT]));
    expect(p.verifierZext).toBe(true);
    expect(p.insns).toEqual([
      I(0x04, 1, 0, 0, 3), // w1 += 3
      I(0xbc, 1, 1, 0, 1), // zext w1
      I(0x61, 2, 1, 4), // r2 = *(u32 *)(r1 + 4)
      I(0xbc, 2, 2, 0, 1), // zext w2
      I(0x79, 3, 1, 8), // r3 = *(u64 *)(r1 + 8): 64 bits, no zext
      I(0x07, 4, 0, 0, 1), // r4 += 1: 64 bits
      EXIT,
    ]);
  });

  const haveCorpus = (() => {
    try {
      loadCorpus(defaultTreeDir, 'test_bpf', 'be');
      return true;
    } catch {
      return false;
    }
  })();

  test.skipIf(!haveCorpus)('test_bpf\'s hand-written programs, rewritten, still give the kernel\'s expected results (JIT with verifier_zext)', async () => {
    const load = (name: string, endian: 'be' | 'le') =>
      loadCorpus(defaultTreeDir, name as 'test_bpf', endian).map((p) => {
        if (p.skip !== undefined) return p;
        // programs that divide by a constant 0 test the JIT without a verifier: left out
        try {
          return verifierRewrites(p);
        } catch {
          return { ...p, skip: 'divides by a constant 0 (the verifier rejects it)' };
        }
      });
    // every third hand-written program (a spread of every class), in two configurations
    let n = 0;
    const sample = (p: { generated?: boolean }): boolean => !p.generated && n++ % 3 === 0;
    const r = await verifyJit({ corpora: ['test_bpf'], configs: [config('be-r2'), config('le-r6')], design: jitgen, load, filter: sample });
    expect(r.failures).toEqual([]);
    expect(r.passed).toBeGreaterThan(2 * 200);
  }, 600_000);
});
