// JIT model speed: BPF instructions compiled per second over the test_bpf corpus of one
// configuration (generated programs included), and MIPS words per BPF instruction.
import { config, type ConfigId } from '../src/config.ts';
import { jit } from '../src/jit/core.ts';
import { defaultBinding } from '../src/jit/binding.ts';
import { jitgen } from '../src/jit/designs/jitgen.ts';
import { defaultTreeDir, loadCorpus } from '../src/verify/corpus/index.ts';

export async function benchJit(id: ConfigId = 'be-r2'): Promise<string[]> {
  const cfg = config(id);
  const progs = loadCorpus(defaultTreeDir, 'test_bpf', cfg.endian).filter((p) => !p.skip);
  let insns = 0;
  let words = 0;
  let ms = 0;
  for (const p of progs) {
    const prog = { ...p, insns: p.insns }; // decode outside the timed part
    const t = performance.now();
    try {
      words += jit(prog, { design: jitgen, config: cfg, binding: defaultBinding() }).words.length;
      insns += prog.insns.length;
    } catch {
      // declined programs do not count
    }
    ms += performance.now() - t;
  }
  return [
    `jit ${id}: ${progs.length} programs, ${insns} BPF insns -> ${words} MIPS words in ${(ms / 1000).toFixed(1)} s = ` +
      `${(insns / ms / 1000).toFixed(2)} M insns/s, ${(words / insns).toFixed(2)} words per insn`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchJit()) console.log(line);
}
