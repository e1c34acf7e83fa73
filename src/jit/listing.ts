// The `jit` verb's outputs: a listing (each BPF instruction in bpftool syntax followed by
// its MIPS words, offsets and disassembly), the raw image, or JSON.
import type { Config } from '../config.ts';
import type { Program } from '../bpf/program.ts';
import { disasmInsn } from '../bpf/disasm.ts';
import { disasm } from '../mips/codec.ts';
import type { JitImage } from './core.ts';

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

export function listing(prog: Program, img: JitImage, cfg: Config, base: number): string[] {
  const n = prog.insns.length;
  const lines: string[] = [];
  const words = (from: number, to: number, indent: string): void => {
    for (let w = from; w < to; w++) {
      const pc = base + 4 * w;
      lines.push(`${indent}${hex8(pc)}:  ${hex8(img.words[w]!)}  ${disasm(img.words[w]!, cfg.isa, pc).replace('\t', ' ')}`);
    }
  };
  /**
   * One function: its prologue from word `start`, its instructions first..end-1, and its
   * epilogue from word `epilogue` up to word `next`.
   */
  const func = (start: number, first: number, end: number, epilogue: number, next: number): void => {
    lines.push('; prologue');
    words(start, img.bpfStart[first] ?? start, '    ');
    for (let i = first; i < end; i++) {
      const from = img.bpfStart[i]!;
      const to = i + 1 < end ? img.bpfStart[i + 1]! : epilogue;
      lines.push(`${String(i).padStart(4)}: ${disasmInsn(prog.insns, i, prog)}`);
      words(from, to, '    ');
      if (prog.insns[i]?.code === 0x18) i++; // LD_IMM64 takes two slots; printed as one
    }
    lines.push('; epilogue');
    words(epilogue, next, '    ');
  };
  const funcs = img.funcs ?? [];
  lines.push(`; ${prog.id}: ${n} BPF insns -> ${img.words.length} MIPS words (${cfg.id}, ${img.passes} passes, frame ${img.stackSize} bytes)`);
  if (funcs.length === 0) {
    func(0, 0, n, img.bpfStart[n] ?? img.words.length, img.words.length);
    return lines;
  }
  // a program with bpf2bpf calls: one function after another, each with its own
  // prologue and epilogue (the next function's prologue is not the last instruction's)
  funcs.forEach((f, k) => {
    const end = funcs[k + 1]?.insn ?? n;
    lines.push(`; function ${k} (insns ${f.insn}..${end - 1}) at ${hex8((base + 4 * f.word) >>> 0)}`);
    func(f.word, f.insn, end, f.epilogue, funcs[k + 1]?.word ?? img.words.length);
  });
  return lines;
}

/** The image's words in the target's byte order, as the kernel would call them. */
export function imageBytes(img: JitImage, cfg: Config): Uint8Array {
  const out = new Uint8Array(img.words.length * 4);
  const view = new DataView(out.buffer);
  img.words.forEach((w, i) => view.setUint32(4 * i, w, cfg.endian === 'le'));
  return out;
}

export function imageJson(prog: Program, img: JitImage, cfg: Config, base: number): object {
  return {
    id: prog.id,
    config: cfg.id,
    base: `0x${hex8(base)}`,
    words: [...img.words].map(hex8),
    bpfStart: img.bpfStart,
    stackSize: img.stackSize,
    tailCallSkip: img.tailCallSkip,
    // a program with bpf2bpf calls: where each function starts and its epilogue
    ...(img.funcs ? { funcs: img.funcs } : {}),
  };
}
