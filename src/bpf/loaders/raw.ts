// Raw bytecode: 8-byte `struct bpf_insn` one after another, little endian unless told.
import type { Endian } from '../../config.ts';
import { decodeInsns } from '../codec.ts';
import type { Insn } from '../opcodes.ts';

export function loadRaw(bytes: Uint8Array, file: string, endian: Endian = 'le'): Insn[] {
  return decodeInsns(bytes, endian, file);
}
