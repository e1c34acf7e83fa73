// `jitgen compare`: the designs side by side, from measurements (src/compare/).
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { configsFromOptions } from '../config.ts';
import { UsageError } from '../errors.ts';
import { repoRoot } from '../paths.ts';
import { defaultTreeDir, importCorpus } from '../verify/corpus/index.ts';
import { perConfigProcesses } from '../verify/parallel.ts';
import { parseCorpora } from './verify.ts';
import { DESIGNS } from '../jit/designs/index.ts';
import { MAINLINE } from '../compare/facts.ts';
import { measureConfig, type ConfigPart } from '../compare/measure.ts';
import { buildReport } from '../compare/summary.ts';
import { recordCompare } from '../series/records.ts';
import { renderMarkdown } from '../compare/markdown.ts';
import { renderHtml } from '../compare/html.ts';

interface CompareOpts {
  designs: string;
  corpus: string;
  configs?: string;
  isa?: string;
  endian?: string;
  format: string;
  out?: string;
  filter?: string;
  tree?: string;
  budget?: string;
  part?: boolean;
}

const DEFAULT_DESIGNS = [...DESIGNS.map((d) => d.name), MAINLINE].join(',');

export function parseDesigns(list: string): string[] {
  const known = [...DESIGNS.map((d) => d.name), MAINLINE];
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('--designs needs at least one design');
  for (const n of names) if (!known.includes(n)) throw new UsageError(`unknown design '${n}' (known: ${known.join(', ')})`);
  return [...new Set(names)];
}

function parseFilter(text: string | undefined): RegExp | undefined {
  if (text === undefined) return undefined;
  try {
    return new RegExp(text);
  } catch {
    throw new UsageError(`--filter: not a regular expression: ${text}`);
  }
}

function childArgs(opts: CompareOpts, id: string, tree: string): string[] {
  const a = ['compare', '--part', '--configs', id, '--designs', opts.designs, '--corpus', opts.corpus, '--tree', tree];
  if (opts.filter !== undefined) a.push('--filter', opts.filter);
  if (opts.budget !== undefined) a.push('--budget', opts.budget);
  return a;
}

export function register(program: Command): void {
  program
    .command('compare')
    .description('designs side by side: register maps, conventions, coverage, per-opcode and corpus costs (measured)')
    .option('--designs <list>', `designs: presets and/or mainline (the tree's real C in the host harness)`, DEFAULT_DESIGNS)
    .option('--corpus <list>', 'corpora: test_bpf, tail_calls, classic, filters, xdp, samples', 'test_bpf,tail_calls')
    .option('--configs <list>', 'configurations (default: be-r2,le-r2,be-r6,le-r6)')
    .option('--isa <list>', 'ISA releases r2,r6 (with --endian, instead of --configs)')
    .option('--endian <list>', 'byte orders be,le (with --isa, instead of --configs)')
    .option('--format <kind>', 'md, html or json', 'md')
    .option('--out <file>', 'write the report to FILE instead of stdout')
    .option('--filter <regex>', 'only corpus programs whose identity (corpus:index:name) matches')
    .option('--tree <dir>', 'kernel tree (default kernel-tree/base)')
    .option('--budget <n>', 'instructions one run may execute (default 50000000)')
    .addOption(new Option('--part', 'internal: measure one configuration, print its JSON').hideHelp())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  jitgen compare --format html --out compare.html\n' +
        '  jitgen compare --format json --configs be-r2 --filter "ALU64_(MUL|DIV)"\n' +
        '  jitgen compare --designs jitgen,mainline --corpus tail_calls --format md\n' +
        '\nEach configuration is measured in its own process (progress on stderr). mainline is\n' +
        'the tree\'s bpf_jit_comp{,32}.c compiled in the host harness; it always runs the whole\n' +
        'corpus (the filter applies to its results). The full corpus x 4 designs x 4\n' +
        'configurations takes tens of minutes on two cores. Exit status: 0, or 2 on bad input.\n',
    )
    .action(async (opts: CompareOpts) => {
      const designs = parseDesigns(opts.designs);
      const corpora = parseCorpora(opts.corpus);
      const configs = configsFromOptions(opts);
      if (!['md', 'html', 'json'].includes(opts.format)) throw new UsageError(`--format takes md, html or json, not '${opts.format}'`);
      let budget: number | undefined;
      if (opts.budget !== undefined) {
        budget = Number(opts.budget);
        if (!Number.isSafeInteger(budget) || budget <= 0) throw new UsageError(`--budget takes a positive number, not '${opts.budget}'`);
      }
      const filter = parseFilter(opts.filter);
      const tree = opts.tree ?? defaultTreeDir;
      const progress = (line: string): void => void process.stderr.write(`${line}\n`);
      const selection = { treeDir: tree, corpora, filter, budget };

      if (opts.part) {
        if (configs.length !== 1) throw new UsageError('--part measures exactly one configuration');
        const part = await measureConfig(configs[0]!, { selection, designs, progress });
        process.stdout.write(`${JSON.stringify(part)}\n`);
        return;
      }
      await importCorpus(tree, { progress });
      const parts =
        configs.length > 1
          ? // the children print ConfigPart JSON; perConfigProcesses only parses it
            ((await perConfigProcesses(join(repoRoot, 'bin/jitgen.js'), configs.map((c) => c.id), (id) => childArgs(opts, id, tree), progress)) as unknown as ConfigPart[])
          : [await measureConfig(configs[0]!, { selection, designs, progress })];
      const report = buildReport(parts, { tree, corpora, designs, filter: opts.filter ?? null });
      recordCompare(report);
      const text =
        opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : opts.format === 'html' ? renderHtml(report) : renderMarkdown(report);
      if (opts.out) {
        const tmp = `${opts.out}.tmp-${process.pid}`;
        writeFileSync(tmp, text);
        renameSync(tmp, opts.out);
        progress(`compare: wrote ${opts.out}`);
      } else process.stdout.write(text);
    });
}
