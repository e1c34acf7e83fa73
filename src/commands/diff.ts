// `jitgen diff PROG --designs A,B`: two designs' listings side by side (src/compare/diff.ts).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { configFromOptions, type Config } from '../config.ts';
import { InputError, UsageError } from '../errors.ts';
import { loadProgram } from '../bpf/loaders/index.ts';
import type { Program } from '../bpf/program.ts';
import { CORPUS_NAMES, defaultTreeDir, importCorpus, loadAnyCorpus, type CorpusName } from '../verify/corpus/index.ts';
import { bindCalls, corpusBinding, helpersFor, imagePrograms } from '../verify/jit-runner.ts';
import { diffDesigns, formatDiff } from '../compare/diff.ts';
import { parseDesigns } from './compare.ts';

interface DiffOpts {
  designs: string;
  config?: string;
  isa?: string;
  endian?: string;
  section?: string;
  inputEndian?: string;
  tree?: string;
  json?: boolean;
}

const IDENTITY = new RegExp(`^(${CORPUS_NAMES.join('|')}):(\\d+)(?::.*)?$`);

/** A corpus program by identity, bound as the kernel binds it before JITing. */
async function corpusProgram(text: string, config: Config, tree: string): Promise<Program> {
  const m = IDENTITY.exec(text)!;
  const progress = (l: string): void => void process.stderr.write(`${l}\n`);
  await importCorpus(tree, { progress });
  const corpus = m[1] as CorpusName;
  const index = Number(m[2]);
  const prog = (await loadAnyCorpus(tree, corpus, config.endian, { progress })).find((p) => p.index === index);
  if (!prog) throw new InputError(`${text}: no program ${index} in corpus ${corpus}`);
  if (prog.skip !== undefined) throw new InputError(`${prog.id}: skipped by the corpus: ${prog.skip}`);
  // tail-call programs carry the prog array's address, as the runner binds them
  const bound = imagePrograms(prog).find((p) => p.id === prog.id) ?? prog;
  return bindCalls(bound, helpersFor(prog), corpusBinding());
}

export function register(program: Command): void {
  program
    .command('diff')
    .description('two designs\' listings of one program side by side, per BPF instruction, with word-count deltas')
    .argument('<prog>', 'program file (.bin, .json, .o) or corpus identity (corpus:index[:name], e.g. test_bpf:42)')
    .requiredOption('--designs <a,b>', 'two designs: presets and/or mainline (the tree\'s C in the host harness)')
    .option('--config <id>', 'configuration be-r2, le-r2, be-r6 or le-r6 (default be-r2)')
    .option('--isa <r2|r6>', 'ISA release (with --endian, instead of --config)')
    .option('--endian <be|le>', 'target byte order (with --isa, instead of --config)')
    .option('--section <name>', 'ELF: program section, section:function, or function name')
    .option('--input-endian <be|le>', 'raw bytecode: byte order of the file (default le)')
    .option('--tree <dir>', 'kernel tree for corpus programs and mainline (default kernel-tree/base)')
    .option('--json', 'print the sections as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  jitgen diff test_bpf:42 --designs jitgen,johan\n' +
        '  jitgen diff prog.o --section xdp --designs jitgen,mainline --config le-r6\n' +
        '\nMarks: = same, ~ changed, < only in the first design, > only in the second.\n' +
        'Exit status: 0, or 2 on bad input (including a design that declines the program).\n',
    )
    .action(async (path: string, opts: DiffOpts) => {
      const designs = parseDesigns(opts.designs);
      if (designs.length !== 2) throw new UsageError('--designs takes exactly two different designs (e.g. jitgen,johan)');
      const config = configFromOptions(opts);
      const tree = opts.tree ?? defaultTreeDir;
      const ie = opts.inputEndian;
      if (ie !== undefined && ie !== 'be' && ie !== 'le') throw new UsageError(`--input-endian takes be or le, not '${ie}'`);
      let prog: Program;
      if (IDENTITY.test(path) && !existsSync(path)) prog = await corpusProgram(path, config, tree);
      else prog = loadProgram(path, { section: opts.section, inputEndian: ie });
      const result = await diffDesigns(prog, [designs[0]!, designs[1]!], config, { binding: corpusBinding(), treeDir: tree });
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${formatDiff(result).join('\n')}\n`);
    });
}
