// `jitgen patch --series`: the rendered design as a git series in patches/vN/.
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { patchesDir } from '../paths.ts';
import { resolveTree } from '../kernel/tree.ts';
import { designByName, renderDesign } from '../render/index.ts';
import { coverLetter, seriesCommits } from '../series/plan.ts';
import { writeSeries } from '../series/git-series.ts';
import { seriesBranch, seriesWorktree } from '../series/paths.ts';

interface PatchOpts {
  series?: boolean;
  tree?: string;
  out?: string;
  version: string;
  design: string;
  author?: string;
  to: string[];
  cc: string[];
  getMaintainer?: boolean;
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

export function register(program: Command): void {
  program
    .command('patch')
    .description('write the rendered design as a kernel patch series (git format-patch) in patches/vN')
    .option('--series', 'make the series: commits on a jitgen branch of the tree, then format-patch')
    .option('--tree <dir>', 'base kernel tree (default: the one `jitgen tree init` made)')
    .option('--out <dir>', 'where the versions go', patchesDir)
    .option('--version <n>', 'series version: v2 and later carry it in the subjects', '1')
    .option('--design <name>', 'design to render', 'jitgen')
    .option('--author <who>', 'Signed-off-by identity "Name <mail>" (default: the tree\'s git identity)')
    .option('--to <addr>', 'To: address (repeatable)', collect, [])
    .option('--cc <addr>', 'Cc: address (repeatable)', collect, [])
    .option('--get-maintainer', "add the tree's scripts/get_maintainer.pl recipients: maintainers To:, the rest Cc:")
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  jitgen patch --series --author "Jane Doe <jane@example.org>"\n' +
        '  jitgen patch --series --version 2 --to linux-mips@vger.kernel.org\n' +
        '  jitgen patch --series --get-maintainer\n' +
        '\nThe commits are made on branch jitgen/series in a worktree under .cache/series;\n' +
        'your checkout, its branches and uncommitted work are not touched. Dates come\n' +
        'from the base commit (or SOURCE_DATE_EPOCH): the same inputs give the same\n' +
        'patches. Exit status: 0 written, 2 bad input.\n',
    )
    .action(async (opts: PatchOpts) => {
      if (!opts.series) throw new UsageError('say --series: the series is the only output so far');
      const version = Number(opts.version);
      if (!Number.isInteger(version) || version < 1) throw new UsageError(`--version takes 1, 2, ..., not '${opts.version}'`);
      const tree = resolveTree(opts.tree);
      const rendered = renderDesign(tree, designByName(opts.design));
      const cover = coverLetter(rendered);
      const res = await writeSeries(seriesCommits(rendered), {
        tree,
        worktree: seriesWorktree,
        branch: seriesBranch,
        outDir: join(opts.out ?? patchesDir, `v${version}`),
        version,
        author: opts.author,
        to: opts.to,
        cc: opts.cc,
        getMaintainer: opts.getMaintainer,
        coverSubject: cover.subject,
        coverBlurb: cover.blurb,
        progress: (m) => process.stderr.write(`patch: ${m}\n`),
      });
      process.stdout.write(`${res.patches.length} patches on ${res.base.slice(0, 12)} in ${res.outDir}\n`);
      for (const p of res.patches) process.stdout.write(`  ${p}\n`);
    });
}
