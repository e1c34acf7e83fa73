// `jitgen disasm PROG`: print a program as the kernel/bpftool would list it.
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { disasmListing } from '../bpf/disasm.ts';
import { loadProgram } from '../bpf/loaders/index.ts';

export function register(program: Command): void {
  program
    .command('disasm')
    .description('disassemble a BPF program (raw .bin, JSON or ELF object) in bpftool syntax')
    .argument('<prog>', 'program file: .bin (raw bytecode), .json ([[code, dst, src, off, imm], ...]) or .o (BPF ELF)')
    .option('--section <name>', 'ELF: program section, section:function, or function name')
    .option('--input-endian <be|le>', 'raw bytecode: byte order of the file (default le)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  jitgen disasm prog.bin\n' +
        '  jitgen disasm prog.bin --input-endian be\n' +
        '  jitgen disasm /usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o --section xdp\n',
    )
    .action((path: string, opts: { section?: string; inputEndian?: string }) => {
      const e = opts.inputEndian;
      if (e !== undefined && e !== 'be' && e !== 'le') throw new UsageError(`--input-endian takes be or le, not '${e}'`);
      const prog = loadProgram(path, { section: opts.section, inputEndian: e });
      const header = [`; ${prog.id}: ${prog.insns.length} instructions`];
      (prog.maps ?? []).forEach((m, i) =>
        header.push(`; map ${i}: ${m.name} type ${m.type} key ${m.keySize} value ${m.valueSize} max_entries ${m.maxEntries}`),
      );
      (prog.kfuncs ?? []).forEach((k, i) =>
        header.push(`; kfunc ${i}: ${k.name} args (${k.argSizes.join(', ')}) ret ${k.retSize}`),
      );
      process.stdout.write(`${[...header, ...disasmListing(prog)].join('\n')}\n`);
    });
}
