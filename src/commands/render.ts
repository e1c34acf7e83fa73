// `jitgen render`: the design rendered into kernel C (src/render/) against a base tree,
// written under an output directory that mirrors the tree's paths: never into the tree
// unless --out names it. --check compares instead of writing: exit 1 when anything
// in --out differs from the rendering.
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { cacheDir } from '../paths.ts';
import { resolveTree } from '../kernel/tree.ts';
import { designByName, renderDesign } from '../render/index.ts';
import { differing, writeRendered } from '../render/files.ts';

export interface RenderOptions {
  tree?: string;
  out?: string;
  design: string;
  check?: boolean;
  json?: boolean;
}

/** Where `render` writes without --out: a scratch directory, never the tree. */
export const defaultRenderOut = join(cacheDir, 'render', 'out');

export function register(program: Command): void {
  program
    .command('render')
    .description('render the design into kernel C (arch/mips/net/ebpf_jit*.{c,h}, Makefile, uasm additions)')
    .option('--tree <dir>', 'base kernel tree (default: the one `jitgen tree init` made)')
    .option('--out <dir>', `output directory, mirroring tree paths (default ${defaultRenderOut})`)
    .option('--design <name>', 'design to render', 'jitgen')
    .option('--check', 'write nothing; exit 1 if the files in --out differ from the rendering')
    .option('--json', 'print JSON: {"out", "written", "unchanged", "differing", "deleted", "uasmAdded"}')
    .addHelpText('after', '\nExamples:\n  jitgen render --out /tmp/series\n  jitgen render --tree ~/linux-base --out ~/linux-patched --check\n')
    .action((o: RenderOptions) => {
      const tree = resolveTree(o.tree);
      const design = designByName(o.design);
      const rendered = renderDesign(tree, design);
      // the tree is the base the series applies to; what is checked or written is --out
      const out = resolve(o.out ?? defaultRenderOut);
      if (o.check) {
        const diff = differing(out, rendered);
        if (o.json) process.stdout.write(`${JSON.stringify({ out, differing: diff, deleted: rendered.deleted }, null, 2)}\n`);
        else if (diff.length) process.stdout.write(`${diff.map((f) => `differs: ${f}`).join('\n')}\n`);
        else process.stdout.write(`${out}: up to date (${rendered.files.size} files)\n`);
        process.exitCode = diff.length ? 1 : 0;
        return;
      }
      const res = writeRendered(out, rendered);
      if (o.json) {
        const body = { out, written: res.written, unchanged: res.unchanged, deleted: rendered.deleted, uasmAdded: rendered.uasmAdded };
        process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
        return;
      }
      for (const f of res.written) process.stdout.write(`wrote ${join(out, f)}\n`);
      if (res.unchanged.length) process.stdout.write(`${res.unchanged.length} file(s) unchanged\n`);
      process.stdout.write(`the series deletes: ${rendered.deleted.join(', ')}\n`);
      if (rendered.uasmAdded.length) process.stdout.write(`uasm builders added: ${rendered.uasmAdded.join(', ')}\n`);
    });
}
