// Encoder and disassembler against GNU objdump: every table entry of the ISA with random
// operands, encoded into one blob per configuration, disassembled by
// `mips-linux-gnu-objdump -D -b binary -m mips:isa32r2|isa32r6 -EB|-EL`, and compared
// word by word (objdump's reading of the bytes must be our word: byte order) and text by
// text (our disassembly must be objdump's, whitespace aside).
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config.ts';
import { decode, disasm, encode, type MipsInsn } from './codec.ts';
import { Rng, randomInsn } from './random.ts';
import { TABLE, hasIsa } from './table.ts';

const run = promisify(execFile);

export interface CheckMismatch {
  check: 'objdump' | 'qemu';
  config: string;
  case: number;
  what: string;
  /** A minimal reproducer: what to run or feed to see the difference. */
  reproducer: string;
  [k: string]: unknown;
}

export interface CheckResult {
  cases: number;
  mismatches: number;
  examples: CheckMismatch[];
}

export const OBJDUMP = 'mips-linux-gnu-objdump';

/** Write words in the configuration's byte order. */
export function wordsToBytes(words: readonly number[], endian: 'be' | 'le'): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, endian === 'le'));
  return out;
}

/** objdump's `addr: word \ttext` lines of a binary blob, by address. */
export async function objdumpBlob(file: string, cfg: Config): Promise<Map<number, { word: number; text: string }>> {
  const args = ['-D', '-b', 'binary', '-m', cfg.isa === 'r2' ? 'mips:isa32r2' : 'mips:isa32r6', cfg.endian === 'be' ? '-EB' : '-EL', file];
  const { stdout } = await run(OBJDUMP, args, { maxBuffer: 1 << 30 });
  const out = new Map<number, { word: number; text: string }>();
  for (const line of stdout.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f]{8}) \t(.*)$/.exec(line);
    if (m) out.set(parseInt(m[1]!, 16), { word: parseInt(m[2]!, 16), text: m[3]! });
  }
  return out;
}

/** Whitespace is layout, not meaning: compare with runs of blanks as one space. */
function norm(s: string): string {
  return s.trim().replace(/\s+/g, ' ');
}

export async function checkObjdump(cfg: Config, cases: number, seed: number, cacheDir: string, maxExamples = 10): Promise<CheckResult> {
  const rng = new Rng(seed ^ 0x0b7d);
  const defs = TABLE.filter((d) => hasIsa(d, cfg.isa));
  const insns: MipsInsn[] = [];
  const words: number[] = [];
  for (let i = 0; i < cases; i++) {
    const insn = randomInsn(defs[i % defs.length]!, cfg.isa, rng);
    insns.push(insn);
    words.push(encode(insn, cfg.isa));
  }
  await mkdir(cacheDir, { recursive: true });
  const file = join(cacheDir, `objdump-${cfg.id}.bin`);
  await writeFile(file, wordsToBytes(words, cfg.endian));
  const theirs = await objdumpBlob(file, cfg);

  const examples: CheckMismatch[] = [];
  let mismatches = 0;
  for (let i = 0; i < cases; i++) {
    const pc = i * 4;
    const insn = insns[i]!;
    const word = words[i]!;
    const t = theirs.get(pc);
    const ours = disasm(word, cfg.isa, pc);
    const back = decode(word, cfg.isa);
    let what: string | undefined;
    if (!t) what = 'objdump printed nothing for this word';
    else if (t.word !== word) what = `objdump read the word as ${hex(t.word)} (byte order)`;
    else if (norm(t.text) !== norm(ours)) what = 'disassembly differs';
    else if (!back || encode(back, cfg.isa) !== word) what = `decode gives ${JSON.stringify(back)}, which does not encode back to the word`;
    if (!what) continue;
    mismatches++;
    if (examples.length < maxExamples) {
      examples.push({
        check: 'objdump',
        config: cfg.id,
        case: i,
        what,
        insn,
        word: hex(word),
        pc: hex(pc),
        ours,
        objdump: t?.text ?? '',
        reproducer: `printf '${byteEscapes(word, cfg.endian)}' > w.bin && ${OBJDUMP} -D -b binary -m ${cfg.isa === 'r2' ? 'mips:isa32r2' : 'mips:isa32r6'} ${cfg.endian === 'be' ? '-EB' : '-EL'} --adjust-vma=${hex(pc)} w.bin`,
      });
    }
  }
  return { cases, mismatches, examples };
}

function hex(w: number): string {
  return `0x${(w >>> 0).toString(16).padStart(8, '0')}`;
}

function byteEscapes(word: number, endian: 'be' | 'le'): string {
  return [...wordsToBytes([word], endian)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
}
