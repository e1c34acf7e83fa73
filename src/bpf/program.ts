// A BPF program as every verb sees it: the JIT's input (DESIGN.md "Conventions").
import type { Insn } from './opcodes.ts';

/** A map referenced by a program (resolved from an ELF `.maps` section or a corpus). */
export interface MapDef {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
}

/** A kernel function a program calls (kfunc), with the sizes of its arguments. */
export interface KfuncDef {
  name: string;
  /** Argument sizes in bytes (<= 4: one register, 8: an aligned pair on O32). */
  argSizes: number[];
  retSize: number;
}

export interface Program {
  /** Identity `corpus:index:name` (DESIGN.md), or the file name for one-off inputs. */
  id: string;
  insns: Insn[];
  /** What the kernel passes as `prog->aux->verifier_zext`. */
  verifierZext: boolean;
  /** Stack bytes the program uses (`prog->aux->stack_depth`), 0 if unknown. */
  stackDepth: number;
  maps?: MapDef[];
  kfuncs?: KfuncDef[];
}

/** One expected run of a test: what R1 points to and what R0 must be (u32). */
export interface Expectation {
  /** Bytes of packet data in the context buffer (test_bpf's `data_size`). */
  dataSize: number;
  /** Expected return value, as the kernel compares it: the low 32 bits. */
  result: number;
}

/** A corpus entry: a program plus what running it must give. */
export interface TestProgram extends Program {
  corpus: string;
  index: number;
  name: string;
  /** test_bpf flags (FLAG_NO_DATA, FLAG_EXPECTED_FAIL, ...), as numbers. */
  flags: number;
  /** The context data R1 points to (test_bpf's `data`), empty when FLAG_NO_DATA. */
  data: Uint8Array;
  expect: Expectation[];
  /** For the tail_calls corpus: the programs of the prog array, by index. */
  tailCallTargets?: (TestProgram | null)[];
  /** Why a program is skipped (classic tests until they are converted). */
  skip?: string;
}
