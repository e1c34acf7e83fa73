// BPF instruction encoding constants (RFC 9669, include/uapi/linux/bpf.h names).

/** One decoded BPF instruction, as `struct bpf_insn` holds it (off/imm signed). */
export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

// classes
export const LD = 0x00;
export const LDX = 0x01;
export const ST = 0x02;
export const STX = 0x03;
export const ALU = 0x04;
export const JMP = 0x05;
export const JMP32 = 0x06;
export const ALU64 = 0x07;

// size (ld/st)
export const W = 0x00;
export const H = 0x08;
export const B = 0x10;
export const DW = 0x18;

// mode (ld/st)
export const IMM = 0x00;
export const ABS = 0x20;
export const IND = 0x40;
export const MEM = 0x60;
export const MEMSX = 0x80;
export const ATOMIC = 0xc0;

// source
export const K = 0x00;
export const X = 0x08;
/** For BPF_END in class ALU: to little (K) or big (X) endian. */
export const TO_LE = 0x00;
export const TO_BE = 0x08;

// alu ops
export const ADD = 0x00;
export const SUB = 0x10;
export const MUL = 0x20;
export const DIV = 0x30;
export const OR = 0x40;
export const AND = 0x50;
export const LSH = 0x60;
export const RSH = 0x70;
export const NEG = 0x80;
export const MOD = 0x90;
export const XOR = 0xa0;
export const MOV = 0xb0;
export const ARSH = 0xc0;
export const END = 0xd0;

// jmp ops
export const JA = 0x00;
export const JEQ = 0x10;
export const JGT = 0x20;
export const JGE = 0x30;
export const JSET = 0x40;
export const JNE = 0x50;
export const JSGT = 0x60;
export const JSGE = 0x70;
export const CALL = 0x80;
export const EXIT = 0x90;
/** Kernel-internal: `BPF_JMP | BPF_TAIL_CALL` is what the verifier turns `call 12` into. */
export const TAIL_CALL = 0xf0;
export const JLT = 0xa0;
export const JLE = 0xb0;
export const JSLT = 0xc0;
export const JSLE = 0xd0;

// atomic ops (in imm)
export const FETCH = 0x01;
export const XCHG = 0xe0 | FETCH;
export const CMPXCHG = 0xf0 | FETCH;

// pseudo src_reg values
export const PSEUDO_MAP_FD = 1;
export const PSEUDO_MAP_VALUE = 2;
export const PSEUDO_BTF_ID = 3;
export const PSEUDO_FUNC = 4;
export const PSEUDO_MAP_IDX = 5;
export const PSEUDO_MAP_IDX_VALUE = 6;
export const PSEUDO_CALL = 1;
export const PSEUDO_KFUNC_CALL = 2;

/** Helper number of bpf_tail_call. */
export const FUNC_TAIL_CALL = 12;

/** The kernel's limit on chained tail calls (MAX_TAIL_CALL_CNT, 33 in 6.12). */
export const MAX_TAIL_CALL_CNT = 33;

/** BPF_REG_10, the read-only frame pointer; BPF_REG_AX the blinding register. */
export const REG_FP = 10;
export const REG_AX = 11;

export const MAX_BPF_STACK = 512;

export const cls = (code: number): number => code & 0x07;
export const op = (code: number): number => code & 0xf0;
export const src = (code: number): number => code & 0x08;
export const size = (code: number): number => code & 0x18;
export const mode = (code: number): number => code & 0xe0;

/** Bytes of a BPF_SIZE field. */
export function sizeBytes(code: number): 1 | 2 | 4 | 8 {
  switch (size(code)) {
    case B:
      return 1;
    case H:
      return 2;
    case W:
      return 4;
    default:
      return 8;
  }
}

export const isLdImm64 = (i: Insn): boolean => i.code === (LD | IMM | DW);
