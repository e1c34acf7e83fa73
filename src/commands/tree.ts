// `jitgen tree init`: make or adopt the base kernel tree.
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { DEBIAN_VERSIONS, adoptTree, initDebianTree, type DebianVersion, type TreeInfo } from '../kernel/tree.ts';

export function register(program: Command): void {
  const tree = program.command('tree').description('make or adopt the base kernel tree');
  tree
    .command('init')
    .description("extract Debian's linux-source tarball into kernel-tree/base, or adopt a checkout")
    .option('--from <path>', "adopt an existing kernel git checkout (read-only; must be clean)")
    .option('--debian <version>', `extract /usr/src/linux-source-VERSION.tar.xz (${DEBIAN_VERSIONS.join(', ')})`)
    .addHelpText(
      'after',
      '\nExamples:\n  jitgen tree init                   # Debian linux-source-6.12 into kernel-tree/base\n  jitgen tree init --from ~/src/linux # use your own checkout\n',
    )
    .action(async (opts: { from?: string; debian?: string }) => {
      if (opts.from && opts.debian) throw new UsageError('give either --from or --debian, not both');
      if (opts.from) {
        report(await adoptTree(opts.from), 'adopted');
        return;
      }
      const version = opts.debian ?? '6.12';
      if (!(DEBIAN_VERSIONS as readonly string[]).includes(version)) {
        throw new UsageError(`--debian takes ${DEBIAN_VERSIONS.join(' or ')}, not '${version}'`);
      }
      const { info, created } = await initDebianTree(version as DebianVersion, (m) => process.stderr.write(`tree: ${m}\n`));
      report(info, created ? 'created' : 'already initialised, nothing to do');
    });
}

function report(info: TreeInfo, what: string): void {
  const lines = [
    `tree: ${info.path} (${what})`,
    `  source:  ${info.source}`,
    `  version: ${info.version}`,
    ...(info.baseCommit ? [`  base:    ${info.baseCommit}`] : []),
    `  arch/mips/net: ${info.jitFiles.join(' ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
