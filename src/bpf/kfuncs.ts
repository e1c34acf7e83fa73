// Kernel functions a program may call with BPF_PSEUDO_KFUNC_CALL, as the runners model
// them: the test kfuncs of the selftests' bpf_testmod module
// (tools/testing/selftests/bpf/bpf_testmod/bpf_testmod.c), with their prototypes on a
// 32-bit kernel (pointers and `long` are 4 bytes) and what they compute. The prototype
// is what the kernel's BTF gives the JIT (`btf_func_model`); the interpreter and the
// simulator's native routines run the same `call`.
import type { KfuncDef } from './program.ts';

export interface Kfunc extends Required<KfuncDef> {
  /**
   * The result (its low `retSize` bytes count) for arguments already narrowed to their
   * C types: each argument's low `argSizes[i]` bytes, sign-extended when signed.
   */
  call(args: bigint[]): bigint;
}

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);

const KFUNCS: readonly Kfunc[] = [
  {
    // u64 bpf_kfunc_call_test1(struct sock *sk, u32 a, u64 b, u32 c, u64 d)
    name: 'bpf_kfunc_call_test1',
    argSizes: [4, 4, 8, 4, 8],
    argSigned: [false, false, false, false, false],
    retSize: 8,
    call: ([, a, b, c, d]) => u64(a! + b! + c! + d!),
  },
  {
    // int bpf_kfunc_call_test2(struct sock *sk, u32 a, u32 b)
    name: 'bpf_kfunc_call_test2',
    argSizes: [4, 4, 4],
    argSigned: [false, false, false],
    retSize: 4,
    call: ([, a, b]) => u32(a! + b!),
  },
  {
    // struct sock *bpf_kfunc_call_test3(struct sock *sk)
    name: 'bpf_kfunc_call_test3',
    argSizes: [4],
    argSigned: [false],
    retSize: 4,
    call: ([sk]) => sk!,
  },
  {
    // long bpf_kfunc_call_test4(signed char a, short b, int c, long d): the callee assumes
    // its caller sign-extended a, b and c
    name: 'bpf_kfunc_call_test4',
    argSizes: [1, 2, 4, 4],
    argSigned: [true, true, true, true],
    retSize: 4,
    call: ([a, b, c, d]) => u32(a! + b! + c! + d!),
  },
];

const BY_NAME = new Map(KFUNCS.map((k) => [k.name, k]));

/** The modelled kernel function `name`, or undefined. */
export function kfuncByName(name: string): Kfunc | undefined {
  return BY_NAME.get(name);
}

/** Every modelled kernel function. */
export function modelledKfuncs(): readonly Kfunc[] {
  return KFUNCS;
}

/** A modelled kfunc as a program declares it (`Program.kfuncs`): its prototype alone. */
export function kfuncDecl({ name, argSizes, argSigned, retSize }: Kfunc): KfuncDef {
  return { name, argSizes, argSigned, retSize };
}

/** Argument i of a kfunc as its C type sees BPF register R(i+1): narrowed, then extended. */
export function narrowArg(def: KfuncDef, i: number, reg: bigint): bigint {
  const bits = 8 * (def.argSizes[i] ?? 8);
  if (bits >= 64) return u64(reg);
  return def.argSigned?.[i] ? BigInt.asIntN(bits, reg) : BigInt.asUintN(bits, reg);
}

/** R0 after the call: the result zero-extended from its width (a void call leaves 0). */
export function kfuncResult(def: KfuncDef, ret: bigint): bigint {
  if (def.retSize === 0) return 0n;
  return def.retSize > 4 ? u64(ret) : u32(ret);
}

/** Two prototypes agree as the verifier's BTF check needs (sizes, signedness, result). */
export function sameProto(a: KfuncDef, b: KfuncDef): boolean {
  const signed = (d: KfuncDef, i: number): boolean => d.argSigned?.[i] ?? false;
  return (
    a.retSize === b.retSize &&
    a.argSizes.length === b.argSizes.length &&
    a.argSizes.every((s, i) => s === b.argSizes[i] && signed(a, i) === signed(b, i))
  );
}
