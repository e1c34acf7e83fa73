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
  /**
   * Which arguments are signed integers (BTF_FMODEL_SIGNED_ARG): a 1- or 2-byte argument
   * reaches the callee sign-extended to its register when set, zero-extended otherwise.
   */
  argSigned?: boolean[];
  /** Bytes of the result: 0 (void), up to 4 (v0), 8 (v0/v1). */
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
  /**
   * For the tail_calls corpus: the programs of the prog array, by index, exactly as the
   * kernel builds it (`bpf_array.ptrs[]`: one slot per test plus a last NULL slot); its
   * length is the array's `max_entries`. Shared by every program of the corpus.
   */
  tailCallTargets?: (TestProgram | null)[];
  /** Why a program is skipped (classic tests until they are converted). */
  skip?: string;

  // What the corpus importer knows beyond the above (src/verify/corpus); all optional.
  /** Classic tests: the `sock_filter` program (`insns` is empty until a converter exists). */
  classicInsns?: ClassicInsn[];
  /** FLAG_SKB_FRAG: the bytes of the skb's one page fragment (test_bpf's `frag_data`). */
  fragData?: Uint8Array;
  /** FLAG_EXPECTED_FAIL: the error the kernel must report when loading it (e.g. -22). */
  expectedErrcode?: number;
  /** How many times back to back the kernel runs it on the same context (state persists). */
  runs?: number;
  /** The result is the u32 the program left at R1's memory after `runs` runs, not R0. */
  resultInState?: boolean;
  /** Built by a test_bpf `fill_helper` generator rather than written in the table. */
  generated?: boolean;
  /** Helper calls (`call imm` with src_reg 0) the program makes, by kernel helper id. */
  helpers?: { name: string; id: number }[];
  /**
   * The context R1 points to in sub-test `e`, when the corpus builds one (the classic
   * corpus: an skb around the test's data); otherwise the runners use `data`.
   */
  context?: (e: Expectation) => Uint8Array;
  /** `prog->aux->tail_call_reachable` as the kernel sets it (tail_calls corpus). */
  tailCallReachable?: boolean;
}

/** A classic BPF instruction (`struct sock_filter`). */
export interface ClassicInsn {
  code: number;
  jt: number;
  jf: number;
  /** Unsigned 32-bit. */
  k: number;
}
