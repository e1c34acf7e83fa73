// Every verb of the CLI, in the order `jitgen --help` lists them.
import type { Command } from 'commander';
import { register as tree } from './tree.ts';
import { register as patch } from './patch.ts';
import { register as jitCmd } from './jit.ts';
import { register as corpus } from './corpus.ts';
import { register as disasm } from './disasm.ts';
import { register as run } from './run.ts';
import { register as verify } from './verify.ts';
import { register as crosscheck } from './crosscheck.ts';
import { register as uasmCheck } from './uasm.ts';
import { register as check } from './check.ts';
import { register as bootTest } from './boot-test.ts';
import { register as render } from './render.ts';
import { register as prove } from './prove.ts';
import { register as fuzz } from './fuzz.ts';
import { register as compare } from './compare.ts';
import { register as diffCmd } from './diff.ts';

export type Register = (program: Command) => void;

export const commands: Register[] = [
  tree,
  corpus,
  disasm,
  run,
  jitCmd,
  verify,
  patch,
  crosscheck,
  uasmCheck,
  check,
  bootTest,
  render,
  prove,
  fuzz,
  compare,
  diffCmd,
];
