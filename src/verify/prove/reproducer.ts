// A failed obligation as something a person can run: a small BPF program that loads the
// counterexample's register values, runs the instruction with its imm/off and leaves the
// result in r0, in the JSON form every loader accepts (`jitgen run FILE` shows the
// interpreter's and the JIT's r0 side by side); the remaining registers as `--reg`
// options. R10 (the frame pointer) cannot be set: a counterexample that needs a
// particular R10 shows it in the register list only.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as op from '../../bpf/opcodes.ts';
import { disasmInsn } from '../../bpf/disasm.ts';
import type { Insn } from '../../bpf/opcodes.ts';
import type { Counterexample, Obligation } from './obligation.ts';

export interface Reproducer {
  insns: Insn[];
  /** bpftool-style text of each instruction. */
  listing: string[];
  /** `--reg rN=V` options (r0-r9) for the other registers; the program loads the ones it reads. */
  regArgs: string[];
}

const MOV64_X = op.ALU64 | op.MOV | op.X;
const MOV64_K = op.ALU64 | op.MOV | op.K;
const EXIT = op.JMP | op.EXIT;

/**
 * The program: the instruction, then its result made visible in r0 (a jump sets r0 to 1
 * when taken). `highWord`: shift r0 right by 32 at the end, for a failure in a high word
 * (the JIT row of `jitgen run` shows the low word of r0).
 */
export function reproducer(cex: Counterexample, highWord = false): Reproducer {
  const i = cex.insn;
  const insns: Insn[] = [];
  // the registers the instruction reads, loaded by the program itself (R10 is read-only)
  for (const r of new Set([i.dst, i.src, 0])) {
    if (r > 9) continue;
    const v = BigInt(cex.regs[`r${r}`] ?? '0');
    insns.push(
      { code: op.LD | op.IMM | op.DW, dst: r, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v)) },
      { code: 0, dst: 0, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v >> 32n)) },
    );
  }
  const exit: Insn = { code: EXIT, dst: 0, src: 0, off: 0, imm: 0 };
  const cls = op.cls(i.code);
  if (cls === op.JMP || cls === op.JMP32) {
    insns.push({ ...i, off: 2 }, { code: MOV64_K, dst: 0, src: 0, off: 0, imm: 0 }, exit, { code: MOV64_K, dst: 0, src: 0, off: 0, imm: 1 }, exit);
  } else {
    insns.push(i);
    if (cex.next) insns.push(cex.next);
    const writes = cls === op.ALU || cls === op.ALU64 || cls === op.LD || cls === op.LDX;
    if (writes && i.dst !== 0) insns.push({ code: MOV64_X, dst: 0, src: i.dst, off: 0, imm: 0 });
    if (highWord) insns.push({ code: op.ALU64 | op.RSH | op.K, dst: 0, src: 0, off: 0, imm: 32 });
    insns.push(exit);
  }
  const listing: string[] = [];
  for (let k = 0; k < insns.length; k++) {
    listing.push(disasmInsn(insns, k));
    if (op.isLdImm64(insns[k]!)) k++;
  }
  const regArgs: string[] = [];
  for (let r = 0; r <= 9; r++) regArgs.push(`--reg r${r}=${cex.regs[`r${r}`]}`);
  return { insns, listing, regArgs };
}

/** Write the reproducer of `o` as JSON into `dir`; returns the file's path. */
export function writeReproducer(dir: string, o: Obligation, index: number): string | undefined {
  if (!o.counterexample) return undefined;
  mkdirSync(dir, { recursive: true });
  const slug = `${o.config}-${index}-${o.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}`;
  const path = join(dir, `${slug}.json`);
  const { insns } = reproducer(o.counterexample, isHighWordFailure(o));
  writeFileSync(path, `[\n${insns.map((i) => `  [${i.code}, ${i.dst}, ${i.src}, ${i.off}, ${i.imm}]`).join(',\n')}\n]\n`);
  return path;
}

/** Whether the obligation failed on a BPF register's high word. */
export function isHighWordFailure(o: Obligation): boolean {
  return /high word/.test(o.reason ?? '');
}
