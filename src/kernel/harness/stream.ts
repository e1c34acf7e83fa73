// The driver's binary stream (layout documented in shim/driver.c), both directions.
import { encodeInsns, INSN_BYTES } from '../../bpf/codec.ts';
import type { Program, TestProgram } from '../../bpf/program.ts';
import { encodedInsns } from '../../verify/corpus/model.ts';
import type { Binding } from '../../jit/binding.ts';

export const STREAM_MAGIC = 0x3248474a; // "JGH2"

const FLAG_VERIFIER_ZEXT = 1 << 0;
const FLAG_TAIL_CALL_REACHABLE = 1 << 1;

export function streamHeader(callBase: number, count: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(STREAM_MAGIC, 0);
  b.writeUInt32LE(callBase >>> 0, 4);
  b.writeUInt32LE(count, 8);
  return b;
}

/** Arguments a kfunc model carries in the stream (BPF passes at most five). */
const KFUNC_ARGS = 5;
/** btf_func_model.arg_flags: the argument is a signed integer. */
const BTF_FMODEL_SIGNED_ARG = 1 << 1;

/**
 * One program's record: its header, then its instructions in the RFC 9669 little-endian
 * form, which is the host's `struct bpf_insn` (x86 allocates the dst:4/src:4 bitfields
 * from the low bit), whatever the target's byte order: the JIT reads the fields. Then
 * the `btf_func_model` of each kfunc the program declares and the binding places, under
 * the imm its calls carry once bound (`func - __bpf_call_base`).
 */
export function programRecord(prog: Program, imageBase: number, binding: Binding): Buffer[] {
  const insns = encodedInsns(prog as TestProgram) ?? encodeInsns(prog.insns, 'le');
  const kfuncs = (prog.kfuncs ?? []).filter((k) => binding.symbols.has(k.name) && k.argSizes.length <= KFUNC_ARGS);
  const head = Buffer.alloc(20);
  const flags = (prog.verifierZext ? FLAG_VERIFIER_ZEXT : 0) | ((prog as TestProgram).tailCallReachable ? FLAG_TAIL_CALL_REACHABLE : 0);
  head.writeUInt32LE(insns.length / INSN_BYTES, 0);
  head.writeUInt32LE(prog.stackDepth >>> 0, 4);
  head.writeUInt32LE(flags, 8);
  head.writeUInt32LE(imageBase >>> 0, 12);
  head.writeUInt32LE(kfuncs.length, 16);
  const models = kfuncs.map((k) => {
    const m = Buffer.alloc(16);
    m.writeInt32LE((binding.symbols.get(k.name)! - binding.callBase) | 0, 0);
    m.writeUInt8(k.retSize, 4);
    m.writeUInt8(k.argSizes.length, 5);
    k.argSizes.forEach((size, i) => {
      m.writeUInt8(size & 0xff, 6 + i);
      m.writeUInt8(k.argSigned?.[i] ? BTF_FMODEL_SIGNED_ARG : 0, 6 + KFUNC_ARGS + i);
    });
    return m;
  });
  return [head, Buffer.from(insns.buffer, insns.byteOffset, insns.byteLength), ...models];
}

/** What the driver reports for one program. */
export interface DriverRecord {
  jited: boolean;
  /** Words of the image (0 when not JITed). */
  size: number;
  /** What the JIT printed (pr_err, pr_info, WARN) while compiling this program. */
  message: string;
  /** The image's words as values, present when asked for. */
  words?: Uint32Array;
}

/** Parses the driver's output as it arrives, without holding more than one record. */
export class RecordReader {
  private chunks: Buffer[] = [];
  private available = 0;
  private count: number | undefined;
  private pendingHead: { jited: boolean; size: number; msgLen: number } | undefined;
  done = 0;

  constructor(
    private readonly keepWords: boolean,
    private readonly onRecord: (r: DriverRecord, index: number) => void,
  ) {}

  get expected(): number | undefined {
    return this.count;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.available += chunk.length;
    for (;;) {
      if (this.count === undefined) {
        if (this.available < 8) return;
        const h = this.read(8);
        if (h.readUInt32LE(0) !== STREAM_MAGIC) throw new Error('harness driver: bad output stream');
        this.count = h.readUInt32LE(4);
        continue;
      }
      if (this.done >= this.count) return;
      if (!this.pendingHead) {
        if (this.available < 12) return;
        const h = this.read(12);
        this.pendingHead = { jited: h.readUInt32LE(0) === 1, size: h.readUInt32LE(4), msgLen: h.readUInt32LE(8) };
      }
      const { jited, size, msgLen } = this.pendingHead;
      const padded = (msgLen + 3) & ~3;
      if (this.available < padded + 4 * size) return;
      const message = this.read(padded).subarray(0, msgLen).toString('utf8');
      let words: Uint32Array | undefined;
      if (this.keepWords && jited) {
        words = new Uint32Array(size);
        // the host (x86) is little endian: the driver wrote the words as native u32
        Buffer.from(words.buffer).set(this.read(4 * size));
      } else {
        this.skip(4 * size);
      }
      this.pendingHead = undefined;
      this.onRecord({ jited, size, message, ...(words ? { words } : {}) }, this.done++);
    }
  }

  private read(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      this.consume(n);
      return out;
    }
    out = Buffer.alloc(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      this.consume(k);
    }
    return out;
  }

  private skip(n: number): void {
    while (n > 0) {
      const k = Math.min(this.chunks[0]!.length, n);
      this.consume(k);
      n -= k;
    }
  }

  private consume(n: number): void {
    const c = this.chunks[0]!;
    if (n >= c.length) this.chunks.shift();
    else this.chunks[0] = c.subarray(n);
    this.available -= n;
  }
}
