// Speed of the reference interpreter (concrete backend): BPF instructions executed per
// second over the whole test_bpf corpus, per byte order, plus a hot loop for the
// steady-state rate (corpus programs mostly run each instruction once).
import { Interpreter } from '../src/bpf/interpreter.ts';
import type { Insn } from '../src/bpf/opcodes.ts';
import type { Program } from '../src/bpf/program.ts';
import type { Endian } from '../src/config.ts';
import { contextBytes, defaultTreeDir, importCorpus, loadCorpus } from '../src/verify/corpus/index.ts';

const mips = (insns: number, ms: number): string => (insns / ms / 1000).toFixed(2);

function corpusLine(treeDir: string, endian: Endian): string {
  const progs = loadCorpus(treeDir, 'test_bpf', endian).filter((p) => p.skip === undefined);
  let steps = 0;
  let runMs = 0;
  let decodeMs = 0;
  for (const p of progs) {
    // decoding the corpus encoding is the loader's cost, not the interpreter's
    let t = performance.now();
    const prog: Program = { ...p, insns: p.insns };
    decodeMs += performance.now() - t;
    t = performance.now();
    const interp = new Interpreter(prog, { order: endian });
    for (const e of p.expect) steps += interp.run({ ctx: contextBytes(p, e) }).steps;
    runMs += performance.now() - t;
  }
  return (
    `interp test_bpf ${endian}: ${progs.length} programs, ${steps} insns executed in ${(runMs / 1000).toFixed(2)} s = ` +
    `${mips(steps, runMs)} M insn/s (decoding them: ${(decodeMs / 1000).toFixed(2)} s more)`
  );
}

/** r0 += r1 and r1 -= 1 until r1 == 0, in 64-bit and in 32-bit ALU. */
function hotLoopLine(): string {
  const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
  const n = 1_000_000;
  const out: string[] = [];
  for (const [name, mov, add, addk, jne] of [
    ['alu64', 0xb7, 0x0f, 0x07, 0x55],
    ['alu32', 0xb4, 0x0c, 0x04, 0x56],
  ] as const) {
    const prog: Program = {
      id: `loop-${name}`,
      verifierZext: false,
      stackDepth: 0,
      insns: [I(mov, 0, 0, 0, 0), I(mov, 1, 0, 0, n), I(add, 0, 1, 0, 0), I(addk, 1, 0, 0, -1), I(jne, 1, 0, -3, 0), I(0x95, 0, 0, 0, 0)],
    };
    const t = performance.now();
    const r = new Interpreter(prog, { order: 'le' }).run();
    out.push(`${name} ${mips(r.steps, performance.now() - t)}`);
  }
  return `interp hot loop (M insn/s): ${out.join(', ')}`;
}

export async function benchInterp(treeDir: string = defaultTreeDir): Promise<string[]> {
  await importCorpus(treeDir);
  return [corpusLine(treeDir, 'be'), corpusLine(treeDir, 'le'), hotLoopLine()];
}
