// Helper-function stubs for the reference interpreter: deterministic stand-ins for the
// kernel helpers that corpus programs call (helper ids from include/uapi/linux/bpf.h).
// A helper not in the table is a clear error at the call, never a silent zero.
import type { ConcreteMemory } from '../bv/memory.ts';
import type { ByteOrder } from '../bv/types.ts';

/** What a helper can see besides its arguments. */
export interface HelperContext {
  mem: ConcreteMemory;
  order: ByteOrder;
}

export interface Helper {
  name: string;
  /** R1-R5 as u64; returns R0 (reduced to 64 bits by the caller). */
  call(args: readonly bigint[], hctx: HelperContext): bigint;
}

export type HelperTable = ReadonlyMap<number, Helper>;

// helper ids (include/uapi/linux/bpf.h, `FN(name, id, ...)`)
export const FUNC_KTIME_GET_NS = 5;
export const FUNC_GET_PRANDOM_U32 = 7;
export const FUNC_GET_SMP_PROCESSOR_ID = 8;
export const FUNC_GET_NUMA_NODE_ID = 42;
export const FUNC_JIFFIES64 = 118;
export const FUNC_KTIME_GET_BOOT_NS = 125;
export const FUNC_KTIME_GET_COARSE_NS = 160;

/** A fixed clock: test programs must not depend on time, and runs must be reproducible. */
const FIXED_NS = 1_000_000_000n;

/**
 * test_bpf's `bpf_test_func(arg)`: the length snprintf gives for
 * "%ld %lu %lx %ld %lu %lx %ld %lu %x" of 0..7 and (int)arg, i.e. 16 characters for
 * "0 1 2 3 4 5 6 7 " plus the hex digits of the low 32 bits of arg.
 */
export function testFuncResult(arg: bigint): bigint {
  return BigInt(16 + Number(arg & 0xffffffffn).toString(16).length);
}

/**
 * The default table. `testFuncId` is the id test_bpf gives `bpf_test_func`
 * (`__BPF_FUNC_MAX_ID` of the tree, 212 in 6.12); the corpus importer knows it.
 */
export function defaultHelpers(testFuncId?: number): Map<number, Helper> {
  const t = new Map<number, Helper>();
  t.set(FUNC_KTIME_GET_NS, { name: 'ktime_get_ns', call: () => FIXED_NS });
  t.set(FUNC_KTIME_GET_BOOT_NS, { name: 'ktime_get_boot_ns', call: () => FIXED_NS });
  t.set(FUNC_KTIME_GET_COARSE_NS, { name: 'ktime_get_coarse_ns', call: () => FIXED_NS });
  t.set(FUNC_JIFFIES64, { name: 'jiffies64', call: () => 0x100000000n });
  t.set(FUNC_GET_NUMA_NODE_ID, { name: 'get_numa_node_id', call: () => 0n });
  t.set(FUNC_GET_SMP_PROCESSOR_ID, { name: 'get_smp_processor_id', call: () => 0n });
  let seed = 0x12345678;
  t.set(FUNC_GET_PRANDOM_U32, {
    name: 'get_prandom_u32',
    // xorshift32: deterministic per table, so a replay gives the same numbers
    call: () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return BigInt(seed >>> 0);
    },
  });
  if (testFuncId !== undefined) {
    t.set(testFuncId, { name: 'bpf_test_func', call: (args) => testFuncResult(args[0]!) });
  }
  return t;
}
