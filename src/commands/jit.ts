// `jitgen jit PROG`: compile one program with a design and show or write the image.
import { renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { configFromOptions } from '../config.ts';
import { UsageError } from '../errors.ts';
import { loadProgram } from '../bpf/loaders/index.ts';
import { jit } from '../jit/core.ts';
import { designByName } from '../jit/designs/index.ts';
import { defaultBinding } from '../jit/binding.ts';
import { bindCalls } from '../verify/jit-runner.ts';
import { imageBytes, imageJson, listing } from '../jit/listing.ts';
import { blindConstants } from '../jit/blind.ts';
import { verifierRewrites } from '../bpf/rewrites.ts';

interface JitOpts {
  config?: string;
  isa?: string;
  endian?: string;
  design: string;
  harden?: boolean;
  verifierRewrites?: boolean;
  seed: string;
  emit: string;
  output?: string;
  section?: string;
  inputEndian?: string;
  base?: string;
}

export function register(program: Command): void {
  program
    .command('jit')
    .description('JIT one program with a design: listing, raw image or JSON')
    .argument('<prog>', 'program file: .bin (raw bytecode), .json or .o (BPF ELF)')
    .option('--config <id>', 'configuration be-r2, le-r2, be-r6 or le-r6 (default be-r2)')
    .option('--isa <r2|r6>', 'ISA release (with --endian, instead of --config)')
    .option('--endian <be|le>', 'target byte order (with --isa, instead of --config)')
    .option('--design <name>', 'design preset', 'jitgen')
    .option('--verifier-rewrites', "apply the verifier's rewrites first (x/0 guards, explicit zero extensions)")
    .option('--harden', 'blind constants as bpf_jit_blind_constants does')
    .option('--seed <n>', 'seed of the blinding PRNG', '1')
    .option('--emit <kind>', 'listing, bin or json', 'listing')
    .option('-o, --output <file>', 'write to FILE instead of stdout (required for bin)')
    .option('--base <hex>', 'address the image is built for (default c0010000)')
    .option('--section <name>', 'ELF: program section, section:function, or function name')
    .option('--input-endian <be|le>', 'raw bytecode: byte order of the file (default le)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  jitgen jit prog.o --section xdp --config le-r2\n' +
        '  jitgen jit prog.json --isa r6 --endian be --harden --seed 7\n' +
        '  jitgen jit prog.bin --emit bin -o prog.mips --base 10000000\n' +
        '\nThe image is placed at the binding\'s image base (0xc0010000), which the absolute\n' +
        'targets of `j` encode. Exit status: 0 compiled, 2 bad input or declined.\n',
    )
    .action((path: string, opts: JitOpts) => {
      const cfg = configFromOptions(opts);
      if (!['listing', 'bin', 'json'].includes(opts.emit)) throw new UsageError(`--emit takes listing, bin or json, not '${opts.emit}'`);
      if (opts.emit === 'bin' && !opts.output) throw new UsageError('--emit bin writes a binary: give -o FILE');
      const ie = opts.inputEndian;
      if (ie !== undefined && ie !== 'be' && ie !== 'le') throw new UsageError(`--input-endian takes be or le, not '${ie}'`);
      const seed = Number(opts.seed);
      if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed takes an integer, not '${opts.seed}'`);
      const design = designByName(opts.design);
      const loaded = loadProgram(path, { section: opts.section, inputEndian: ie });
      // the verifier runs before bpf_int_jit_compile, which blinds
      // the verifier's fixup puts a kfunc's address (less __bpf_call_base) in its calls
      const binding = defaultBinding(loaded.kfuncs?.map((k) => k.name) ?? []);
      const bound = bindCalls(loaded, new Map(), binding);
      const verified = opts.verifierRewrites ? verifierRewrites(bound) : bound;
      const prog = opts.harden ? blindConstants(verified, seed) : verified;
      if (opts.base !== undefined) {
        const base = /^(0x)?[0-9a-f]{1,8}$/i.test(opts.base) ? parseInt(opts.base.replace(/^0x/i, ''), 16) : NaN;
        if (Number.isNaN(base) || base % 4 !== 0) throw new UsageError(`--base takes a word-aligned hex address, not '${opts.base}'`);
        binding.imageBase = base;
      }
      const img = jit(prog, { design, config: cfg, binding });
      let out: string | Uint8Array;
      if (opts.emit === 'bin') out = imageBytes(img, cfg);
      else if (opts.emit === 'json') out = `${JSON.stringify(imageJson(prog, img, cfg, binding.imageBase), null, 2)}\n`;
      else out = `${listing(prog, img, cfg, binding.imageBase).join('\n')}\n`;
      if (opts.output) {
        // never leave a half-written file behind
        const tmp = `${opts.output}.tmp-${process.pid}`;
        writeFileSync(tmp, out);
        renameSync(tmp, opts.output);
      } else {
        process.stdout.write(out);
      }
    });
}
