// The minimum of BTF (include/uapi/linux/btf.h layout, read in the object's byte order)
// a loader needs: sizes of types, the members of the `.maps` variables (BTF-defined maps
// spell `__uint(key_size, 4)` as `int (*key_size)[4]` and `__type(key, T)` as `T *key`),
// and the prototypes of extern functions (kfunc argument sizes).
import type { Endian } from '../../config.ts';
import { cString } from './elf-file.ts';

const MAGIC = 0xeb9f;
const KIND = {
  INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10,
  RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19,
} as const;
const PTR_SIZE = 8;

interface BtfType {
  kind: number;
  name: string;
  /** `size` or `type`, depending on the kind. */
  sizeOrType: number;
  vlen: number;
  /** ARRAY: element type and count. */
  array?: { type: number; nelems: number };
  /** STRUCT/UNION members, FUNC_PROTO params, DATASEC entries (`offset`/`size` where they exist). */
  members: { name: string; type: number; offset: number; size: number }[];
  /** INT: BTF_INT_SIGNED. */
  signed?: boolean;
}

export interface BtfMapInfo {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
}

export class Btf {
  private constructor(private readonly types: (BtfType | null)[]) {}

  /** Parses a `.BTF` section; null when it is absent or not BTF we can read. */
  static parse(data: Uint8Array, endian: Endian): Btf | null {
    if (data.length < 24) return null;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let le = endian === 'le';
    if (view.getUint16(0, le) !== MAGIC) {
      le = !le;
      if (view.getUint16(0, le) !== MAGIC) return null;
    }
    const hdrLen = view.getUint32(4, le);
    const typeOff = hdrLen + view.getUint32(8, le);
    const typeLen = view.getUint32(12, le);
    const strOff = hdrLen + view.getUint32(16, le);
    const strLen = view.getUint32(20, le);
    if (typeOff + typeLen > data.length || strOff + strLen > data.length) return null;
    const strings = data.subarray(strOff, strOff + strLen);
    const types: (BtfType | null)[] = [null]; // type 0 is void
    let at = typeOff;
    const end = typeOff + typeLen;
    const u32 = (o: number): number => view.getUint32(o, le);
    while (at + 12 <= end) {
      const info = u32(at + 4);
      const t: BtfType = {
        kind: (info >>> 24) & 0x1f,
        name: cString(strings, u32(at)),
        sizeOrType: u32(at + 8),
        vlen: info & 0xffff,
        members: [],
      };
      at += 12;
      const extra = extraBytes(t.kind, t.vlen);
      if (extra < 0 || at + extra > end) return null;
      // BTF_INT_SIGNED is bit 0 of the encoding, in the top byte of the int's word
      if (t.kind === KIND.INT) t.signed = ((u32(at) >>> 24) & 1) === 1;
      if (t.kind === KIND.ARRAY) t.array = { type: u32(at), nelems: u32(at + 8) };
      if (t.kind === KIND.STRUCT || t.kind === KIND.UNION || t.kind === KIND.DATASEC) {
        for (let k = 0; k < t.vlen; k++) {
          const m = at + k * 12;
          t.members.push(
            t.kind === KIND.DATASEC
              ? { name: '', type: u32(m), offset: u32(m + 4), size: u32(m + 8) }
              : { name: cString(strings, u32(m)), type: u32(m + 4), offset: u32(m + 8), size: 0 },
          );
        }
      }
      if (t.kind === KIND.FUNC_PROTO) {
        for (let k = 0; k < t.vlen; k++) {
          t.members.push({ name: cString(strings, u32(at + k * 8)), type: u32(at + k * 8 + 4), offset: 0, size: 0 });
        }
      }
      types.push(t);
      at += extra;
    }
    return new Btf(types);
  }

  /** Size in bytes of type `id` (0 for void and for what has no size). */
  sizeOf(id: number, depth = 0): number {
    const t = this.types[id];
    if (!t || depth > 32) return 0;
    switch (t.kind) {
      case KIND.PTR:
        return PTR_SIZE;
      case KIND.ARRAY:
        return t.array ? t.array.nelems * this.sizeOf(t.array.type, depth + 1) : 0;
      case KIND.TYPEDEF:
      case KIND.VOLATILE:
      case KIND.CONST:
      case KIND.RESTRICT:
      case KIND.TYPE_TAG:
      case KIND.VAR:
        return this.sizeOf(t.sizeOrType, depth + 1);
      case KIND.FWD:
      case KIND.FUNC:
      case KIND.FUNC_PROTO:
        return 0;
      default:
        return t.sizeOrType;
    }
  }

  private skipModifiers(id: number): number {
    for (let depth = 0; depth < 32; depth++) {
      const t = this.types[id];
      if (!t) return id;
      const mod = [KIND.TYPEDEF, KIND.VOLATILE, KIND.CONST, KIND.RESTRICT, KIND.TYPE_TAG] as number[];
      if (!mod.includes(t.kind)) return id;
      id = t.sizeOrType;
    }
    return id;
  }

  /**
   * The map definition of the `.maps` variable `name`, or null. Looked up by name: in an
   * object file the DATASEC offsets are still zero (the compiler leaves them to
   * relocations that libbpf applies).
   */
  mapNamed(name: string): BtfMapInfo | null {
    const sec = this.types.find((t) => t?.kind === KIND.DATASEC && t.name === '.maps');
    const entry = sec?.members.find((m) => this.types[m.type]?.name === name);
    const v = entry ? this.types[entry.type] : undefined;
    if (!v || v.kind !== KIND.VAR) return null;
    const def = this.types[this.skipModifiers(v.sizeOrType)];
    if (!def || def.kind !== KIND.STRUCT) return null;
    const out: BtfMapInfo = { type: 0, keySize: 0, valueSize: 0, maxEntries: 0 };
    for (const m of def.members) {
      const ptr = this.types[this.skipModifiers(m.type)];
      if (!ptr || ptr.kind !== KIND.PTR) continue;
      const target = this.skipModifiers(ptr.sizeOrType);
      const arr = this.types[target];
      // __uint(name, N): pointer to an array of N elements
      const count = arr?.kind === KIND.ARRAY && arr.array ? arr.array.nelems : undefined;
      switch (m.name) {
        case 'type':
          out.type = count ?? 0;
          break;
        case 'max_entries':
          out.maxEntries = count ?? 0;
          break;
        case 'key_size':
          out.keySize = count ?? out.keySize;
          break;
        case 'value_size':
          out.valueSize = count ?? out.valueSize;
          break;
        case 'key':
          out.keySize = this.sizeOf(target);
          break;
        case 'value':
          out.valueSize = this.sizeOf(target);
          break;
      }
    }
    return out;
  }

  /**
   * The prototype of the extern function `name` as a 32-bit kernel's BTF gives it to the
   * JIT (`btf_func_model`): argument and return sizes with pointers and `long` 4 bytes
   * wide (the object's BTF is the 64-bit BPF target's), and which arguments are signed.
   */
  funcProto(name: string): { argSizes: number[]; argSigned: boolean[]; retSize: number } | null {
    const fn = this.types.find((t) => t?.kind === KIND.FUNC && t.name === name);
    const proto = fn ? this.types[fn.sizeOrType] : undefined;
    if (!proto || proto.kind !== KIND.FUNC_PROTO) return null;
    return {
      argSizes: proto.members.map((p) => this.sizeOnIlp32(p.type)),
      argSigned: proto.members.map((p) => this.types[this.skipModifiers(p.type)]?.signed === true),
      retSize: this.sizeOnIlp32(proto.sizeOrType),
    };
  }

  /** Size of a scalar type on a 32-bit (ILP32) kernel. */
  private sizeOnIlp32(id: number): number {
    const t = this.types[this.skipModifiers(id)];
    if (t?.kind === KIND.PTR) return 4;
    if (t?.kind === KIND.INT && /\blong\b/.test(t.name) && !/long long/.test(t.name)) return 4;
    return this.sizeOf(id);
  }
}

/** Bytes that follow the 12-byte common header of a type of this kind; -1 if unknown. */
function extraBytes(kind: number, vlen: number): number {
  switch (kind) {
    case KIND.INT:
    case KIND.VAR:
    case KIND.DECL_TAG:
      return 4;
    case KIND.ARRAY:
      return 12;
    case KIND.STRUCT:
    case KIND.UNION:
    case KIND.DATASEC:
    case KIND.ENUM64:
      return vlen * 12;
    case KIND.ENUM:
    case KIND.FUNC_PROTO:
      return vlen * 8;
    case KIND.PTR:
    case KIND.FWD:
    case KIND.TYPEDEF:
    case KIND.VOLATILE:
    case KIND.CONST:
    case KIND.RESTRICT:
    case KIND.FUNC:
    case KIND.FLOAT:
    case KIND.TYPE_TAG:
      return 0;
    default:
      return -1;
  }
}
