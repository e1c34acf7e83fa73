// `jitgen uasm-check`: which MIPS table entries the tree's uasm can emit, per ISA.
import type { Command } from 'commander';
import { uasmAvailability } from '../mips/uasm.ts';

export function register(program: Command): void {
  program
    .command('uasm-check')
    .description("report which MIPS instructions the kernel tree's uasm can emit on R2 and R6")
    .option('--tree <dir>', 'kernel source tree', '/tmp/ks/linux-source-6.12')
    .option('--json', 'print JSON: [{"op", "uasmName", "r2", "r6", "notes"}]')
    .action((opts: { tree: string; json?: boolean }) => {
      const rows = uasmAvailability(opts.tree);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const mark = (b: boolean) => (b ? 'yes' : 'no ');
      const lines = ['op        uasm       r2   r6   missing'];
      for (const r of rows) {
        lines.push(`${r.op.padEnd(9)} ${(r.uasmName ?? '-').padEnd(10)} ${mark(r.r2)}  ${mark(r.r6)}  ${r.notes.join('; ')}`.trimEnd());
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
