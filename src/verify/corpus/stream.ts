// Reader of the binary stream the corpus driver (shim/driver.c) writes: the layout is
// documented there. The stream is also the cache format (gzipped), so this reader is
// what loadCorpus runs; instructions stay as views into the buffer until asked for.
import { InputError } from '../../errors.ts';

export const STREAM_MAGIC = 'JGTB';
export const STREAM_VERSION = 1;
/** Sub-test slots per test (test_bpf's MAX_SUBTESTS). */
export const MAX_SUBTESTS = 3;

/** Instructions as the driver wrote them: `count` 8-byte entries (layout per `kind`). */
export interface EncodedInsns {
  kind: 'ebpf' | 'classic';
  count: number;
  /** count * 8 bytes; eBPF: code, src<<4|dst, s16 off LE, s32 imm LE; classic: u16 code LE, jt, jf, u32 k LE. */
  bytes: Uint8Array;
}

/** One entry of test_bpf's `tests[]`, raw. */
export interface RawTest {
  index: number;
  name: string;
  aux: number;
  fillStatus: number;
  stackDepth: number;
  expectedErrcode: number;
  nrTestruns: number;
  data: Uint8Array;
  fragData: Uint8Array;
  /** All MAX_SUBTESTS slots, unused ones included. */
  subtests: { dataSize: number; result: number }[];
  generated: boolean;
  insns: EncodedInsns;
}

/** One entry of `tail_call_tests[]` after the driver's relocation (see driver.c). */
export interface RawTailCall {
  index: number;
  name: string;
  flags: number;
  result: number;
  stackDepth: number;
  hasTailCall: boolean;
  insns: EncodedInsns;
}

export interface RawCorpus {
  maxTailCallCnt: number;
  maxData: number;
  tests: RawTest[];
  /** `progs->map.max_entries` of the kernel's tail-call array. */
  tailCallMaxEntries: number;
  /** Helpers prepare_tail_call_tests() resolves, by name -> id. */
  tailCallHelpers: Map<string, number>;
  tailCalls: RawTailCall[];
}

class Reader {
  private pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new InputError(`${this.what}: truncated at byte ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    return this.u32() | 0;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  str(): string {
    return new TextDecoder().decode(this.bytes(this.u16()));
  }
  insns(): EncodedInsns {
    const kind = this.u8();
    if (kind > 1) throw new InputError(`${this.what}: bad instruction kind ${kind} at byte ${this.pos - 1}`);
    const count = this.u32();
    return { kind: kind === 0 ? 'ebpf' : 'classic', count, bytes: this.bytes(count * 8) };
  }
}

/** Parses a whole stream; `what` names it in errors (a cache file or the driver). */
export function readStream(buf: Uint8Array, what: string): RawCorpus {
  const r = new Reader(buf, what);
  const magic = new TextDecoder().decode(r.bytes(4));
  if (magic !== STREAM_MAGIC) throw new InputError(`${what}: not a corpus stream`);
  const version = r.u32();
  if (version !== STREAM_VERSION) throw new InputError(`${what}: stream version ${version}, expected ${STREAM_VERSION}`);
  const out: RawCorpus = {
    maxTailCallCnt: r.u32(),
    maxData: r.u32(),
    tests: [],
    tailCallMaxEntries: 0,
    tailCallHelpers: new Map(),
    tailCalls: [],
  };
  for (;;) {
    const tag = String.fromCharCode(r.u8());
    if (tag === 'E') return out;
    if (tag === 'T') {
      const t: RawTest = {
        index: r.u32(),
        name: r.str(),
        aux: r.u32(),
        fillStatus: r.i32(),
        stackDepth: r.u32(),
        expectedErrcode: r.i32(),
        nrTestruns: r.u32(),
        data: r.bytes(out.maxData),
        fragData: r.bytes(out.maxData),
        subtests: [],
        generated: false,
        insns: { kind: 'ebpf', count: 0, bytes: new Uint8Array(0) },
      };
      for (let i = 0; i < MAX_SUBTESTS; i++) t.subtests.push({ dataSize: r.i32(), result: r.u32() });
      t.generated = r.u8() !== 0;
      t.insns = r.insns();
      out.tests.push(t);
    } else if (tag === 'A') {
      r.u32(); // ntests: implied by the records that follow
      out.tailCallMaxEntries = r.u32();
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const name = r.str();
        out.tailCallHelpers.set(name, r.u32());
      }
    } else if (tag === 'C') {
      out.tailCalls.push({
        index: r.u32(),
        name: r.str(),
        flags: r.u32(),
        result: r.i32(),
        stackDepth: r.u32(),
        hasTailCall: r.u8() !== 0,
        insns: r.insns(),
      });
    } else {
      throw new InputError(`${what}: bad record tag 0x${tag.charCodeAt(0).toString(16)}`);
    }
  }
}
