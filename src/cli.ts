// The `jitgen` command line: one subcommand per verb, each registered by its module in
// src/commands/. This file only wires them and turns errors into exit statuses.
import { Command, CommanderError } from 'commander';
import { InputError, UsageError } from './errors.ts';
import { commands } from './commands/index.ts';

const program = new Command('jitgen')
  .description('Model, verify and render the MIPS32 eBPF JIT into kernel patches')
  .showHelpAfterError()
  .exitOverride();

for (const register of commands) register(program);

// `jitgen ... | head` closes the pipe early: stop quietly, as cat and grep do
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitStatus(err);
}

function exitStatus(err: unknown): number {
  if (err instanceof CommanderError) {
    // help and version are successes; everything else commander reports is usage
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof InputError || err instanceof UsageError) {
    process.stderr.write(`jitgen: error: ${err.message}\n`);
    return 2;
  }
  const e = err as Error;
  process.stderr.write(`jitgen: internal error: ${e?.stack ?? String(err)}\n`);
  return 3;
}
