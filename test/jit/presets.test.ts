// The `johan` and `tony` presets and the design registry. Expected values come from
// outside the model: mainline's real JIT C run in the host harness (johan must equal it
// word for word), the kernel's test_bpf expectations (tony must compute them), MIPS32
// encodings written out by hand, and the two counterparts' sources as read (what each
// lacks). The harness part builds mainline's C twice (~2 s) and JITs a sample of small
// programs; the whole corpus is `npx tsx scripts/johan-vs-mainline.ts` (minutes).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Insn } from '../../src/bpf/opcodes.ts';
import type { Program, TestProgram } from '../../src/bpf/program.ts';
import { config } from '../../src/config.ts';
import { UsageError } from '../../src/errors.ts';
import { defaultBinding } from '../../src/jit/binding.ts';
import { jit } from '../../src/jit/core.ts';
import { DESIGNS, designByName } from '../../src/jit/designs/index.ts';
import { johan } from '../../src/jit/designs/johan.ts';
import { tony } from '../../src/jit/designs/tony.ts';
import { harnessJit, kernelBoundCorpus } from '../../src/kernel/harness/index.ts';
import { defaultTreeDir, importCorpus, loadCorpus } from '../../src/verify/corpus/index.ts';
import { corpusBinding, defaultHelpers, runTestJit } from '../../src/verify/jit-runner.ts';

const TREE = process.env.JITGEN_TEST_TREE ?? defaultTreeDir;
const haveTree = existsSync(join(TREE, 'arch/mips/net/bpf_jit_comp32.c'));
const ins = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const prog = (id: string, insns: Insn[], stackDepth = 0): Program => ({ id, insns, verifierZext: false, stackDepth });
const EXIT = ins(0x95);

describe('design registry', () => {
  it('finds every preset by name', () => {
    expect(DESIGNS.map((d) => d.name)).toEqual(['jitgen', 'johan', 'tony']);
    expect(designByName('johan')).toBe(johan);
    expect(designByName('tony')).toBe(tony);
  });
  it('names the known designs when one is unknown', () => {
    expect(() => designByName('shubham')).toThrow(UsageError);
    expect(() => designByName('shubham')).toThrow(/jitgen, johan, tony/);
  });
  it('states what each counterpart lacked', () => {
    expect(Object.keys(johan.declines).some((k) => /ISA v4/.test(k))).toBe(true);
    expect(Object.keys(tony.declines).some((k) => /ISA v4/.test(k))).toBe(true);
    expect(Object.values(tony.declines).join(' ')).toMatch(/XADD/);
  });
});

describe('johan: mainline\'s conventions', () => {
  const cfg = config('be-r2');
  const b = defaultBinding();
  it('starts with the tail-call counter set in the parent\'s reserved area (ori t9, zero, 33; sw t9, 0(sp))', () => {
    const w = jit(prog('t', [ins(0xb7, 0, 0, 0, 1), EXIT]), { design: johan, config: cfg, binding: b }).words;
    expect(w[0]).toBe(0x34190021); // ori t9, zero, 33: op 0x0d, rs 0, rt 25
    expect(w[1]).toBe(0xafb90000); // sw t9, 0(sp)
  });
  it('declines ISA v4 MOVSX, SDIV and BSWAP with the reason', () => {
    const movsx = prog('m', [ins(0xbf, 0, 1, 8), EXIT]);
    expect(() => jit(movsx, { design: johan, config: cfg, binding: b })).toThrow(/ISA v4 .*MOVSX/);
    const sdiv = prog('s', [ins(0x37, 0, 0, 1, 3), EXIT]);
    expect(() => jit(sdiv, { design: johan, config: cfg, binding: b })).toThrow(/SDIV/);
    expect(() => jit(prog('w', [ins(0xd7, 0, 0, 0, 16), EXIT]), { design: johan, config: cfg, binding: b })).toThrow(/BSWAP/);
  });
});

describe('tony: RFC v1 sequences', () => {
  const b = defaultBinding();
  it('divides 64-bit values in a 32-byte O32 frame (addiu sp, sp, -32 ... addiu sp, sp, 32)', () => {
    const w = [...jit(prog('d', [ins(0xb7, 0, 0, 0, 7), ins(0x3f, 0, 1), EXIT]), { design: tony, config: config('le-r2'), binding: b }).words];
    expect(w).toContain(0x27bdffe0); // addiu sp, sp, -32
    expect(w).toContain(0x27bd0020); // addiu sp, sp, 32
  });
  it('uses ins for a 64-bit right shift by a constant below 32', () => {
    // ins lo, hi, 27, 5 on be (lo = v1, hi = v0): SPECIAL3 rs=v0 rt=v1 msb=31 lsb=27 func 4
    const w = [...jit(prog('r', [ins(0x77, 0, 0, 0, 5), EXIT]), { design: tony, config: config('be-r2'), binding: b }).words];
    expect(w).toContain((0x1f << 26) | (2 << 21) | (3 << 16) | (31 << 11) | (27 << 6) | 4);
  });
  it('declines atomics other than XADD and ISA v4', () => {
    const and64 = prog('a', [ins(0xdb, 10, 1, -8, 0x50), EXIT], 8);
    expect(() => jit(and64, { design: tony, config: config('be-r2'), binding: b })).toThrow(/XADD/);
    expect(() => jit(prog('x', [ins(0x91, 0, 1, 0), EXIT]), { design: tony, config: config('be-r2'), binding: b })).toThrow(/ISA v4/);
  });
});

describe.skipIf(!haveTree)('presets on the corpus', () => {
  let cacheRoot: string;
  beforeAll(async () => {
    cacheRoot = mkdtempSync(join(tmpdir(), 'jitgen-presets-'));
    await importCorpus(TREE);
  });
  afterAll(() => rmSync(cacheRoot, { recursive: true, force: true }));

  /** Every 7th small program, and all tail-call programs: a spread over the corpus. */
  function sample(cfg: ReturnType<typeof config>, binding: ReturnType<typeof corpusBinding>): TestProgram[] {
    const tb = kernelBoundCorpus(TREE, 'test_bpf', cfg, binding).programs.filter((p, i) => i % 7 === 0 && p.insns.length < 400);
    return [...tb, ...kernelBoundCorpus(TREE, 'tail_calls', cfg, binding).programs];
  }

  for (const id of ['be-r2', 'le-r6'] as const) {
    it(`johan equals mainline's C word for word (${id}, sample)`, async () => {
      const cfg = config(id);
      const binding = corpusBinding(defaultHelpers());
      const programs = sample(cfg, binding);
      const images = await harnessJit(TREE, 'mainline', cfg, programs, binding, { cacheRoot });
      let compared = 0;
      programs.forEach((p, k) => {
        const real = images[k]!;
        let words: Uint32Array | undefined;
        try {
          words = jit(p, { design: johan, config: cfg, binding }).words;
        } catch (e) {
          // the preset refuses only what mainline refuses, or ISA v4 that mainline miscompiles
          if (real.jited) expect((e as Error).message, p.id).toMatch(/ISA v4/);
          return;
        }
        expect(real.jited, p.id).toBe(true);
        expect([...words], p.id).toEqual([...real.words!]);
        compared++;
      });
      expect(compared).toBeGreaterThan(80);
    }, 60_000);
  }

  it('tony passes test_bpf\'s expectations where it does not decline (le-r6, sample)', () => {
    const cfg = config('le-r6');
    const progs = loadCorpus(TREE, 'test_bpf', 'le').filter((p, i) => !p.skip && i % 9 === 0 && p.insns.length < 400);
    let passed = 0;
    for (const p of progs) {
      const helpers = defaultHelpers(p.helpers?.find((h) => h.name === 'test_func')?.id);
      const out = runTestJit(p, { design: tony, config: cfg, binding: corpusBinding(helpers) }, helpers);
      if (out.declined) continue;
      expect(out.ok, `${p.id}: ${"reason" in out ? out.reason : ""}`).toBe(true);
      passed++;
    }
    expect(passed).toBeGreaterThan(50);
  }, 60_000);
});
