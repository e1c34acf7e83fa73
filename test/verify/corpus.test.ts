// The test_bpf corpus import. Expected values come from the tree's own lib/test_bpf.c text
// (read at run time, by test name), from include/linux/bpf.h, from DESIGN.md's measured
// facts for 6.12, and from hand computation. SLOW-ISH: two real imports run (gcc twice
// each, ~4-8 s on a 2-core machine), so the file takes about 15-20 s.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestProgram } from '../../src/bpf/program.ts';
import { InputError } from '../../src/errors.ts';
import {
  bindTailCalls,
  CLASSIC_SKIP,
  contextBytes,
  encodedInsns,
  FLAG_LARGE_MEM,
  FLAG_NO_DATA,
  FLAG_VERIFIER_ZEXT,
  importCorpus,
  loadCorpus,
  TAIL_CALL_MARKER,
  type ImportSummary,
} from '../../src/verify/corpus/index.ts';
import { cutTestBpf, filterMacros } from '../../src/verify/corpus/source.ts';
import { readStream } from '../../src/verify/corpus/stream.ts';

const TREE = process.env.JITGEN_TEST_TREE ?? '/tmp/ks/linux-source-6.12';
const haveTree = existsSync(join(TREE, 'lib/test_bpf.c'));

/** The files readTreeSources reads: a copy of them is a tree the test may edit. */
const TREE_INPUTS = [
  'lib/test_bpf.c',
  'include/linux/filter.h',
  'include/linux/bpf.h',
  'include/uapi/linux/bpf.h',
  'include/uapi/linux/bpf_common.h',
  'include/uapi/linux/filter.h',
  'include/uapi/linux/if_ether.h',
];

// Instruction encoding constants from RFC 9669 (not from src/), for the few macros the
// checks below read out of test_bpf.c.
const CLS: Record<string, number> = { ALU32: 0x04, ALU64: 0x07, JMP: 0x05, JMP32: 0x06 };
const OPS: Record<string, number> = { BPF_ADD: 0x00, BPF_RSH: 0x70, BPF_MOV: 0xb0, BPF_JEQ: 0x10, BPF_JNE: 0x50 };
const SIZES: Record<string, number> = { BPF_W: 0x00, BPF_H: 0x08, BPF_B: 0x10, BPF_DW: 0x18 };
const reg = (r: string): number => (r === 'BPF_REG_FP' ? 10 : Number(/^R(\d+)$/.exec(r.trim())![1]));

/** Evaluates one instruction macro of test_bpf.c's text: only the forms used below. */
function macroInsn(text: string): { code: number; dst: number; src: number; off: number; imm: number } {
  const m = /^(BPF_\w+)\((.*)\)$/.exec(text.trim())!;
  const a = m[2]!.split(',').map((s) => s.trim());
  const num = (s: string): number => Number(BigInt.asIntN(32, BigInt(s.replace(/U?L*$/i, ''))));
  switch (m[1]) {
    case 'BPF_ALU32_IMM':
    case 'BPF_ALU64_IMM':
      return { code: CLS[m[1] === 'BPF_ALU32_IMM' ? 'ALU32' : 'ALU64']! | OPS[a[0]!]!, dst: reg(a[1]!), src: 0, off: 0, imm: num(a[2]!) };
    case 'BPF_JMP32_IMM':
      return { code: CLS.JMP32! | OPS[a[0]!]!, dst: reg(a[1]!), src: 0, off: num(a[3]!), imm: num(a[2]!) };
    case 'BPF_LDX_MEM':
      return { code: 0x01 | 0x60 | SIZES[a[0]!]!, dst: reg(a[1]!), src: reg(a[2]!), off: num(a[3]!), imm: 0 };
    case 'BPF_EXIT_INSN':
      return { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
    default:
      throw new Error(`macro not handled by the test: ${m[1]}`);
  }
}

describe.skipIf(!haveTree)('corpus import from the 6.12 tree', () => {
  let work: string;
  let tree: string;
  let cacheRoot: string;
  let first: ImportSummary;
  let text: string;
  let le: TestProgram[];
  let be: TestProgram[];

  /** The source block of the tests[] entry named `name` (from its name to its closing brace). */
  const block = (name: string): string => {
    const at = text.indexOf(`\t\t"${name}",\n`);
    expect(at, `test "${name}" in test_bpf.c`).toBeGreaterThan(0);
    return text.slice(at, text.indexOf('\n\t},', at));
  };
  const byName = (progs: TestProgram[], name: string): TestProgram => {
    const p = progs.find((q) => q.name === name);
    expect(p, name).toBeDefined();
    return p!;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'jitgen-corpus-'));
    tree = join(work, 'tree');
    cacheRoot = join(work, 'cache');
    for (const f of TREE_INPUTS) {
      mkdirSync(dirname(join(tree, f)), { recursive: true });
      copyFileSync(join(TREE, f), join(tree, f));
    }
    text = readFileSync(join(tree, 'lib/test_bpf.c'), 'utf8');
    first = await importCorpus(tree, { cacheRoot });
    le = loadCorpus(tree, 'test_bpf', 'le', { cacheRoot });
    be = loadCorpus(tree, 'test_bpf', 'be', { cacheRoot });
  }, 60_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('has the counts measured on 6.12 (DESIGN.md) in both byte orders', () => {
    expect(first.reused).toBe(false);
    for (const e of ['le', 'be'] as const) {
      expect(first.byEndian[e]).toMatchObject({ tests: 1050, ebpf: 916, classic: 134, tailCalls: 10 });
      // every `.fill_helper = bpf_...` of the table, and no other test, is generated
      expect(first.byEndian[e].generated).toBe(text.match(/\.fill_helper = bpf_/g)!.length);
    }
    expect(first.differingTests).toHaveLength(35);
    expect(first.maxTailCallCnt).toBe(Number(/#define MAX_TAIL_CALL_CNT (\d+)/.exec(readFileSync(join(tree, 'include/linux/bpf.h'), 'utf8'))![1]));
    expect(le).toHaveLength(1050);
    expect(le.filter((p) => p.generated).length).toBe(first.byEndian.le.generated);
  });

  it("numbers programs by their position in tests[] (test_bpf's own test number)", () => {
    le.forEach((p, i) => {
      expect(p.index).toBe(i);
      expect(p.id).toBe(`test_bpf:${i}:${p.name}`);
      expect(p.corpus).toBe('test_bpf');
    });
    // the first entry of tests[] in the text
    const firstName = /static struct bpf_test tests\[\] = \{\n\t\{\n\t\t"([^"]+)"/.exec(text)![1];
    expect(le[0]!.name).toBe(firstName);
  });

  it('builds the 32-bit table: the CONFIG_32BIT-only test is there, as written', () => {
    const name = 'INT: 32-bit context pointer word order and zero-extension';
    const src = block(name);
    expect(text.slice(text.indexOf(name) - 200, text.indexOf(name))).toContain('#ifdef CONFIG_32BIT');
    const want = src
      .slice(src.indexOf('{\n') + 2, src.indexOf('\t\t},'))
      .split('\n')
      .map((l) => l.trim().replace(/,$/, ''))
      .filter(Boolean)
      .map(macroInsn);
    const p = byName(le, name);
    expect(p.insns).toEqual(want);
    expect(p.expect).toEqual([{ dataSize: 0, result: 1 }]); // `{ { 0, 1 } }`
    expect(p.flags & FLAG_NO_DATA).toBe(0); // R1 is an skb pointer: non-NULL, high word 0
  });

  it('takes byte-order dependent expectations from the right #ifdef branch', () => {
    const name = 'ALU_END_FROM_BE 16: 0x0123456789abcdef -> 0xcdef';
    const v = Number(/cpu_to_be16\((0x[0-9a-f]+)\)/.exec(block(name))![1]);
    const swapped = ((v & 0xff) << 8) | (v >> 8); // by hand: a little-endian CPU swaps
    expect(byName(be, name).expect).toEqual([{ dataSize: 0, result: v }]);
    expect(byName(le, name).expect).toEqual([{ dataSize: 0, result: swapped }]);
    expect(be.findIndex((p) => p.name === name)).toBe(le.findIndex((p) => p.name === name));
    expect(first.differingTests).toContain(byName(le, name).index);
  });

  it('takes byte-order dependent instructions from the right #ifdef branch', () => {
    const name = 'BPF_LDX_MEM | BPF_B, base';
    const m = /#ifdef __BIG_ENDIAN\n\s*(.*),\n#else\n\s*(.*),\n#endif/.exec(block(name))!;
    const ldx = (p: TestProgram): unknown => p.insns.find((i) => (i.code & 0x07) === 0x01);
    expect(ldx(byName(be, name))).toEqual(macroInsn(m[1]!));
    expect(ldx(byName(le, name))).toEqual(macroInsn(m[2]!));
  });

  it("generates the kernel's PRNG sequence: the ALU ADDs of 'Run/add until end' sum to its expected A", () => {
    const name = 'BPF_MAXINSNS: Run/add until end';
    const want = Number(/\{ \{ 0, (0x[0-9a-f]+) \} \}/.exec(block(name))![1]);
    const p = byName(le, name);
    expect(p.generated).toBe(true);
    expect(p.classicInsns!.length).toBe(4096); // BPF_MAXINSNS
    let sum = 0;
    for (const i of p.classicInsns!) if (i.code === 0x04) sum = (sum + i.k) >>> 0; // BPF_ALU|BPF_ADD|BPF_K
    expect(sum).toBe(want);
  });

  it('keeps flags, data, sub-tests and classic programs', () => {
    const large = le.filter((p) => p.flags & FLAG_LARGE_MEM);
    expect(large).toHaveLength(text.match(/INTERNAL \| FLAG_LARGE_MEM,/g)!.length);
    const neg = byName(le, 'BPF_LDX_MEM | BPF_B, negative offset');
    expect(neg.expect).toEqual([{ dataSize: 512, result: 0 }]); // `{ { 512, 0 } }`
    expect(contextBytes(neg, neg.expect[0]!)).toEqual(new Uint8Array(512));

    const zext = le.filter((p) => p.flags & FLAG_VERIFIER_ZEXT);
    expect(zext.length).toBe(text.match(/FLAG_VERIFIER_ZEXT,/g)!.length);
    expect(zext.every((p) => p.verifierZext)).toBe(true);
    expect(le.filter((p) => !(p.flags & FLAG_VERIFIER_ZEXT)).some((p) => p.verifierZext)).toBe(false);

    // three sub-tests, the last one `{ 60, 0x80000000 ^ 60 }`
    const lit = text.indexOf('{ 60, 0x80000000 ^ 60 } }');
    const multiName = /\t\t"([^"]+)",\n/g;
    let found: RegExpExecArray | null;
    let name = '';
    while ((found = multiName.exec(text)) && found.index < lit) name = found[1]!;
    const multi = byName(le, name);
    expect(multi.expect).toEqual([
      { dataSize: 1, result: 0x80000001 },
      { dataSize: 2, result: 0x80000002 },
      { dataSize: 60, result: (0x80000000 ^ 60) >>> 0 },
    ]);
    expect(multi.skip).toBe(CLASSIC_SKIP);
    expect(multi.insns).toEqual([]);
    expect(multi.classicInsns!.at(-1)).toEqual({ code: 0x16, jt: 0, jf: 0, k: 0 }); // BPF_RET|BPF_A

    const missingRet = byName(le, 'check: missing ret');
    expect(block('check: missing ret')).toContain('.expected_errcode = -EINVAL');
    expect(missingRet.expectedErrcode).toBe(-22); // EINVAL
    expect(missingRet.classicInsns).toEqual([{ code: 0x00, jt: 0, jf: 0, k: 1 }]); // BPF_LD|BPF_IMM, 1
    expect(missingRet.data).toHaveLength(0);
    expect(contextBytes(missingRet, missingRet.expect[0]!)).toBeNull();

    // static eBPF programs are trimmed as the kernel's filter_length() does
    for (const p of le) {
      if (p.generated || p.skip) continue;
      const last = p.insns.at(-1)!;
      expect(last.code !== 0 || last.dst !== 0 || last.src !== 0 || last.imm !== 0, p.id).toBe(true);
    }
    expect(Array.from(encodedInsns(byName(le, 'INT: ADD trivial'))!.subarray(-8))).toEqual([0x95, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('loads the tail-call tests as prepare_tail_call_tests() builds them', () => {
    const tc = loadCorpus(tree, 'tail_calls', 'le', { cacheRoot });
    expect(tc.map((p) => p.id)).toEqual(tc.map((p, i) => `tail_calls:${i}:${p.name}`));
    expect(tc).toHaveLength(10);
    const targets = tc[0]!.tailCallTargets!;
    expect(targets).toHaveLength(11); // one slot per test plus a NULL one: max_entries
    expect(targets.slice(0, 10)).toEqual(tc);
    expect(targets[10]).toBeNull();
    expect(tc.every((p) => p.tailCallTargets === targets)).toBe(true);

    const indexOperand = (p: TestProgram): number => p.insns.find((i) => i.code === 0xb4 && i.dst === 3)!.imm;
    const two = byName(tc, 'Tail call 2');
    expect(block('Tail call 2')).toContain('TAIL_CALL(-1)');
    expect(indexOperand(two)).toBe(two.index - 1);
    expect(two.expect).toEqual([{ dataSize: 0, result: Number(/\.result = (\d+)/.exec(block('Tail call 2'))![1]) }]);
    expect(indexOperand(byName(tc, 'Tail call error path, NULL target'))).toBe(10);
    expect(indexOperand(byName(tc, 'Tail call error path, index out of range'))).toBe(11);
    // the marker load of R2 is kept, then the internal tail-call opcode (BPF_JMP | 0xf0)
    const at = two.insns.findIndex((i) => i.code === 0x18);
    expect(two.insns[at]).toEqual({ code: 0x18, dst: 2, src: 0, off: 0, imm: TAIL_CALL_MARKER });
    expect(two.insns[at + 1]).toEqual({ code: 0, dst: 0, src: 0, off: 0, imm: 0 });
    expect(two.insns[at + 3]!.code).toBe(0xf5);

    const max = byName(tc, 'Tail call error path, max count reached');
    expect(max.resultInState).toBe(true);
    expect(max.runs).toBe(1000); // MAX_TESTRUNS
    expect(max.expect[0]!.result).toBe((33 + 1) * 1000); // (MAX_TAIL_CALL_CNT + 1) * MAX_TESTRUNS
    expect(max.data).toEqual(new Uint8Array(4)); // int state = 0
    expect(byName(tc, 'Tail call leaf').flags & FLAG_NO_DATA).toBeTruthy(); // R1 = NULL

    const calls = byName(tc, 'Tail call count preserved across function calls');
    expect(calls.helpers!.map((h) => h.name).sort()).toEqual(
      [...block('Tail call count preserved across function calls').matchAll(/BPF_CALL_REL\(BPF_FUNC_(\w+)\)/g)].map((m) => m[1]).sort(),
    );
    const uapi = readFileSync(join(tree, 'include/uapi/linux/bpf.h'), 'utf8');
    expect(calls.helpers!.find((h) => h.name === 'ktime_get_ns')!.id).toBe(5); // 6th FN() of the uapi list
    expect(uapi).toContain('FN(ktime_get_ns, 5');
    expect(calls.insns.filter((i) => i.code === 0x85).every((i) => i.src === 0)).toBe(true);
  });

  it('binds the prog array address into every marker load, in fresh programs', () => {
    const tc = loadCorpus(tree, 'tail_calls', 'be', { cacheRoot });
    const bound = bindTailCalls(tc, 0x2000_0000);
    const lds = bound.flatMap((p) => p.insns.filter((i) => i.code === 0x18 && i.dst === 2));
    expect(lds.length).toBe(bound.filter((p) => p.tailCallReachable).length);
    expect(lds.every((i) => i.imm === 0x2000_0000)).toBe(true);
    expect(bound[0]!.tailCallTargets![1]).toBe(bound[1]);
    expect(bound[0]!.tailCallTargets![10]).toBeNull();
    expect(tc[1]!.insns.find((i) => i.code === 0x18)!.imm).toBe(TAIL_CALL_MARKER);
  });

  it('reuses the cache on a second import', async () => {
    const again = await importCorpus(tree, { cacheRoot });
    expect(again.reused).toBe(true);
    expect(again.key).toBe(first.key);
    expect(again.seconds).toBeLessThan(1);
  });

  it('re-imports when test_bpf.c changes, and refuses to load the stale cache before that', async () => {
    // a second tree with the same files shares the cache
    const tree2 = join(work, 'tree2');
    for (const f of TREE_INPUTS) {
      mkdirSync(dirname(join(tree2, f)), { recursive: true });
      copyFileSync(join(tree, f), join(tree2, f));
    }
    const shared = await importCorpus(tree2, { cacheRoot });
    expect(shared).toMatchObject({ reused: true, key: first.key, tree: tree2 });

    const renamed = text.replace('"Tail call leaf"', '"Tail call leaf, renamed"');
    writeFileSync(join(tree, 'lib/test_bpf.c'), renamed);
    expect(() => loadCorpus(tree, 'tail_calls', 'le', { cacheRoot })).toThrow(/run `jitgen corpus import --tree .*` first/);
    const next = await importCorpus(tree, { cacheRoot });
    expect(next.reused).toBe(false);
    expect(next.key).not.toBe(first.key);
    expect(loadCorpus(tree, 'tail_calls', 'le', { cacheRoot })[0]!.name).toBe('Tail call leaf, renamed');
    // tree2 still uses the first cache ...
    expect(loadCorpus(tree2, 'tail_calls', 'le', { cacheRoot })[0]!.name).toBe('Tail call leaf');
    // ... until it changes the same way: then it moves to the new one and the old one goes
    writeFileSync(join(tree2, 'lib/test_bpf.c'), renamed);
    expect(await importCorpus(tree2, { cacheRoot })).toMatchObject({ reused: true, key: next.key });
    expect(existsSync(first.cacheDir)).toBe(false);
  }, 60_000);
});

describe('corpus inputs and cache files', () => {
  it('reports a missing cache with the command to run', () => {
    const empty = mkdtempSync(join(tmpdir(), 'jitgen-nocache-'));
    try {
      if (!haveTree) return;
      expect(() => loadCorpus(TREE, 'test_bpf', 'le', { cacheRoot: empty })).toThrow(InputError);
      expect(() => loadCorpus(TREE, 'test_bpf', 'le', { cacheRoot: empty })).toThrow(/run `jitgen corpus import.*` first/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('rejects a directory that is not a kernel tree', async () => {
    await expect(importCorpus(tmpdir(), { cacheRoot: join(tmpdir(), 'unused') })).rejects.toThrow(/not a kernel tree with lib\/test_bpf.c/);
  });

  it('rejects damaged streams with the byte offset', () => {
    expect(() => readStream(new TextEncoder().encode('NOPE'), 'x')).toThrow('x: not a corpus stream');
    const head = new Uint8Array([...new TextEncoder().encode('JGTB'), 1, 0, 0, 0, 33, 0, 0, 0, 128, 0, 0, 0, 0x54, 1]);
    expect(() => readStream(head, 'y')).toThrow(/^y: truncated at byte 17$/);
    const badTag = new Uint8Array([...head.subarray(0, 16), 0x51]);
    expect(() => readStream(badTag, 'z')).toThrow('z: bad record tag 0x51');
  });

  it('cuts test_bpf.c at its landmarks and takes only the macros of filter.h', () => {
    const src = ['#include <a.h>', '#include <b.h>', 'int table;', 'static struct net_device dev;', 'run();',
      'struct tail_call_test {', '};', 'static struct tail_call_test tail_call_tests[] = {', '{ 1 },', '};', 'after();'].join('\n');
    const cut = cutTestBpf(src);
    expect(cut.table).toEqual({ text: 'int table;', line: 3 });
    expect(cut.tailCalls.line).toBe(6);
    expect(cut.tailCalls.text.split('\n').at(-1)).toBe('};');
    expect(() => cutTestBpf('int x;')).toThrow(InputError);
    const h = ['#ifndef __LINUX_FILTER_H__', '#define __LINUX_FILTER_H__', '#define A 1', 'static inline int f(void) { return 0; }',
      '#define B(x) \\', '\t((x) + 1)', '#ifdef C', '#define D 2', '#endif'].join('\n');
    expect(filterMacros(h)).toBe('#define A 1\n#define B(x) \\\n\t((x) + 1)');
  });
});
