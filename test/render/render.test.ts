// The renderer: plans as kernel C. Expected values come from outside the renderer:
// DESIGN.md's example of the ALU64 ADD X emitter, C operator precedence and kernel style
// written out here, the tree's own checkpatch.pl, gcc -Wall -Wextra -Werror, jitgen's
// uasm check (the MIPS manuals' encodings against uasm's table), and the TS model, whose
// words the rendered C must reproduce in the host harness (src/jit/core.ts is not the
// code under test here: the C is). SLOW: ~60 s on two cores (checkpatch.pl alone takes
// ~20 s; four harness builds and a sample of test_bpf in all four configurations).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Insn } from '../../src/bpf/opcodes.ts';
import type { Program, TestProgram } from '../../src/bpf/program.ts';
import { ALL_CONFIGS, config } from '../../src/config.ts';
import { bin, isR6, lit, param, same, lo, hi } from '../../src/jit/dsl.ts';
import { jit } from '../../src/jit/core.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';
import { M } from '../../src/jit/regs.ts';
import { harnessJit } from '../../src/kernel/harness/index.ts';
import { uasmAvailability } from '../../src/mips/uasm.ts';
import { cexpr, negated } from '../../src/render/cexpr.ts';
import { differing, writeRendered } from '../../src/render/files.ts';
import { harnessCheck, renderedSources, stageRendered } from '../../src/render/harness-check.ts';
import { renderDesign, RENDERED } from '../../src/render/index.ts';
import { defaultTreeDir, importCorpus } from '../../src/verify/corpus/index.ts';
import { corpusBinding } from '../../src/verify/jit-runner.ts';

const TREE = process.env.JITGEN_TEST_TREE ?? defaultTreeDir;
const haveTree = existsSync(join(TREE, 'arch/mips/net/bpf_jit_comp32.c'));
const names = { pair: (n: string) => n };

describe('C expressions', () => {
  const v = param('v');
  it('prints C precedence with the parentheses gcc -Wparentheses wants', () => {
    // (v >> 16) & 0xffff with a logical shift: (u32) cast, parenthesised under &
    expect(cexpr(bin('&', bin('>>>', v, 16), 0xffff), names)).toBe('((u32)v >> 16) & 0xffff');
    // && inside || and arithmetic inside a shift get parentheses; a + b * c does not
    expect(cexpr(bin('||', bin('&&', v, 1), 2), names)).toBe('(v && 1) || 2');
    expect(cexpr(bin('<<', bin('+', v, 1), 2), names)).toBe('(v + 1) << 2');
    expect(cexpr(bin('+', v, bin('*', v, 3)), names)).toBe('v + v * 3');
    // right operand of equal precedence keeps its parentheses: a - (b - c)
    expect(cexpr(bin('-', v, bin('-', v, 1)), names)).toBe('v - (v - 1)');
    // 0 - x is negation; constants fold; INT_MIN has a name
    expect(cexpr(bin('-', 0, v), names)).toBe('-v');
    expect(cexpr(bin('+', lit(0), lit(4)), names)).toBe('4');
    expect(cexpr(lit(-0x80000000), names)).toBe('S32_MIN');
    expect(cexpr(lit(0x7fff), names)).toBe('0x7fff');
  });

  it('prints target facts and register equality as C', () => {
    expect(cexpr(isR6, names)).toBe('MIPS_ISA_REV >= 6');
    expect(cexpr(same(lo('dst'), lo('src')), names)).toBe('lo(dst) == lo(src)');
    expect(negated(same(hi('dst'), M.t9), names)).toBe('hi(dst) != MIPS_R_T9');
    expect(negated(bin('<', v, 0), names)).toBe('v >= 0');
  });
});

describe.skipIf(!haveTree)('rendered kernel C', () => {
  let scratch: string;
  let cacheRoot: string;
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'jitgen-render-test-'));
    cacheRoot = mkdtempSync(join(tmpdir(), 'jitgen-render-harness-'));
    await importCorpus(TREE);
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(cacheRoot, { recursive: true, force: true });
  });

  it('is deterministic: two renderings are byte-identical', () => {
    const a = renderDesign(TREE);
    const b = renderDesign(TREE);
    expect([...a.files.keys()].sort()).toEqual([...b.files.keys()].sort());
    for (const [p, t] of a.files) expect(b.files.get(p)).toBe(t);
  });

  it('renders ALU64 ADD X with the `if (src == dst)` choice of DESIGN.md', () => {
    const c = renderDesign(TREE).files.get(RENDERED.comp32)!;
    // DESIGN.md "One source of truth": the case BPF_ADD of the 64-bit register emitter
    const add = c.slice(c.indexOf('static void emit_alu64_x('));
    const body = add.slice(add.indexOf('\tcase BPF_ADD:'), add.indexOf('\tcase BPF_SUB:'));
    const lines = body.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('/*') && !l.startsWith('*'));
    expect(lines).toEqual([
      'case BPF_ADD:',
      'if (lo(dst) == lo(src)) {',
      'emit(ctx, srl, MIPS_R_T9, lo(dst), 31);',
      'emit(ctx, addu, lo(dst), lo(dst), lo(dst));',
      '} else {',
      'emit(ctx, addu, lo(dst), lo(dst), lo(src));',
      'emit(ctx, sltu, MIPS_R_T9, lo(dst), lo(src));',
      '}',
      'emit(ctx, addu, hi(dst), hi(dst), hi(src));',
      'emit(ctx, addu, hi(dst), hi(dst), MIPS_R_T9);',
      // the prologue saves what the body writes (mainline marks it the same way)
      'clobber_reg(ctx, lo(dst));',
      'clobber_reg(ctx, hi(dst));',
      'break;',
    ]);
    // build_insn dispatches the whole ALU64 register class to it
    expect(c).toMatch(/case BPF_ALU64 \| BPF_ADD \| BPF_X:\n(\tcase [^\n]*\n)*\t\temit_alu64_x\(ctx, dst, src, BPF_OP\(code\), off\);/);
  });

  it('wires 32-bit builds to the new files and leaves MIPS64 on bpf_jit_comp.c + bpf_jit_comp64.c', () => {
    const mk = renderDesign(TREE).files.get(RENDERED.makefile)!;
    expect(mk).toMatch(/ifeq \(\$\(CONFIG_32BIT\),y\)\n\s+obj-\$\(CONFIG_BPF_JIT\) \+= ebpf_jit_core\.o ebpf_jit_comp32\.o\nelse\n\s+obj-\$\(CONFIG_BPF_JIT\) \+= bpf_jit_comp\.o bpf_jit_comp64\.o\nendif/);
    expect(mk).not.toMatch(/[\s=]bpf_jit_comp32\.o/);
  });

  it('adds the uasm builders the design needs, which jitgen uasm-check then finds', () => {
    const r = renderDesign(TREE);
    expect(r.uasmAdded).toEqual(['div', 'div_r6', 'jic', 'mod', 'seb', 'seh']);
    const staged = stageRendered(TREE);
    try {
      const before = new Map(uasmAvailability(TREE).map((a) => [a.op, a]));
      const after = new Map(uasmAvailability(staged.dir).map((a) => [a.op, a]));
      // MIPS32 R2 and R6 both have seb/seh; div (HI/LO) is R2 only; div_r6, mod and jic R6 only
      for (const op of ['seb', 'seh']) expect([before.get(op)!.r2, after.get(op)!.r2, after.get(op)!.r6]).toEqual([false, true, true]);
      expect([before.get('div')!.r2, after.get('div')!.r2]).toEqual([false, true]);
      for (const op of ['div_r6', 'mod', 'jic']) expect([before.get(op)!.r6, after.get(op)!.r6]).toEqual([false, true]);
    } finally {
      staged.cleanup();
    }
  });

  it('is checkpatch-clean (--strict): 0 errors, 0 warnings', () => {
    const r = renderDesign(TREE);
    writeRendered(scratch, r);
    for (const f of [RENDERED.header, RENDERED.core, RENDERED.comp32]) {
      let out: string;
      try {
        out = execFileSync('perl', [join(TREE, 'scripts/checkpatch.pl'), '--strict', '--no-tree', '-f', join(scratch, f)], { encoding: 'utf8', cwd: TREE });
      } catch (e) {
        out = String((e as { stdout?: string }).stdout);
      }
      expect(out, f).toMatch(/total: 0 errors, 0 warnings, \d+ checks/);
    }
  });

  it('--check semantics: an edited file differs, a fresh rendering does not', () => {
    const r = renderDesign(TREE);
    const dir = join(scratch, 'check');
    writeRendered(dir, r);
    expect(differing(dir, r)).toEqual([]);
    writeFileSync(join(dir, RENDERED.core), `${readFileSync(join(dir, RENDERED.core), 'utf8')}\n`);
    expect(differing(dir, r)).toEqual([RENDERED.core]);
  });

  it('compiles with -Wall -Wextra -Werror and emits the model\'s words on a test_bpf sample, all four configurations', async () => {
    // every 12th small program: a spread of ALU, JMP, LDX/STX, atomics, calls
    let n = 0;
    const sample = (p: TestProgram): boolean => p.insns.length <= 300 && n++ % 12 === 0;
    const r = await harnessCheck(TREE, ALL_CONFIGS.map(config), { corpora: ['test_bpf', 'tail_calls'], filter: sample, cacheRoot });
    expect(r.examples).toEqual([]);
    expect(r.differing).toBe(0);
    for (const id of ALL_CONFIGS) expect(r.configs[id]!.identical).toBeGreaterThan(50);
  });

  it('loads constants with the high half at 0x8000 and above without a uasm WARN (lui takes a signed field)', async () => {
    // uasm's lui field is signed 16-bit: 0x8007 passed as an unsigned value encodes the
    // same word but WARNs "Micro-assembler field overflow" in the kernel on every JIT
    const ins = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
    const progs: Program[] = [
      { id: 'mov32 0x80076140', insns: [ins(0xb4, 0, 0, 0, 0x80076140 | 0), ins(0x95)], verifierZext: false, stackDepth: 0 },
      { id: 'add64 -2147000000', insns: [ins(0xb7, 0, 0, 0, 1), ins(0x07, 0, 0, 0, -2147000000), ins(0x95)], verifierZext: false, stackDepth: 0 },
    ];
    const binding = corpusBinding();
    const staged = stageRendered(TREE);
    try {
      const cfg = config('be-r2');
      const imgs = await harnessJit(staged.dir, renderedSources(cfg, [...staged.rendered.kcalls]), cfg, progs, binding, { cacheRoot });
      for (const [i, img] of imgs.entries()) {
        expect(img.words, progs[i]!.id).toEqual(jit(progs[i]!, { design: jitgen, config: cfg, binding }).words);
        // lui v1,0x8007 is in the image, and nothing was printed while JITing it
        expect(img.messages, progs[i]!.id).toBeUndefined();
      }
      expect(imgs[0]!.words).toContain(0x3c038007);
    } finally {
      staged.cleanup();
    }
  });

  it('takes the long form of out-of-range jumps exactly when the model does', async () => {
    // 11000 x (r0 += 1): three words each, so a jump over them is out of branch range
    const ins = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
    const body = Array.from({ length: 11000 }, () => ins(0x07, 0, 0, 0, 1)); // ALU64 | ADD | K
    const progs: Program[] = [
      { id: 'forward ja', insns: [ins(0x05, 0, 0, body.length), ...body, ins(0x95)], verifierZext: false, stackDepth: 0 },
      // JEQ r1, 0 backwards over the body: the inverse branch around a j
      { id: 'backward jeq', insns: [ins(0xb7, 0, 0, 0, 0), ...body, ins(0x15, 1, 0, -(body.length + 1)), ins(0x95)], verifierZext: false, stackDepth: 0 },
    ];
    const binding = corpusBinding();
    const staged = stageRendered(TREE);
    try {
      for (const id of ['be-r2', 'le-r6'] as const) {
        const cfg = config(id);
        const imgs = await harnessJit(staged.dir, renderedSources(cfg, [...staged.rendered.kcalls]), cfg, progs, binding, { cacheRoot });
        for (const [i, img] of imgs.entries()) {
          const model = jit(progs[i]!, { design: jitgen, config: cfg, binding });
          expect(model.words.length).toBeGreaterThan(33000);
          expect(img.words, `${progs[i]!.id} ${id}`).toEqual(model.words);
          // MIPS j (opcode 2) appears: the long form was taken
          expect(img.words!.some((w) => w >>> 26 === 2)).toBe(true);
        }
      }
    } finally {
      staged.cleanup();
    }
  });
});
