// The one address table of a run (DESIGN.md "Conventions"): kernel functions, the
// image's own base address and the struct offsets the tail-call sequence reads. The
// model, the harness and the simulator all bind through it, so images compare word for
// word. Without a System.map the addresses are fixed, made-up KSEG0 addresses.
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.ts';

export interface StructOffsets {
  /** offsetof(struct bpf_array, map.max_entries) */
  arrayMaxEntries: number;
  /** offsetof(struct bpf_array, ptrs) */
  arrayPtrs: number;
  /** offsetof(struct bpf_prog, bpf_func) */
  progBpfFunc: number;
}

export interface Binding {
  /** Where the JITed image of the program under test is placed. */
  imageBase: number;
  /** Kernel symbols by name (helpers, div64_u64, atomic64_*, jit_mod64 ...). */
  symbols: ReadonlyMap<string, number>;
  offsets: StructOffsets;
  /** `__bpf_call_base`: helper calls encode `func - __bpf_call_base` in imm. */
  callBase: number;
}

/** Kernel functions the designs call, bound in every table. */
export const KERNEL_FUNCTIONS = [
  'div64_u64',
  'div64_s64',
  'jit_mod64',
  'jit_smod64',
  'jit_xchg64',
  'atomic64_add',
  'atomic64_fetch_add',
  'atomic64_and',
  'atomic64_fetch_and',
  'atomic64_or',
  'atomic64_fetch_or',
  'atomic64_xor',
  'atomic64_fetch_xor',
  'atomic64_cmpxchg',
  // referenced by mainline's C (unreachable: BPF has no atomic SUB), bound so it links
  'atomic64_sub',
  'atomic64_fetch_sub',
] as const;

/**
 * Struct offsets of a 32-bit MIPS 6.12 kernel: `ptrs` as DESIGN.md measured on a Malta
 * build (it varies with the configuration), `bpf_func` after pages, flags, type,
 * expected_attach_type, len, jited_len, tag[8], stats and active (include/linux/bpf.h).
 */
export const DEFAULT_OFFSETS: StructOffsets = { arrayMaxEntries: 24, arrayPtrs: 184, progBpfFunc: 36 };

const KERNEL_TEXT = 0x80100000;
export const DEFAULT_IMAGE_BASE = 0xc0010000;

/** A binding with fixed addresses: kernel functions 16 bytes apart in KSEG0. */
export function defaultBinding(extra: readonly string[] = []): Binding {
  const symbols = new Map<string, number>();
  symbols.set('__bpf_call_base', KERNEL_TEXT);
  [...KERNEL_FUNCTIONS, ...extra].forEach((name, i) => symbols.set(name, KERNEL_TEXT + 0x100 + 16 * i));
  return { imageBase: DEFAULT_IMAGE_BASE, symbols, offsets: DEFAULT_OFFSETS, callBase: KERNEL_TEXT };
}

/** Bind kernel functions from a built kernel's System.map. */
export function bindingFromSystemMap(path: string, offsets: StructOffsets, imageBase = DEFAULT_IMAGE_BASE): Binding {
  const symbols = new Map<string, number>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    // 32-bit MIPS maps print addresses sign-extended to 64 bits (ffffffff801a5778)
    const m = /^(?:[0-9a-f]{8})?([0-9a-f]{8}) \w (\S+)$/.exec(line);
    if (m) symbols.set(m[2]!, parseInt(m[1]!, 16));
  }
  const callBase = symbols.get('__bpf_call_base');
  if (callBase === undefined) throw new InputError(`${path}: no __bpf_call_base: not a BPF kernel's System.map`);
  return { imageBase, symbols, offsets, callBase };
}

export function symbolAddress(b: Binding, name: string): number {
  const a = b.symbols.get(name);
  if (a === undefined) throw new InputError(`kernel function ${name} is not in the address table`);
  return a;
}
