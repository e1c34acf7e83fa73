// Disassembler. Expected text: the format strings of the kernel's kernel/bpf/disasm.c
// (6.12), with this project's documented spacing (`(r1 + 4)` / `(r10 - 8)` as
// llvm-objdump prints memory operands, `goto +2` without the `pc`); the instructions
// are hand-encoded from RFC 9669. A second oracle is llvm-objdump-14 itself, run over
// every executable section of the libxdp1 objects and of the test fixtures.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { decodeInsns } from '../../src/bpf/codec.ts';
import { disasmInsn, disasmListing } from '../../src/bpf/disasm.ts';
import type { Insn } from '../../src/bpf/opcodes.ts';
import type { Program } from '../../src/bpf/program.ts';
import { parseElf, SHF_EXECINSTR } from '../../src/bpf/loaders/elf-file.ts';

const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const one = (insn: Insn, next?: Insn, prog?: Program): string => disasmInsn(next ? [insn, next] : [insn], 0, prog);

describe('every opcode, kernel syntax', () => {
  test.each<[string, Insn, string]>([
    // ALU64 / ALU with K and X
    ['add64 X', I(0x0f, 1, 2, 0, 0), 'r1 += r2'],
    ['add32 X', I(0x0c, 1, 2, 0, 0), 'w1 += w2'],
    ['sub64 K', I(0x17, 1, 0, 0, -7), 'r1 -= -7'],
    ['mul32 K', I(0x24, 1, 0, 0, 3), 'w1 *= 3'],
    ['div64 X', I(0x3f, 1, 2, 0, 0), 'r1 /= r2'],
    ['sdiv64 X', I(0x3f, 1, 2, 1, 0), 'r1 s/= r2'],
    ['sdiv32 K', I(0x34, 1, 0, 1, 3), 'w1 s/= 3'],
    ['or64 K', I(0x47, 1, 0, 0, 255), 'r1 |= 255'],
    ['and32 X', I(0x5c, 1, 2, 0, 0), 'w1 &= w2'],
    ['lsh64 K', I(0x67, 1, 0, 0, 32), 'r1 <<= 32'],
    ['rsh32 X', I(0x7c, 1, 3, 0, 0), 'w1 >>= w3'],
    ['neg64', I(0x87, 1, 0, 0, 0), 'r1 = -r1'],
    ['neg32', I(0x84, 1, 0, 0, 0), 'w1 = -w1'],
    ['mod64 X', I(0x9f, 1, 2, 0, 0), 'r1 %= r2'],
    ['smod64 K', I(0x97, 1, 0, 1, 3), 'r1 s%= 3'],
    ['smod32 X', I(0x9c, 1, 2, 1, 0), 'w1 s%= w2'],
    ['xor64 X', I(0xaf, 1, 2, 0, 0), 'r1 ^= r2'],
    ['mov64 X', I(0xbf, 6, 1, 0, 0), 'r6 = r1'],
    ['mov32 K', I(0xb4, 1, 0, 0, -1), 'w1 = -1'],
    ['movsx64 s8', I(0xbf, 1, 2, 8, 0), 'r1 = (s8)r2'],
    ['movsx64 s16', I(0xbf, 1, 2, 16, 0), 'r1 = (s16)r2'],
    ['movsx64 s32', I(0xbf, 1, 2, 32, 0), 'r1 = (s32)r2'],
    ['movsx32 s8', I(0xbc, 1, 2, 8, 0), 'w1 = (s8)w2'],
    ['arsh64 K', I(0xc7, 1, 0, 0, 2), 'r1 s>>= 2'],
    ['arsh32 X', I(0xcc, 1, 2, 0, 0), 'w1 s>>= w2'],
    ['le16', I(0xd4, 1, 0, 0, 16), 'r1 = le16 r1'],
    ['be32', I(0xdc, 1, 0, 0, 32), 'r1 = be32 r1'],
    ['be64', I(0xdc, 1, 0, 0, 64), 'r1 = be64 r1'],
    ['bswap16', I(0xd7, 1, 0, 0, 16), 'r1 = bswap16 r1'],
    ['bswap64', I(0xd7, 3, 0, 0, 64), 'r3 = bswap64 r3'],
    // loads and stores
    ['ldxw', I(0x61, 0, 1, 4, 0), 'r0 = *(u32 *)(r1 + 4)'],
    ['ldxb', I(0x71, 0, 1, 0, 0), 'r0 = *(u8 *)(r1 + 0)'],
    ['ldxh', I(0x69, 0, 1, -2, 0), 'r0 = *(u16 *)(r1 - 2)'],
    ['ldxdw', I(0x79, 2, 10, -8, 0), 'r2 = *(u64 *)(r10 - 8)'],
    ['ldxsb', I(0x91, 0, 1, 3, 0), 'r0 = *(s8 *)(r1 + 3)'],
    ['ldxsh', I(0x89, 0, 1, -2, 0), 'r0 = *(s16 *)(r1 - 2)'],
    ['ldxsw', I(0x81, 0, 1, 8, 0), 'r0 = *(s32 *)(r1 + 8)'],
    ['stb', I(0x72, 10, 0, -1, 7), '*(u8 *)(r10 - 1) = 7'],
    ['stdw', I(0x7a, 10, 0, -8, -1), '*(u64 *)(r10 - 8) = -1'],
    ['stxw', I(0x63, 10, 2, -4, 0), '*(u32 *)(r10 - 4) = r2'],
    ['stxh', I(0x6b, 1, 2, 6, 0), '*(u16 *)(r1 + 6) = r2'],
    // atomics
    ['atomic add64', I(0xdb, 10, 1, -8, 0x00), 'lock *(u64 *)(r10 - 8) += r1'],
    ['atomic and32', I(0xc3, 10, 1, -8, 0x50), 'lock *(u32 *)(r10 - 8) &= r1'],
    ['atomic or64', I(0xdb, 10, 1, -8, 0x40), 'lock *(u64 *)(r10 - 8) |= r1'],
    ['atomic xor32', I(0xc3, 10, 1, -8, 0xa0), 'lock *(u32 *)(r10 - 8) ^= r1'],
    ['fetch add64', I(0xdb, 10, 0, -8, 0x01), 'r0 = atomic64_fetch_add((u64 *)(r10 - 8), r0)'],
    ['fetch and32', I(0xc3, 10, 2, -8, 0x51), 'r2 = atomic_fetch_and((u32 *)(r10 - 8), r2)'],
    ['fetch or64', I(0xdb, 1, 2, 0, 0x41), 'r2 = atomic64_fetch_or((u64 *)(r1 + 0), r2)'],
    ['fetch xor64', I(0xdb, 10, 1, -8, 0xa1), 'r1 = atomic64_fetch_xor((u64 *)(r10 - 8), r1)'],
    ['xchg64', I(0xdb, 10, 0, -8, 0xe1), 'r0 = atomic64_xchg((u64 *)(r10 - 8), r0)'],
    ['xchg32', I(0xc3, 10, 3, -8, 0xe1), 'r3 = atomic_xchg((u32 *)(r10 - 8), r3)'],
    ['cmpxchg64', I(0xdb, 10, 1, -8, 0xf1), 'r0 = atomic64_cmpxchg((u64 *)(r10 - 8), r0, r1)'],
    ['cmpxchg32', I(0xc3, 10, 1, -8, 0xf1), 'r0 = atomic_cmpxchg((u32 *)(r10 - 8), r0, r1)'],
    // legacy packet loads
    ['ld_abs b', I(0x30, 0, 0, 0, 12), 'r0 = *(u8 *)skb[12]'],
    ['ld_ind h', I(0x48, 0, 1, 0, 4), 'r0 = *(u16 *)skb[r1 + 4]'],
    ['ld_ind w', I(0x40, 0, 2, 0, -4), 'r0 = *(u32 *)skb[r2 - 4]'],
    // jumps
    ['ja', I(0x05, 0, 0, 5, 0), 'goto +5'],
    ['ja back', I(0x05, 0, 0, -3, 0), 'goto -3'],
    ['gotol', I(0x06, 0, 0, 0, 100000), 'gotol +100000'],
    ['jeq X', I(0x1d, 1, 2, 1, 0), 'if r1 == r2 goto +1'],
    ['jsgt32 K', I(0x66, 1, 0, 2, 3), 'if w1 s> 0x3 goto +2'],
    ['jgt K', I(0x25, 1, 0, 0, 1), 'if r1 > 0x1 goto +0'],
    ['jge32 X', I(0x3e, 1, 2, 1, 0), 'if w1 >= w2 goto +1'],
    ['jset K', I(0x45, 1, 0, 1, 4), 'if r1 & 0x4 goto +1'],
    ['jne K negative', I(0x55, 1, 0, -4, -1), 'if r1 != 0xffffffff goto -4'],
    ['jsge X', I(0x7d, 1, 2, 1, 0), 'if r1 s>= r2 goto +1'],
    ['jlt32 K', I(0xa6, 1, 0, 1, 9), 'if w1 < 0x9 goto +1'],
    ['jle X', I(0xbd, 1, 2, 1, 0), 'if r1 <= r2 goto +1'],
    ['jslt K', I(0xc5, 1, 0, 1, 0), 'if r1 s< 0x0 goto +1'],
    ['jsle32 X', I(0xde, 1, 2, 1, 0), 'if w1 s<= w2 goto +1'],
    ['helper call', I(0x85, 0, 0, 0, 12), 'call 12'],
    ['bpf2bpf call', I(0x85, 0, 1, 0, 3), 'call pc+3'],
    ['kfunc call, unnamed', I(0x85, 0, 2, 0, 0), 'call kfunc 0'],
    ['exit', I(0x95, 0, 0, 0, 0), 'exit'],
  ])('%s', (_name, insn, text) => {
    expect(one(insn)).toBe(text);
  });

  test('LD_IMM64 forms', () => {
    expect(one(I(0x18, 1, 0, 0, 0x34567890), I(0, 0, 0, 0, 0x12))).toBe('r1 = 0x1234567890 ll');
    expect(one(I(0x18, 1, 0, 0, -1), I(0, 0, 0, 0, -1))).toBe('r1 = 0xffffffffffffffff ll');
    expect(one(I(0x18, 1, 1, 0, 3), I(0, 0, 0, 0, 0))).toBe('r1 = map[fd:3]');
    expect(one(I(0x18, 2, 2, 0, 3), I(0, 0, 0, 0, 8))).toBe('r2 = map[fd:3][0]+8');
    expect(one(I(0x18, 1, 5, 0, 1), I(0, 0, 0, 0, 0))).toBe('r1 = map[idx:1]');
    expect(one(I(0x18, 1, 6, 0, 1), I(0, 0, 0, 0, 4))).toBe('r1 = map[idx:1][0]+4');
    expect(one(I(0x18, 1, 4, 0, 7), I(0, 0, 0, 0, 0))).toBe('r1 = subprog[+7]');
  });

  test('names from the program: maps and kfuncs', () => {
    const prog: Program = {
      id: 'p',
      insns: [],
      verifierZext: false,
      stackDepth: 0,
      maps: [{ name: 'counts', type: 1, keySize: 4, valueSize: 8, maxEntries: 16 }],
      kfuncs: [{ name: 'bpf_rcu_read_lock', argSizes: [], retSize: 0 }],
    };
    expect(one(I(0x18, 1, 1, 0, 0), I(0, 0, 0, 0, 0), prog)).toBe('r1 = map[counts]');
    expect(one(I(0x85, 0, 2, 0, 0), undefined, prog)).toBe('call kfunc bpf_rcu_read_lock');
  });

  test('listing: one line per instruction, LD_IMM64 takes two slots', () => {
    const insns = [I(0x18, 1, 0, 0, 5), I(0, 0, 0, 0, 0), I(0xb7, 0, 0, 0, 0), I(0x95, 0, 0, 0, 0)];
    expect(disasmListing({ id: 'p', insns, verifierZext: false, stackDepth: 0 })).toEqual([
      '   0: (18) r1 = 0x5 ll',
      '   2: (b7) r0 = 0',
      '   3: (95) exit',
    ]);
  });
});

// ---- llvm-objdump-14 as an external oracle over real objects -------------------------

const OBJDUMP = 'llvm-objdump-14';
const XDP_DIR = '/usr/lib/x86_64-linux-gnu/bpf';
const hasObjdump = ((): boolean => {
  try {
    execFileSync(OBJDUMP, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const hasClang = ((): boolean => {
  try {
    execFileSync('clang-14', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * llvm-objdump's text of each instruction of each executable section, brought to this
 * project's syntax where the two differ on purpose: llvm prints immediates of
 * conditional jumps and of LD_IMM64 in decimal (we print hex, like the kernel), prints
 * a bpf2bpf call as `call IMM` (we print `call pc+IMM`, like the kernel) and adds
 * `<label>` after jump targets.
 */
function llvmListing(path: string, endian: 'le' | 'be'): Map<string, Map<number, string>> {
  const text = execFileSync(OBJDUMP, ['-d', path], { encoding: 'utf8' });
  const out = new Map<string, Map<number, string>>();
  let cur: Map<number, string> | undefined;
  for (const line of text.split('\n')) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec) out.set(sec[1], (cur = new Map()));
    const m = /^\s*(\d+):\t([0-9a-f ]+)\t(.*)$/.exec(line);
    if (!m || !cur) continue;
    const bytes = m[2].trim().split(' ').map((b) => parseInt(b, 16));
    const srcReg = endian === 'le' ? bytes[1] >> 4 : bytes[1] & 0xf;
    let t = m[3].replace(/ <[^>]*>$/, '');
    t = t.replace(/^(if \S+ \S+ )(-?\d+)( goto)/, (_, a, n, b) => `${a}0x${(Number(n) >>> 0).toString(16)}${b}`);
    t = t.replace(/^(r\d+ = )(-?\d+) ll$/, (_, a, n) => `${a}0x${BigInt.asUintN(64, BigInt(n)).toString(16)} ll`);
    if (bytes[0] === 0x85 && srcReg === 1) t = t.replace(/^call (-?\d+)$/, (_, n) => `call pc${Number(n) < 0 ? n : `+${n}`}`);
    cur.set(Number(m[1]), t);
  }
  return out;
}

function compareWithLlvm(path: string): number {
  const bytes = readFileSync(path);
  const elf = parseElf(bytes, path);
  const llvm = llvmListing(path, elf.endian);
  let compared = 0;
  for (const sec of elf.sections) {
    if (!(sec.flags & SHF_EXECINSTR) || sec.size === 0) continue;
    const insns = decodeInsns(sec.data, elf.endian, path);
    const want = llvm.get(sec.name);
    expect(want, `${path}: llvm-objdump lists section ${sec.name}`).toBeDefined();
    const got = new Map<number, string>();
    for (let i = 0; i < insns.length; i++) {
      got.set(i, disasmInsn(insns, i));
      if (insns[i].code === 0x18) i++;
    }
    expect(got, `${path} section ${sec.name}`).toEqual(want);
    compared += got.size;
  }
  return compared;
}

describe('agrees with llvm-objdump-14', () => {
  const objects = existsSync(XDP_DIR) ? readdirSync(XDP_DIR).filter((f) => f.endsWith('.o')).sort() : [];

  test.skipIf(!hasObjdump || objects.length === 0)('every instruction of the 15 libxdp1 objects', () => {
    expect(objects).toHaveLength(15);
    let total = 0;
    for (const f of objects) total += compareWithLlvm(join(XDP_DIR, f));
    expect(total).toBeGreaterThan(3000);
  });

  test.skipIf(!hasObjdump || !hasClang)('fixtures built for bpfel and bpfeb', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jitgen-disasm-'));
    const src = join(import.meta.dirname, '../fixtures/bpf');
    for (const target of ['bpfel', 'bpfeb']) {
      for (const name of ['calls', 'legacy']) {
        const out = join(dir, `${name}-${target}.o`);
        execFileSync('clang-14', ['-target', target, '-O2', '-g', '-mcpu=v3', '-c', join(src, `${name}.c`), '-o', out]);
        expect(compareWithLlvm(out)).toBeGreaterThan(5);
      }
    }
  });
});

if (!hasObjdump) console.warn('disasm.test: llvm-objdump-14 not found (Debian package llvm-14): oracle tests skipped');
