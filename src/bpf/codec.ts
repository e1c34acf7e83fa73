// Decode and encode `struct bpf_insn` (RFC 9669 section 3): 8 bytes, in the byte order of
// the object. The register byte is a C bitfield pair, so its nibble order follows the
// byte order too: little endian keeps dst in the low nibble, big endian in the high one.
import type { Endian } from '../config.ts';
import { InsnError } from '../errors.ts';
import type { Insn } from './opcodes.ts';

export const INSN_BYTES = 8;

/** Decodes instruction `index` of `bytes` (which must hold 8 bytes there). */
export function decodeInsn(bytes: Uint8Array, index: number, endian: Endian): Insn {
  // plain byte arithmetic: the corpus decodes millions of these, a DataView each is slow
  const at = index * INSN_BYTES;
  const regs = bytes[at + 1]!;
  const b2 = bytes[at + 2]!;
  const b3 = bytes[at + 3]!;
  const b4 = bytes[at + 4]!;
  const b5 = bytes[at + 5]!;
  const b6 = bytes[at + 6]!;
  const b7 = bytes[at + 7]!;
  if (endian === 'le') {
    return {
      code: bytes[at]!,
      dst: regs & 0x0f,
      src: regs >> 4,
      off: ((b3 << 24) | (b2 << 16)) >> 16,
      imm: (b7 << 24) | (b6 << 16) | (b5 << 8) | b4,
    };
  }
  return {
    code: bytes[at]!,
    dst: regs >> 4,
    src: regs & 0x0f,
    off: ((b2 << 24) | (b3 << 16)) >> 16,
    imm: (b4 << 24) | (b5 << 16) | (b6 << 8) | b7,
  };
}

/**
 * Decodes a whole instruction stream; a length that is not a multiple of 8 is an error
 * naming the partial instruction and its byte offset.
 */
export function decodeInsns(bytes: Uint8Array, endian: Endian, file: string): Insn[] {
  const whole = Math.floor(bytes.length / INSN_BYTES);
  const rest = bytes.length % INSN_BYTES;
  if (rest !== 0) {
    const at = whole * INSN_BYTES;
    const partial = Array.from(bytes.subarray(at), (b) => hex2(b)).join(' ');
    throw new InsnError(
      file,
      whole,
      partial,
      `truncated instruction: ${rest} of ${INSN_BYTES} bytes at byte offset ${at}`,
    );
  }
  const insns: Insn[] = [];
  for (let i = 0; i < whole; i++) insns.push(decodeInsn(bytes, i, endian));
  return insns;
}

/** Encodes instructions into their 8-byte form in the given byte order. */
export function encodeInsns(insns: readonly Insn[], endian: Endian): Uint8Array {
  const out = new Uint8Array(insns.length * INSN_BYTES);
  const view = new DataView(out.buffer);
  const le = endian === 'le';
  insns.forEach((insn, i) => {
    const at = i * INSN_BYTES;
    view.setUint8(at, insn.code & 0xff);
    const dst = insn.dst & 0x0f;
    const src = insn.src & 0x0f;
    view.setUint8(at + 1, le ? (src << 4) | dst : (dst << 4) | src);
    view.setInt16(at + 2, (insn.off << 16) >> 16, le);
    view.setInt32(at + 4, insn.imm | 0, le);
  });
  return out;
}

const hex2 = (n: number): string => (n & 0xff).toString(16).padStart(2, '0');

/**
 * The one hex spelling of an instruction in every message: `code regs off imm`, e.g.
 * `b7 01 0000 00000001` for `r1 = 1`. The fields are shown as values, independent of
 * the file's byte order; `regs` is src in the high nibble and dst in the low one (the
 * bpfel byte, as llvm-objdump and bpftool show it).
 */
export function insnHex(insn: Insn): string {
  const regs = ((insn.src & 0x0f) << 4) | (insn.dst & 0x0f);
  const off = (insn.off & 0xffff).toString(16).padStart(4, '0');
  const imm = (insn.imm >>> 0).toString(16).padStart(8, '0');
  return `${hex2(insn.code)} ${hex2(regs)} ${off} ${imm}`;
}

/** An InsnError about instruction `index` of `insns`. */
export function insnError(file: string, insns: readonly Insn[], index: number, what: string): InsnError {
  const insn = insns[index];
  return new InsnError(file, index, insn ? insnHex(insn) : 'end of program', what);
}
