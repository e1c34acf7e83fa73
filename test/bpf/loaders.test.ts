// Program loaders: raw bytecode, JSON, BPF ELF objects (clang-14 fixtures for bpfel and
// bpfeb, Debian's libxdp1 objects), their errors, and the `jitgen disasm` process.
// Expected layouts and relocation results are worked out by hand from llvm-objdump-14's
// listing of the fixtures (see the comments at each value) and from libbpf's documented
// linking rules (subprograms appended depth first after the main program).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { encodeInsns } from '../../src/bpf/codec.ts';
import { listElfPrograms, loadProgram } from '../../src/bpf/loaders/index.ts';
import type { Insn } from '../../src/bpf/opcodes.ts';
import { InputError, InsnError } from '../../src/errors.ts';

const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const EXIT = I(0x95, 0, 0, 0, 0);
const dir = mkdtempSync(join(tmpdir(), 'jitgen-loaders-'));
const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(import.meta.dirname, '../fixtures/bpf');
const XDP_DIR = '/usr/lib/x86_64-linux-gnu/bpf';

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

const has = (cmd: string): boolean => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
const hasClang = has('clang-14');
const hasObjdump = has('llvm-objdump-14');

describe('raw bytecode', () => {
  const prog = [I(0xb7, 0, 0, 0, 42), I(0x18, 1, 0, 0, 0x34567890), I(0, 0, 0, 0, 0x12), EXIT];

  test('little endian by default', () => {
    const p = loadProgram(file('prog.bin', encodeInsns(prog, 'le')));
    expect(p).toEqual({ id: 'prog.bin', insns: prog, verifierZext: false, stackDepth: 0 });
  });

  test('big endian with inputEndian be', () => {
    const path = file('prog-be.bin', encodeInsns(prog, 'be'));
    expect(loadProgram(path, { inputEndian: 'be' }).insns).toEqual(prog);
    // the same bytes read as little endian differ: imm 42 becomes 42 << 24, and the
    // LD_IMM64's dst nibble lands in src
    const wrong = loadProgram(path).insns;
    expect(wrong[0]).toEqual(I(0xb7, 0, 0, 0, 42 << 24));
    expect(wrong[1]).toEqual(I(0x18, 0, 1, 0, 0x90785634 | 0));
  });

  test('truncated file', () => {
    const bytes = Uint8Array.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0]);
    const path = file('trunc.bin', bytes);
    expect(errorOf(() => loadProgram(path))).toBe(
      `${path}: insn 1 (95 00 00 00 00): truncated instruction: 5 of 8 bytes at byte offset 8`,
    );
  });

  test('empty file', () => {
    const path = file('empty.bin', new Uint8Array(0));
    expect(errorOf(() => loadProgram(path))).toBe(`${path}: insn 0 (end of program): empty program: no instructions`);
  });
});

describe('JSON', () => {
  test('list of [code, dst, src, off, imm]; off/imm signed or unsigned', () => {
    const path = file('p.json', '[[183, 0, 0, 0, 4294967295], [21, 0, 0, 65535, 1], [149, 0, 0, 0, 0]]');
    expect(loadProgram(path).insns).toEqual([I(0xb7, 0, 0, 0, -1), I(0x15, 0, 0, -1, 1), EXIT]);
  });

  test('{"insns": [...]}', () => {
    const path = file('q.json', '{"insns": [[183, 0, 0, 0, 1], [149, 0, 0, 0, 0]]}');
    expect(loadProgram(path).insns).toEqual([I(0xb7, 0, 0, 0, 1), EXIT]);
  });

  test.each<[string, string, string]>([
    ['unknown opcode', '[[247, 1, 0, 0, 0], [149, 0, 0, 0, 0]]', 'insn 0 (f7 01 0000 00000000): unknown opcode 0xf7'],
    ['reserved field set', '[[183, 1, 2, 0, 5], [149, 0, 0, 0, 0]]', 'insn 0 (b7 21 0000 00000005): reserved field src = 2 (must be 0)'],
    ['bad register', '[[191, 11, 1, 0, 0], [149, 0, 0, 0, 0]]', 'insn 0 (bf 1b 0000 00000000): bad register r11 in dst'],
    ['jump out of range', '[[5, 0, 0, 5, 0], [149, 0, 0, 0, 0]]', 'insn 0 (05 00 0005 00000000): jump out of range: target insn 6, program has 2'],
    ['LD_IMM64 missing its second half', '[[149, 0, 0, 0, 0], [24, 1, 0, 0, 1]]', 'insn 1 (18 01 0000 00000001): LD_IMM64 is missing its second half'],
    ['empty program', '[]', 'insn 0 (end of program): empty program: no instructions'],
    ['entry of the wrong shape', '[[149, 0, 0, 0]]', 'insn 0 ([149,0,0,0]): expected [code, dst, src, off, imm]'],
    ['field out of range', '[[149, 16, 0, 0, 0]]', 'insn 0 ([149,16,0,0,0]): dst must be an integer in 0..15'],
  ])('%s', (_name, text, what) => {
    const path = file('bad.json', text);
    expect(errorOf(() => loadProgram(path))).toBe(`${path}: ${what}`);
  });

  test('not JSON at all', () => {
    const path = file('broken.json', '[[1, 2');
    expect(errorOf(() => loadProgram(path))).toMatch(new RegExp(`^${path}: not valid JSON: `));
  });
});

describe('ELF: malformed objects', () => {
  test('bad magic', () => {
    const path = file('bad.o', 'not an elf file at all');
    expect(errorOf(() => loadProgram(path))).toBe(`${path}: not an ELF file (bad magic)`);
  });

  test('truncated header', () => {
    const path = file('short.o', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]));
    expect(errorOf(() => loadProgram(path))).toBe(`${path}: malformed ELF: e_machine at byte 18 is beyond the end of the file`);
  });

  test.skipIf(!hasClang)('truncated object, section out of file, not BPF', () => {
    const obj = join(dir, 'calls-cut.o');
    execFileSync('clang-14', ['-target', 'bpfel', '-O2', '-g', '-c', join(FIXTURES, 'calls.c'), '-o', obj]);
    const whole = new Uint8Array(execFileSync('cat', [obj]));
    // cut before the section headers (which clang puts at the end)
    const cut = file('cut.o', whole.subarray(0, whole.length - 200));
    expect(errorOf(() => loadProgram(cut))).toMatch(/cut\.o: malformed ELF: section header table \(\d+ entries\) is beyond the end of the file$/);
    // point section 1's sh_offset far beyond the end (ELF64: headers at e_shoff, 64 bytes each)
    const bad = whole.slice();
    const view = new DataView(bad.buffer);
    const shoff = Number(view.getBigUint64(0x28, true));
    view.setBigUint64(shoff + 64 + 24, 0x100000n, true);
    const out = file('outside.o', bad);
    expect(errorOf(() => loadProgram(out))).toMatch(/outside\.o: malformed ELF: section 1 \(offset 1048576, size \d+\) is beyond the end of the file/);
    // e_machine x86-64 (62)
    const x86 = whole.slice();
    new DataView(x86.buffer).setUint16(18, 62, true);
    const xp = file('x86.o', x86);
    expect(errorOf(() => loadProgram(xp))).toBe(`${xp}: not a BPF object (ELF machine 62, BPF is 247)`);
  });
});

/**
 * A minimal ELF32 relocatable object laid out by hand (System V gABI): header, a
 * .shstrtab, one executable section `xdp` holding `r0 = 7; exit`, three section headers.
 */
function elf32(endian: 'le' | 'be'): Uint8Array {
  const le = endian === 'le';
  const out = new Uint8Array(84 + 3 * 40);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, le ? 1 : 2, 1]);
  v.setUint16(16, 1, le); // ET_REL
  v.setUint16(18, 247, le); // EM_BPF
  v.setUint32(20, 1, le);
  v.setUint32(32, 84, le); // e_shoff
  v.setUint16(40, 52, le);
  v.setUint16(46, 40, le); // e_shentsize
  v.setUint16(48, 3, le); // e_shnum
  v.setUint16(50, 1, le); // e_shstrndx
  out.set(new TextEncoder().encode('\0.shstrtab\0xdp\0'), 52);
  out.set(encodeInsns([I(0xb7, 0, 0, 0, 7), EXIT], endian), 68);
  const sh = (i: number, name: number, type: number, flags: number, offset: number, size: number): void => {
    const at = 84 + i * 40;
    v.setUint32(at, name, le);
    v.setUint32(at + 4, type, le);
    v.setUint32(at + 8, flags, le);
    v.setUint32(at + 16, offset, le);
    v.setUint32(at + 20, size, le);
  };
  sh(1, 1, 3, 0, 52, 15); // .shstrtab, SHT_STRTAB
  sh(2, 11, 1, 6, 68, 16); // xdp, SHT_PROGBITS, SHF_ALLOC|SHF_EXECINSTR
  return out;
}

test.each(['le', 'be'] as const)('ELF32 (%s), hand-made', (endian) => {
  const p = loadProgram(file(`x32-${endian}.o`, elf32(endian)));
  expect(p.id).toBe(`x32-${endian}.o:xdp`);
  expect(p.insns).toEqual([I(0xb7, 0, 0, 0, 7), EXIT]);
});

describe.skipIf(!hasClang)('ELF: clang-14 fixtures', () => {
  const built: Record<string, string> = {};
  beforeAll(() => {
    for (const target of ['bpfel', 'bpfeb']) {
      for (const name of ['calls', 'legacy']) {
        const out = join(dir, `${name}-${target}.o`);
        execFileSync('clang-14', ['-target', target, '-O2', '-g', '-mcpu=v3', '-c', join(FIXTURES, `${name}.c`), '-o', out]);
        built[`${name}-${target}`] = out;
      }
    }
  });

  test('bpfel and bpfeb decode to the same program', () => {
    for (const name of ['calls', 'legacy']) {
      const el = loadProgram(built[`${name}-bpfel`], { section: name === 'calls' ? 'xdp' : undefined });
      const eb = loadProgram(built[`${name}-bpfeb`], { section: name === 'calls' ? 'xdp' : undefined });
      expect(eb.insns).toEqual(el.insns);
      expect(eb.maps).toEqual(el.maps);
      expect(eb.kfuncs).toEqual(el.kfuncs);
    }
  });

  test('calls.c, section xdp: maps, data, subprograms and kfunc resolved', () => {
    const p = loadProgram(built['calls-bpfel'], { section: 'xdp' });
    expect(p.id).toBe('calls-bpfel.o:xdp');
    // llvm-objdump: section xdp is 22 insns; .text holds thrice (0-5) and twice (6-11)
    expect(p.insns).toHaveLength(22 + 6 + 6);
    // maps: the one .maps variable (HASH=1, int key, struct pair {long long; int} = 16),
    // then the data sections .data (int limit) and .rodata (const volatile int scale)
    expect(p.maps).toEqual([
      { name: 'counts', type: 1, keySize: 4, valueSize: 16, maxEntries: 128 },
      { name: '.data', type: 2, keySize: 4, valueSize: 4, maxEntries: 1 },
      { name: '.rodata', type: 2, keySize: 4, valueSize: 4, maxEntries: 1 },
    ]);
    expect(p.insns[5]).toEqual(I(0x18, 1, 1, 0, 0)); // r1 = map[counts]: BPF_PSEUDO_MAP_FD, map 0
    expect(p.insns[7]).toEqual(I(0x85, 0, 0, 0, 1)); // helper call 1 untouched
    // insn 11 calls static twice (.text + 6): first call met, so twice is placed right
    // after the main program, at 22; imm = 22 - 11 - 1
    expect(p.insns[11]).toEqual(I(0x85, 0, 1, 0, 10));
    // insn 14 calls global thrice, placed next at 28: imm = 28 - 14 - 1
    expect(p.insns[14]).toEqual(I(0x85, 0, 1, 0, 13));
    // insn 19 calls the extern kfunc: BPF_PSEUDO_KFUNC_CALL, kfunc 0
    expect(p.insns[19]).toEqual(I(0x85, 0, 2, 0, 0));
    // int, long long, char: all signed on the BPF target (clang's char is signed there)
    expect(p.kfuncs).toEqual([{ name: 'bpf_fixture_kfunc', argSizes: [4, 8, 1], argSigned: [true, true, true], retSize: 4 }]);
    // twice's `limit` load: BPF_PSEUDO_MAP_VALUE of map 1 (.data), offset 0
    expect(p.insns.slice(23, 25)).toEqual([I(0x18, 2, 2, 0, 1), I(0, 0, 0, 0, 0)]);
    // thrice's `scale` load: map 2 (.rodata)
    expect(p.insns.slice(29, 31)).toEqual([I(0x18, 2, 2, 0, 2), I(0, 0, 0, 0, 0)]);
  });

  test('calls.c, section tc pulls in only twice', () => {
    const p = loadProgram(built['calls-bpfeb'], { section: 'tc' });
    expect(p.id).toBe('calls-bpfeb.o:tc');
    expect(p.insns).toHaveLength(3 + 6);
    expect(p.insns[1]).toEqual(I(0x85, 0, 1, 0, 1)); // twice placed at 3: imm = 3 - 1 - 1
  });

  test('legacy maps section', () => {
    const p = loadProgram(built['legacy-bpfel']);
    expect(p.id).toBe('legacy-bpfel.o:socket');
    expect(p.maps).toEqual([{ name: 'legacy_map', type: 2, keySize: 4, valueSize: 8, maxEntries: 16 }]);
    expect(p.insns.find((i) => i.code === 0x18)).toEqual(I(0x18, 1, 1, 0, 0));
  });

  test('ELF without that section lists the program sections', () => {
    const path = built['calls-bpfel'];
    expect(errorOf(() => loadProgram(path, { section: 'nope' }))).toBe(
      `${path}: no program section 'nope'; program sections: xdp, tc`,
    );
    expect(errorOf(() => loadProgram(path))).toBe(`${path}: several programs, pick one with --section: xdp, tc`);
    expect(listElfPrograms(new Uint8Array(execFileSync('cat', [path])), path)).toEqual(['xdp', 'tc']);
  });

  test('bad instruction and unknown relocation in an object (hand-made bad.s)', () => {
    const obj = join(dir, 'bad.o');
    execFileSync('clang-14', ['-target', 'bpfel', '-c', join(FIXTURES, 'bad.s'), '-o', obj]);
    expect(errorOf(() => loadProgram(obj, { section: 'xdp' }))).toBe(
      `${obj}:xdp: insn 1 (f7 01 0000 00000000): unknown opcode 0xf7`,
    );
    // `.quad foo` puts an R_BPF_64_ABS64 (type 2) on an instruction slot
    expect(errorOf(() => loadProgram(obj, { section: 'tc' }))).toBe(
      `${obj}:tc: insn 1 (00 00 0000 00000000): relocation type 2 on an instruction that takes none`,
    );
  });

  test('a program by function name, and a .text function on request', () => {
    expect(loadProgram(built['calls-bpfel'], { section: 'other' }).id).toBe('calls-bpfel.o:tc');
    expect(loadProgram(built['calls-bpfel'], { section: '.text:thrice' }).insns).toHaveLength(6);
  });
});

describe.skipIf(!existsSync(XDP_DIR))('libxdp1 objects', () => {
  const objects = existsSync(XDP_DIR) ? readdirSync(XDP_DIR).filter((f) => f.endsWith('.o')).sort() : [];

  /** Section sizes in bytes, from llvm-objdump-14 -h. */
  function sectionSizes(path: string): Map<string, number> {
    const text = execFileSync('llvm-objdump-14', ['-h', path], { encoding: 'utf8' });
    const out = new Map<string, number>();
    for (const m of text.matchAll(/^\s*\d+ (\S+)\s+([0-9a-f]{8}) /gm)) out.set(m[1], parseInt(m[2], 16));
    return out;
  }

  test('all 15 load; single-program sections are exactly their size / 8', () => {
    expect(objects).toHaveLength(15);
    let programs = 0;
    for (const f of objects) {
      const path = join(XDP_DIR, f);
      const sizes = hasObjdump ? sectionSizes(path) : undefined;
      for (const sel of listElfPrograms(new Uint8Array(execFileSync('cat', [path])), path)) {
        const p = loadProgram(path, { section: sel });
        programs++;
        expect(p.id).toBe(`${f}:${sel}`);
        if (sizes && !sel.includes(':')) expect(p.insns.length, `${f} ${sel}`).toBe(sizes.get(sel)! / 8);
      }
    }
    // 13 objects with one program, xdpdump_bpf with fentry/func + fexit/func, and the
    // dispatcher with xdp_dispatcher + xdp_pass in one section
    expect(programs).toBe(17);
  });

  test('xdp-dispatcher: main program + all 11 .text functions it calls', () => {
    const p = loadProgram(join(XDP_DIR, 'xdp-dispatcher.o'), { section: 'xdp_dispatcher' });
    // symbol table: xdp_dispatcher is 0x4a0 bytes; prog0..prog9 and compat_test 0x30 each
    expect(p.insns).toHaveLength(0x4a0 / 8 + 11 * (0x30 / 8));
    const calls = p.insns.map((insn, i) => ({ insn, i })).filter(({ insn }) => insn.code === 0x85 && insn.src === 1);
    expect(calls).toHaveLength(11);
    // every call lands on one of the appended 6-insn functions, each a different one
    const targets = calls.map(({ insn, i }) => i + insn.imm + 1).sort((a, b) => a - b);
    expect(targets).toEqual(Array.from({ length: 11 }, (_, k) => 148 + 6 * k));
    expect(p.maps?.map((m) => m.name)).toEqual(['.rodata']);
  });

  test('map definitions from BTF match the xdp-tools sources', () => {
    const maps = loadProgram(join(XDP_DIR, 'xdpfilt_alw_all.o')).maps!;
    const byName = new Map(maps.map((m) => [m.name, m]));
    // struct datarec { __u64 rx_packets, rx_bytes }, XDP_ACTION_MAX = 5, PERCPU_ARRAY = 6
    expect(byName.get('xdp_stats_map')).toEqual({ name: 'xdp_stats_map', type: 6, keySize: 4, valueSize: 16, maxEntries: 5 });
    expect(byName.get('filter_ethernet')?.keySize).toBe(6); // ETH_ALEN
    expect(byName.get('filter_ipv6')?.keySize).toBe(16); // struct in6_addr
    const xsk = loadProgram(join(XDP_DIR, 'xsk_def_xdp_prog.o')).maps!;
    expect(xsk[0].type).toBe(17); // BPF_MAP_TYPE_XSKMAP
  });
});

describe('the jitgen disasm process', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'bin/jitgen.js'), 'disasm', ...args], { encoding: 'utf8', cwd: ROOT });

  test('bad input: exit 2, one line on stderr, no stack trace', () => {
    const path = file('cli-bad.json', '[[191, 11, 1, 0, 0], [149, 0, 0, 0, 0]]');
    const r = run(path);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`jitgen: error: ${path}: insn 0 (bf 1b 0000 00000000): bad register r11 in dst\n`);
  });

  test.skipIf(!hasClang)('ELF without that section', () => {
    const obj = join(dir, 'cli-calls.o');
    execFileSync('clang-14', ['-target', 'bpfel', '-O2', '-g', '-c', join(FIXTURES, 'calls.c'), '-o', obj]);
    const r = run(obj, '--section', 'nope');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`jitgen: error: ${obj}: no program section 'nope'; program sections: xdp, tc\n`);
  });

  test('big-endian raw input listed', () => {
    const path = file('cli.bin', encodeInsns([I(0x61, 0, 1, 4, 0), I(0xdc, 0, 0, 0, 32), EXIT], 'be'));
    const r = run(path, '--input-endian', 'be');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      '; cli.bin: 3 instructions\n   0: (61) r0 = *(u32 *)(r1 + 4)\n   1: (dc) r0 = be32 r0\n   2: (95) exit\n',
    );
  });
});

// InsnError is what instruction-level problems raise; the CLI prints its message.
test('instruction errors are InsnErrors', () => {
  const path = file('ie.json', '[[247, 1, 0, 0, 0], [149, 0, 0, 0, 0]]');
  expect(() => loadProgram(path)).toThrow(InsnError);
});
