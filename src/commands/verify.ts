// `jitgen verify`: run corpora and compare with what they must give. Today the reference
// interpreter against the kernel's expected results (`--interp-only`); the JIT model's
// differential run plugs in beside it.
import type { Command } from 'commander';
import { configsFromOptions } from '../config.ts';
import { InsnError, UsageError } from '../errors.ts';
import type { TestProgram } from '../bpf/program.ts';
import { verifierRewrites } from '../bpf/rewrites.ts';
import { CORPUS_NAMES, defaultTreeDir, importCorpus, loadAnyCorpus, type CorpusName } from '../verify/corpus/index.ts';
import { verifyInterp } from '../verify/interp-runner.ts';
import { verifyJit } from '../verify/jit-verify.ts';
import { recordVerify } from '../series/records.ts';
import { mergeResults, perConfigProcesses } from '../verify/parallel.ts';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';
import { designByName } from '../jit/designs/index.ts';
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
  design: string;
  harden?: boolean;
  seed: string;
  filter?: string;
  verifierRewrites?: boolean;
}

/** The corpus as the JIT gets it: with --verifier-rewrites, after the verifier's rewrites. */
async function loader(tree: string, opts: VerifyOpts, name: string, endian: 'be' | 'le'): Promise<TestProgram[]> {
  const progs = await loadAnyCorpus(tree, name as CorpusName, endian);
  if (!opts.verifierRewrites) return progs;
  return progs.map((p) => {
    if (p.skip !== undefined) return p;
    try {
      return verifierRewrites(p);
    } catch (e) {
      // test_bpf divides by a constant 0 on purpose: the verifier rejects such programs
      if (e instanceof InsnError) return { ...p, skip: `rejected by the verifier: ${e.what}` };
      throw e;
    }
  });
}

export function parseCorpora(list: string): CorpusName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('--corpus needs at least one corpus name');
  for (const n of names) {
    if (!(CORPUS_NAMES as readonly string[]).includes(n)) {
      throw new UsageError(`unknown corpus '${n}' (available: ${CORPUS_NAMES.join(', ')}; PATH corpora are not implemented yet)`);
    }
  }
  return names as CorpusName[];
}

/** The same verify for one configuration, as a child process prints it. */
function childArgs(opts: VerifyOpts, id: string, tree: string): string[] {
  const a = ['verify', '--configs', id, '--corpus', opts.corpus, '--design', opts.design, '--tree', tree, '--json', '--seed', opts.seed];
  if (opts.harden) a.push('--harden');
  if (opts.verifierRewrites) a.push('--verifier-rewrites');
  if (opts.filter !== undefined) a.push('--filter', opts.filter);
  if (opts.budget !== undefined) a.push('--budget', opts.budget);
  return a;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description('run corpora through the reference interpreter and the JIT model in the simulator, compare results')
    .option('--interp-only', 'run the reference interpreter only, against the expected results')
    .option('--design <name>', 'design preset of the JIT model', 'jitgen')
    .option('--harden', 'blind constants before JITing (bpf_jit_blind_constants)')
    .option('--seed <n>', 'seed of the blinding PRNG', '1')
    .option('--verifier-rewrites', "apply the verifier's rewrites first (x/0 guards, explicit zero extensions; verifier_zext set)")
    .option('--filter <regex>', 'only programs whose identity (corpus:index:name) matches')
    .option('--corpus <list>', 'corpora: test_bpf, tail_calls, classic, filters, xdp, samples', 'test_bpf,tail_calls')
    .option('--configs <list>', 'configurations (default: be-r2,le-r2,be-r6,le-r6)')
    .option('--isa <list>', 'ISA releases r2,r6 (with --endian, instead of --configs)')
    .option('--endian <list>', 'byte orders be,le (with --isa, instead of --configs)')
    .option('--json', 'print the result as JSON on stdout')
    .option('--tree <dir>', 'kernel tree the corpus comes from (default kernel-tree/base)')
    .option('--budget <n>', 'instructions one run may execute (default 50000000)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  jitgen verify --corpus test_bpf,tail_calls --configs be-r2,le-r6 --json\n' +
        '  jitgen verify --design johan --harden --seed 7\n' +
        '  jitgen verify --filter "ALU64_MUL" --configs be-r6\n' +
        '  jitgen verify --interp-only --corpus test_bpf --json\n' +
        '  jitgen verify --interp-only --corpus tail_calls --endian be --isa r2\n' +
        '  jitgen verify --interp-only --tree /usr/src/linux-source-6.12\n' +
        '\nThe corpus is imported from the tree into the cache first if needed (see\n' +
        '`jitgen corpus import`). The interpreter does not depend on the ISA: each program\n' +
        'runs once per byte order and counts for every configuration of that byte order.\n' +
        'Exit status: 0 all passed, 1 something failed, 2 bad input or usage.\n',
    )
    .action(async (opts: VerifyOpts) => {
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
      if (!opts.interpOnly) {
        const seed = Number(opts.seed);
        if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed takes an integer, not '${opts.seed}'`);
        let filter: RegExp | undefined;
        try {
          filter = opts.filter === undefined ? undefined : new RegExp(opts.filter);
        } catch {
          throw new UsageError(`--filter: not a regular expression: ${opts.filter}`);
        }
        const design = designByName(opts.design);
        const jres =
          configs.length > 1
            ? mergeResults(
                await perConfigProcesses(
                  join(repoRoot, 'bin/jitgen.js'),
                  configs.map((c) => c.id),
                  (id) => childArgs(opts, id, tree),
                  progress,
                ),
              )
            : await verifyJit({
                corpora,
                configs,
                budget,
                design,
                hardenSeed: opts.harden ? seed : undefined,
                filter: filter && ((p) => filter.test(p.id)),
                load: (name, endian) => loader(tree, opts, name, endian),
                progress,
              });
        if (filter === undefined && !opts.verifierRewrites) recordVerify(opts.design, !!opts.harden, corpora, jres);
        if (opts.json) process.stdout.write(`${JSON.stringify(jres, null, 2)}\n`);
        else process.stdout.write(`${formatResult(jres).join('\n')}\n`);
        process.exitCode = exitStatus(jres);
        return;
      }
      const result = await verifyInterp({
        corpora,
        configs,
        budget,
        load: (name, endian) => loader(tree, opts, name, endian),
        progress,
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${formatResult(result).join('\n')}\n`);
      process.exitCode = exitStatus(result);
    });
}
