// `jitgen verify`: run corpora and compare with what they must give. Today the reference
// interpreter against the kernel's expected results (`--interp-only`); the JIT model's
// differential run plugs in beside it.
import type { Command } from 'commander';
import { configsFromOptions } from '../config.ts';
import { UsageError } from '../errors.ts';
import { defaultTreeDir, importCorpus, loadCorpus, type CorpusName } from '../verify/corpus/index.ts';
import { verifyInterp } from '../verify/interp-runner.ts';
import { exitStatus, formatResult } from '../verify/results.ts';

interface VerifyOpts {
  interpOnly?: boolean;
  corpus: string;
  configs?: string;
  isa?: string;
  endian?: string;
  json?: boolean;
  tree?: string;
  budget?: string;
}

const CORPORA: readonly CorpusName[] = ['test_bpf', 'tail_calls'];

export function parseCorpora(list: string): CorpusName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('--corpus needs at least one corpus name');
  for (const n of names) {
    if (!(CORPORA as readonly string[]).includes(n)) {
      throw new UsageError(`unknown corpus '${n}' (available: ${CORPORA.join(', ')}; classic, xdp and PATH corpora are not implemented yet)`);
    }
  }
  return names as CorpusName[];
}

export function register(program: Command): void {
  program
    .command('verify')
    .description('run corpora through the reference interpreter (and later the JIT model) and compare results')
    .option('--interp-only', 'run the reference interpreter only, against the expected results')
    .option('--corpus <list>', 'corpora: test_bpf, tail_calls', 'test_bpf,tail_calls')
    .option('--configs <list>', 'configurations (default: be-r2,le-r2,be-r6,le-r6)')
    .option('--isa <list>', 'ISA releases r2,r6 (with --endian, instead of --configs)')
    .option('--endian <list>', 'byte orders be,le (with --isa, instead of --configs)')
    .option('--json', 'print the result as JSON on stdout')
    .option('--tree <dir>', 'kernel tree the corpus comes from (default kernel-tree/base)')
    .option('--budget <n>', 'instructions one run may execute (default 50000000)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  jitgen verify --interp-only --corpus test_bpf --json\n' +
        '  jitgen verify --interp-only --corpus tail_calls --endian be --isa r2\n' +
        '  jitgen verify --interp-only --tree /usr/src/linux-source-6.12\n' +
        '\nThe corpus is imported from the tree into the cache first if needed (see\n' +
        '`jitgen corpus import`). The interpreter does not depend on the ISA: each program\n' +
        'runs once per byte order and counts for every configuration of that byte order.\n' +
        'Exit status: 0 all passed, 1 something failed, 2 bad input or usage.\n',
    )
    .action(async (opts: VerifyOpts) => {
      if (!opts.interpOnly) {
        throw new UsageError('the JIT model is not available yet: use --interp-only');
      }
      const corpora = parseCorpora(opts.corpus);
      const configs = configsFromOptions(opts);
      let budget: number | undefined;
      if (opts.budget !== undefined) {
        budget = Number(opts.budget);
        if (!Number.isSafeInteger(budget) || budget <= 0) throw new UsageError(`--budget takes a positive number, not '${opts.budget}'`);
      }
      const tree = opts.tree ?? defaultTreeDir;
      const progress = (line: string): void => {
        process.stderr.write(`${line}\n`);
      };
      await importCorpus(tree, { progress });
      const result = await verifyInterp({
        corpora,
        configs,
        budget,
        load: (name, endian) => loadCorpus(tree, name as CorpusName, endian),
        progress,
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${formatResult(result).join('\n')}\n`);
      process.exitCode = exitStatus(result);
    });
}
