// From the driver's raw records to TestProgram: the kernel runner's rules (which sub-tests
// run, what R1 points to, how tail-call tests are loaded) applied once, here.
import { decodeInsn, INSN_BYTES } from '../../bpf/codec.ts';
import type { Insn } from '../../bpf/opcodes.ts';
import { InputError } from '../../errors.ts';
import type { ClassicInsn, Expectation, TestProgram } from '../../bpf/program.ts';
import type { EncodedInsns, RawCorpus, RawTailCall, RawTest } from './stream.ts';

// test_bpf's `aux` bits (lib/test_bpf.c): flags, then the program type.
export const FLAG_NO_DATA = 1 << 0;
export const FLAG_EXPECTED_FAIL = 1 << 1;
export const FLAG_SKB_FRAG = 1 << 2;
export const FLAG_VERIFIER_ZEXT = 1 << 3;
export const FLAG_LARGE_MEM = 1 << 4;
export const CLASSIC = 1 << 6;
export const INTERNAL = 1 << 7;

// tail_call_tests[] flags.
export const TAIL_FLAG_NEED_STATE = 1 << 0;
export const TAIL_FLAG_RESULT_IN_STATE = 1 << 1;

/** test_bpf's MAX_TESTRUNS: the default number of back-to-back runs. */
export const MAX_TESTRUNS = 1000;

/**
 * The value the tail-call programs load into R2 with LD_IMM64 where the kernel patches in
 * the address of its prog array (test_bpf's TAIL_CALL_MARKER, high word 0). The corpus
 * keeps it so that every later stage binds the array's address in one place
 * (bindTailCalls), as it binds helper addresses.
 */
export const TAIL_CALL_MARKER = 0x7a11ca11;

export const CLASSIC_SKIP = 'classic BPF: converted by the kernel before any JIT sees it';

/** Size of the `int state` a FLAG_NEED_STATE tail-call test passes in R1. */
const STATE_BYTES = 4;

/**
 * Programs keep their instructions encoded until asked: the generated ones add up to
 * ~14.5M instructions per byte order, far too many to hold as objects. Small programs
 * keep their decoded array; large ones share a small most-recently-used cache.
 */
const KEEP_DECODED_MAX = 4096;
const RECENT_LARGE = 8;
const recentLarge = new Map<object, Insn[]>();

function decodeAll(enc: EncodedInsns): Insn[] {
  const out = new Array<Insn>(enc.count);
  for (let i = 0; i < enc.count; i++) out[i] = decodeInsn(enc.bytes, i, 'le');
  return out;
}

function decodeClassic(enc: EncodedInsns): ClassicInsn[] {
  const v = new DataView(enc.bytes.buffer, enc.bytes.byteOffset, enc.bytes.byteLength);
  const out: ClassicInsn[] = [];
  for (let i = 0; i < enc.count; i++) {
    const at = i * INSN_BYTES;
    out.push({ code: v.getUint16(at, true), jt: v.getUint8(at + 2), jf: v.getUint8(at + 3), k: v.getUint32(at + 4, true) });
  }
  return out;
}

const encodedOf = new WeakMap<object, EncodedInsns>();

/**
 * The program's instructions in their 8-byte form (RFC 9669 little-endian encoding, dst in
 * the low nibble), without decoding; undefined for programs not loaded from the corpus or
 * whose instructions were replaced. A view into the loaded cache: read it, never write it.
 */
export function encodedInsns(prog: TestProgram): Uint8Array | undefined {
  const enc = encodedOf.get(prog);
  return enc?.kind === 'ebpf' ? enc.bytes : undefined;
}

/** Gives `prog` an `insns` property that decodes `enc` on first use (see above). */
function attachInsns(prog: Omit<TestProgram, 'insns'>, enc: EncodedInsns): TestProgram {
  let own: Insn[] | undefined;
  encodedOf.set(prog, enc);
  Object.defineProperty(prog, 'insns', {
    enumerable: true,
    configurable: true,
    get(): Insn[] {
      if (own) return own;
      if (enc.count <= KEEP_DECODED_MAX) return (own = decodeAll(enc));
      let got = recentLarge.get(prog);
      if (got) {
        recentLarge.delete(prog);
      } else {
        got = decodeAll(enc);
        if (recentLarge.size >= RECENT_LARGE) recentLarge.delete(recentLarge.keys().next().value!);
      }
      recentLarge.set(prog, got);
      return got;
    },
    set(value: Insn[]) {
      own = value;
      encodedOf.delete(prog);
    },
  });
  return prog as TestProgram;
}

/**
 * The sub-tests the kernel's run_one() runs: the first always, then each until one whose
 * data_size and result are both zero.
 */
export function expectations(subtests: readonly Expectation[]): Expectation[] {
  const out: Expectation[] = [];
  for (let i = 0; i < subtests.length; i++) {
    const s = subtests[i]!;
    if (i > 0 && s.dataSize === 0 && s.result === 0) break;
    out.push({ dataSize: s.dataSize, result: s.result >>> 0 });
  }
  return out;
}

export function testBpfProgram(t: RawTest): TestProgram {
  const classic = (t.aux & CLASSIC) !== 0;
  const base: Omit<TestProgram, 'insns'> = {
    id: `test_bpf:${t.index}:${t.name}`,
    corpus: 'test_bpf',
    index: t.index,
    name: t.name,
    flags: t.aux,
    verifierZext: (t.aux & FLAG_VERIFIER_ZEXT) !== 0,
    stackDepth: t.stackDepth,
    // copies: the raw record's bytes are views into the shared stream buffer
    data: t.aux & FLAG_NO_DATA ? new Uint8Array(0) : Uint8Array.from(t.data),
    expect: expectations(t.subtests),
    runs: t.nrTestruns ? Math.min(t.nrTestruns, MAX_TESTRUNS) : MAX_TESTRUNS,
    generated: t.generated,
  };
  if (t.aux & FLAG_SKB_FRAG) base.fragData = Uint8Array.from(t.fragData);
  if (t.aux & FLAG_EXPECTED_FAIL) base.expectedErrcode = t.expectedErrcode;
  if (classic) {
    return { ...base, insns: [], classicInsns: decodeClassic(t.insns), skip: CLASSIC_SKIP };
  }
  return attachInsns(base, t.insns);
}

/** Helper ids called by an eBPF program (`call imm`, src_reg 0). */
function helperIds(enc: EncodedInsns): number[] {
  const v = new DataView(enc.bytes.buffer, enc.bytes.byteOffset, enc.bytes.byteLength);
  const ids = new Set<number>();
  for (let i = 0; i < enc.count; i++) {
    const at = i * INSN_BYTES;
    if (enc.bytes[at] === 0x85 && enc.bytes[at + 1]! >> 4 === 0) ids.add(v.getInt32(at + 4, true));
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * The tail-call corpus as prepare_tail_call_tests() + test_tail_calls() use it: R1 is NULL,
 * or, with FLAG_NEED_STATE, a pointer to an `int state` of zero that persists across the
 * MAX_TESTRUNS runs (flags then say FLAG_NO_DATA or not, as for test_bpf); with
 * FLAG_RESULT_IN_STATE the result is that int after the runs. Every program shares one
 * `tailCallTargets` array (max_entries = tests + 1, last slot NULL).
 */
export function tailCallPrograms(raw: RawCorpus, what: string): TestProgram[] {
  const names = new Map([...raw.tailCallHelpers].map(([name, id]) => [id, name]));
  const targets: (TestProgram | null)[] = new Array(raw.tailCallMaxEntries).fill(null);
  const progs = raw.tailCalls.map((t: RawTailCall) => {
    const needState = (t.flags & TAIL_FLAG_NEED_STATE) !== 0;
    const helpers = helperIds(t.insns).map((id) => {
      const name = names.get(id);
      // prepare_tail_call_tests() fails the whole suite (-EFAULT) on any other helper.
      if (name === undefined) throw new InputError(`${what}: tail call test ${t.index} calls unknown helper ${id}`);
      return { name, id };
    });
    const prog = attachInsns(
      {
        id: `tail_calls:${t.index}:${t.name}`,
        corpus: 'tail_calls',
        index: t.index,
        name: t.name,
        flags: INTERNAL | (needState ? 0 : FLAG_NO_DATA),
        verifierZext: false,
        stackDepth: t.stackDepth,
        data: new Uint8Array(needState ? STATE_BYTES : 0),
        expect: [{ dataSize: needState ? STATE_BYTES : 0, result: t.result >>> 0 }],
        runs: MAX_TESTRUNS,
        resultInState: (t.flags & TAIL_FLAG_RESULT_IN_STATE) !== 0,
        tailCallReachable: t.hasTailCall,
        tailCallTargets: targets,
        ...(helpers.length ? { helpers } : {}),
      },
      t.insns,
    );
    if (t.index < targets.length) targets[t.index] = prog;
    return prog;
  });
  return progs;
}

/**
 * The tail-call corpus with the prog array bound to `address`: each TAIL_CALL_MARKER
 * LD_IMM64 loads `address` (high word 0: a 32-bit target), in fresh programs that share
 * a fresh targets array. The input is left unchanged.
 */
export function bindTailCalls(progs: readonly TestProgram[], address: number): TestProgram[] {
  const old = progs[0]?.tailCallTargets ?? [];
  const targets: (TestProgram | null)[] = new Array(old.length).fill(null);
  const bound = progs.map((p) => {
    const insns = p.insns.map((i) => ({ ...i }));
    for (let i = 0; i + 1 < insns.length; i++) {
      const a = insns[i]!;
      if (a.code === 0x18 && a.src === 0 && a.imm === TAIL_CALL_MARKER && insns[i + 1]!.imm === 0) {
        a.imm = address | 0;
        i++;
      }
    }
    const q: TestProgram = { ...p, insns, tailCallTargets: targets };
    return q;
  });
  old.forEach((t, i) => {
    if (t) targets[i] = bound[progs.indexOf(t)] ?? null;
  });
  return bound;
}

/**
 * What R1 points to in sub-test `e` of a test_bpf program, as bytes for the interpreter:
 * null for FLAG_NO_DATA (R1 = NULL); for FLAG_LARGE_MEM a buffer of data_size bytes (the
 * kernel's kmalloc, contents undefined: zero here); otherwise the test's data bytes. The
 * kernel passes an skb there, whose fields no eBPF test of 6.12 reads: see the report.
 * A fresh copy each call, since programs may store into it.
 */
export function contextBytes(prog: TestProgram, e: Expectation): Uint8Array | null {
  if (prog.flags & FLAG_NO_DATA) return null;
  if (prog.context) return prog.context(e);
  if (prog.flags & FLAG_LARGE_MEM) return new Uint8Array(e.dataSize);
  return Uint8Array.from(prog.data);
}
