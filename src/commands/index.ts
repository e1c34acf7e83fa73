// Every verb of the CLI, in the order `jitgen --help` lists them.
import type { Command } from 'commander';
import { register as tree } from './tree.ts';

export type Register = (program: Command) => void;

export const commands: Register[] = [
  tree,
];
