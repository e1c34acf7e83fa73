// The host harness running mainline's MIPS32 JIT C. Expected values come from outside the
// harness: GNU objdump's disassembly of the words, the instructions the tree's own
// bpf_jit_comp32.c visibly emits (read here from the tree), MAX_TAIL_CALL_CNT from the
// tree's include/linux/bpf.h, instruction encodings from RFC 9669 and the MIPS32 manual
// (`j` holds bits 27..2 of its target), and DESIGN.md's facts measured on a booted 6.12
// kernel (which opcodes mainline rejects). Takes ~10 s: four harness builds (gcc -m32,
// about a second each) into a temporary cache, then small runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Insn } from '../../src/bpf/opcodes.ts';
import type { Program, TestProgram } from '../../src/bpf/program.ts';
import { ALL_CONFIGS, config, type Config } from '../../src/config.ts';
import { defaultBinding, type Binding } from '../../src/jit/binding.ts';
import { buildHarness, harnessJit, type HarnessImage } from '../../src/kernel/harness/index.ts';
import { defaultTreeDir, importCorpus, loadCorpus } from '../../src/verify/corpus/index.ts';

const TREE = process.env.JITGEN_TEST_TREE ?? defaultTreeDir;
const haveTree = existsSync(join(TREE, 'arch/mips/net/bpf_jit_comp32.c'));
const CONFIGS = ALL_CONFIGS.map(config);

// RFC 9669 encodings, written out here.
const ALU64_MOV_K = 0xb7;
const ALU_MOV_K = 0xb4;
const EXIT = 0x95;
const BSWAP = 0xd7; // ALU64 | END | TO_LE: unconditional byte swap (ISA v4)
const LDX_MEMSX_B = 0x91; // LDX | MEMSX | B (ISA v4)
const LDX_MEMSX_H = 0x89;
const LDX_MEMSX_W = 0x81;
const JMP32_JA = 0x06; // JMP32 | JA (ISA v4)
const ALU64_MOV_X = 0xbf;
const ALU64_DIV_K = 0x37;
const ALU64_MOD_K = 0x97;
const TAIL_CALL = 0xf5; // JMP | kernel-internal BPF_TAIL_CALL (0xf0)

const ins = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const prog = (id: string, insns: Insn[], stackDepth = 0): Program => ({ id, insns, verifierZext: false, stackDepth });

let cacheRoot: string;
let scratch: string;

beforeAll(() => {
  cacheRoot = mkdtempSync(join(tmpdir(), 'jitgen-harness-'));
  scratch = mkdtempSync(join(tmpdir(), 'jitgen-harness-dis-'));
});
afterAll(() => {
  rmSync(cacheRoot, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

async function jitOne(cfg: Config, p: Program, binding: Binding = defaultBinding()): Promise<HarnessImage> {
  const [img] = await harnessJit(TREE, 'mainline', cfg, [p], binding, { cacheRoot });
  return img!;
}

/** objdump's disassembly of the words, one "mnemonic operands" string per word. */
function objdump(words: Uint32Array, cfg: Config): string[] {
  const bytes = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => (cfg.endian === 'be' ? bytes.writeUInt32BE(w, 4 * i) : bytes.writeUInt32LE(w, 4 * i)));
  const file = join(scratch, `${cfg.id}.bin`);
  writeFileSync(file, bytes);
  const out = execFileSync('mips-linux-gnu-objdump', ['-D', '-b', 'binary', '-m', `mips:isa32${cfg.isa}`, cfg.endian === 'be' ? '-EB' : '-EL', file], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => /^\s*[0-9a-f]+:\t[0-9a-f]{8}\s+\t?(.*)$/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined)
    .map((s) => s.replace(/\s+/g, ' ').trim());
}

describe.skipIf(!haveTree)('mainline JIT in the host harness', () => {
  const tcc = Number(/^#define\s+MAX_TAIL_CALL_CNT\s+(\d+)/m.exec(readFileSync(join(TREE, 'include/linux/bpf.h'), 'utf8'))![1]);

  it('builds once per configuration and reuses the build', async () => {
    const b = defaultBinding();
    const first = await Promise.all(CONFIGS.map((c) => buildHarness(TREE, 'mainline', c, b, { cacheRoot })));
    const again = await buildHarness(TREE, 'mainline', CONFIGS[0]!, b, { cacheRoot });
    expect(again.reused).toBe(true);
    expect(again.exe).toBe(first[0]!.exe);
    expect(new Set(first.map((x) => x.exe)).size).toBe(4);
    // the image base is per run, not per build
    expect((await buildHarness(TREE, 'mainline', CONFIGS[0]!, { ...b, imageBase: 0xc4000000 }, { cacheRoot })).reused).toBe(true);
    expect(first[0]!.maxTailCallCnt).toBe(tcc);
  });

  it('emits the prologue and epilogue bpf_jit_comp32.c writes, in all four configurations (objdump)', async () => {
    for (const cfg of CONFIGS) {
      const img = await jitOne(cfg, prog('r0 = 1', [ins(ALU64_MOV_K, 0, 0, 0, 1), ins(EXIT)]));
      expect(img.jited).toBe(true);
      const dis = objdump(img.words!, cfg);
      expect(dis.length).toBe(img.size);
      // TCC init: the first two instructions, which a tail call skips: `ori t9, zero, TCC`
      // (MIPS32 ORI: opcode 0x0d, rs 0, rt 25; objdump prints it as its alias `li`)
      expect(img.words![0]).toBe(((0x0d << 26) | (25 << 16) | tcc) >>> 0);
      expect(dis.slice(0, 2)).toEqual([`li t9,0x${tcc.toString(16)}`, 'sw t9,0(sp)']);
      // R1 = a0:a1 (hi:lo on big endian): the 32-bit context in a0 moves to lo(R1), hi(R1) = 0.
      // uasm's `move rd, rs` is `addu rd, zero, rs`; objdump calls it `move` only when rs is zero.
      expect(dis.slice(2, cfg.endian === 'be' ? 4 : 3)).toEqual(cfg.endian === 'be' ? ['addu a1,zero,a0', 'move a0,zero'] : ['move a1,zero']);
      // the epilogue: on big endian the low word of R0 (v1) goes to v0; return, frame popped in the delay slot
      const tail = dis.slice(cfg.endian === 'be' ? -3 : -2);
      expect(tail).toEqual([...(cfg.endian === 'be' ? ['addu v0,zero,v1'] : []), 'jr ra', 'addiu sp,sp,0']);
    }
  });

  it('reads the struct offsets of the binding in the tail call', async () => {
    const cfg = config('be-r2');
    const p = prog('tail call', [ins(TAIL_CALL), ins(ALU64_MOV_K), ins(EXIT)]);
    const base = defaultBinding();
    const other: Binding = { ...base, offsets: { arrayMaxEntries: 20, arrayPtrs: 192, progBpfFunc: 36 } };
    const a = objdump((await jitOne(cfg, p, base)).words!, cfg);
    const b = objdump((await jitOne(cfg, p, other)).words!, cfg);
    // bpf_jit_comp32.c: lw t1(t8), max_entries(ary = lo(R2) = a3 on BE); lw t2(t9), ptrs(t1); lw t1, bpf_func(t2)
    for (const [dis, o] of [[a, base.offsets], [b, other.offsets]] as const) {
      expect(dis).toContain(`lw t8,${o.arrayMaxEntries}(a3)`);
      expect(dis).toContain(`lw t9,${o.arrayPtrs}(t8)`);
      expect(dis).toContain(`lw t8,${o.progBpfFunc}(t9)`);
    }
  });

  it('refuses exactly the ISA v4 opcodes DESIGN.md says 6.12 rejects (BSWAP, LDX MEMSX, JMP32 JA)', async () => {
    const cfg = config('le-r2');
    const rejected = [
      prog('bswap16', [ins(BSWAP, 0, 0, 0, 16), ins(EXIT)]),
      prog('bswap64', [ins(BSWAP, 0, 0, 0, 64), ins(EXIT)]),
      prog('ldxsb', [ins(LDX_MEMSX_B, 0, 10, -8), ins(EXIT)], 8),
      prog('ldxsh', [ins(LDX_MEMSX_H, 0, 10, -8), ins(EXIT)], 8),
      prog('ldxsw', [ins(LDX_MEMSX_W, 0, 10, -8), ins(EXIT)], 8),
      prog('ja32', [ins(JMP32_JA, 0, 0, 0, 0), ins(EXIT)]),
    ];
    // MOVSX, SDIV and SMOD are accepted (and miscompiled: they are off != 0 forms of known opcodes)
    const accepted = [
      prog('movsx', [ins(ALU64_MOV_X, 0, 1, 8), ins(EXIT)]),
      prog('sdiv', [ins(ALU64_MOV_K, 0, 0, 0, -7), ins(ALU64_DIV_K, 0, 0, 1, 2), ins(EXIT)]),
      prog('smod', [ins(ALU64_MOV_K, 0, 0, 0, -7), ins(ALU64_MOD_K, 0, 0, 1, 2), ins(EXIT)]),
      prog('mov32', [ins(ALU_MOV_K, 0, 0, 0, 5), ins(EXIT)]),
    ];
    const imgs = await harnessJit(TREE, 'mainline', cfg, [...rejected, ...accepted], defaultBinding(), { cacheRoot });
    expect(imgs.map((i) => i.jited)).toEqual([...rejected.map(() => false), ...accepted.map(() => true)]);
    const hex = (c: number): string => c.toString(16).padStart(2, '0');
    rejected.forEach((p, i) => expect(imgs[i]!.error).toContain(`opcode ${hex(p.insns[0]!.code)}`));
    expect(imgs.map((i) => i.id)).toEqual([...rejected, ...accepted].map((p) => p.id));
  });

  it('places the image at the binding base: only `j` targets change with it', async () => {
    const cfg = config('be-r6');
    // test_bpf's JMP_EXIT: an exit before the end jumps to the epilogue with `j`
    const p = prog('JMP_EXIT', [ins(ALU_MOV_K, 0, 0, 0, 0x4711), ins(EXIT), ins(ALU_MOV_K, 0, 0, 0, 0x4712)]);
    const A = 0xc0010000;
    const B = 0xc7654320;
    const imgs = await harnessJit(TREE, 'mainline', cfg, [p, p], defaultBinding(), { cacheRoot, imageBases: [A, B] });
    const [a, b] = [imgs[0]!.words!, imgs[1]!.words!];
    expect(a.length).toBe(b.length);
    let js = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i]! >>> 26 === 2) {
        js++;
        // j: instr_index = target[27:2]; the target lies inside the image, at the same offset
        const ta = ((A & 0xf0000000) | ((a[i]! & 0x3ffffff) << 2)) >>> 0;
        const tb = ((B & 0xf0000000) | ((b[i]! & 0x3ffffff) << 2)) >>> 0;
        expect(ta - A).toBe(tb - B);
        expect(ta - A).toBeGreaterThan(4 * i);
        expect(ta - A).toBeLessThan(4 * a.length);
      } else {
        expect(b[i]).toBe(a[i]);
      }
    }
    expect(js).toBe(1);
  });

  it('JITs a handful of test_bpf programs in all four configurations', async () => {
    try {
      loadCorpus(TREE, 'test_bpf', 'be');
    } catch {
      await importCorpus(TREE);
    }
    const names = ['INT: ADD trivial', 'INT: MUL_X', 'JMP_EXIT', 'BPF_LDX_MEMSX | BPF_B', 'BSWAP 16: 0x0123456789abcdef -> 0xefcd'];
    for (const cfg of CONFIGS) {
      const all = loadCorpus(TREE, 'test_bpf', cfg.endian);
      const some: TestProgram[] = names.map((n) => all.find((p) => p.name === n)!);
      expect(some.every(Boolean)).toBe(true);
      const imgs = await harnessJit(TREE, 'mainline', cfg, some, defaultBinding(), { cacheRoot });
      expect(imgs.map((i) => i.jited)).toEqual([true, true, true, false, false]);
      for (const img of imgs.filter((i) => i.jited)) {
        const dis = objdump(img.words!, cfg);
        expect(dis[0]).toBe(`li t9,0x${tcc.toString(16)}`);
        expect(dis.at(-1)).toMatch(/^addiu sp,sp,\d+$/);
        expect(dis.at(-2)).toBe('jr ra');
        // R6 has no HI/LO: multu/mflo/mfhi never appear in an R6 image
        if (cfg.isa === 'r6') expect(dis.some((d) => /^(multu?|mflo|mfhi) /.test(d))).toBe(false);
      }
    }
  });
});
