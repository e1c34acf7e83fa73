// Models of BPF maps, held entirely in simulated memory: a map is a header plus its
// storage at an address in the 32-bit space, and the helpers (bpf_map_lookup_elem, ...)
// are functions of that memory. Because no state lives in JS, one helper table serves
// the reference interpreter and the MIPS simulator alike, and a fresh copy of the bytes
// is a fresh set of maps. Semantics follow the kernel's map implementations
// (kernel/bpf/arraymap.c, hashtab.c, net/xdp/xskmap.c, kernel/bpf/devmap.c) as their
// helpers document them; one simulated CPU, so per-CPU maps hold one value per element.
import { ConcreteMemory } from '../bv/memory.ts';
import type { ByteOrder } from '../bv/types.ts';
import { InputError } from '../errors.ts';
import type { MapDef } from './program.ts';

// include/uapi/linux/bpf.h, enum bpf_map_type
export const MAP_HASH = 1;
export const MAP_ARRAY = 2;
export const MAP_PROG_ARRAY = 3;
export const MAP_PERF_EVENT_ARRAY = 4;
export const MAP_PERCPU_HASH = 5;
export const MAP_PERCPU_ARRAY = 6;
export const MAP_LRU_HASH = 9;
export const MAP_LRU_PERCPU_HASH = 10;
export const MAP_DEVMAP = 14;
export const MAP_CPUMAP = 16;
export const MAP_XSKMAP = 17;
export const MAP_DEVMAP_HASH = 25;

// update flags
export const BPF_ANY = 0n;
export const BPF_NOEXIST = 1n;
export const BPF_EXIST = 2n;

// errno values (include/uapi/asm-generic/errno-base.h; MIPS uses the same for these)
export const ENOENT = 2;
export const E2BIG = 7;
export const EFAULT = 14;
export const EEXIST = 17;
export const EINVAL = 22;
/** -errno as the u64 a helper returns in R0. */
export const neg = (errno: number): bigint => BigInt.asUintN(64, BigInt(-errno));

/**
 * Hash maps get this many slots at most (the objects declare up to 10000 entries; the
 * corpora put a handful in). An insertion beyond it fails with -E2BIG as a full map does.
 */
export const HASH_CAPACITY = 64;
/** Array-like maps are laid out in full; refuse ones bigger than this. */
export const MAX_MAP_BYTES = 4 << 20;

/** What kind of storage a map type has. */
export type MapKind = 'array' | 'hash' | 'objects';

export function mapKind(type: number): MapKind | undefined {
  switch (type) {
    case MAP_ARRAY:
    case MAP_PERCPU_ARRAY:
      return 'array';
    case MAP_HASH:
    case MAP_PERCPU_HASH:
    case MAP_LRU_HASH:
    case MAP_LRU_PERCPU_HASH:
    case MAP_DEVMAP_HASH:
      return 'hash';
    // arrays of kernel objects (perf events, sockets, devices, programs, CPUs): an
    // element is either present or not, so each slot carries a presence word
    case MAP_PROG_ARRAY:
    case MAP_PERF_EVENT_ARRAY:
    case MAP_DEVMAP:
    case MAP_CPUMAP:
    case MAP_XSKMAP:
      return 'objects';
    default:
      return undefined;
  }
}

// Header, in the target's byte order: what the helpers need to find an element.
const H_TYPE = 0;
const H_KEY = 4;
const H_VALUE = 8;
const H_MAX = 12;
const H_SLOTS = 16;
const H_SLOT_SIZE = 20;
/** Records written to a perf event array (bpf_perf_event_output), for tests to read. */
export const H_OUTPUTS = 24;
export const HEADER_BYTES = 32;
/** A slot of a hash or object map starts with a u32 presence word (1: element present). */
const PRESENCE_BYTES = 8;

const up8 = (n: number): number => (n + 7) & ~7;

/** Where one map lives and how its slots are shaped. */
export interface MapLayout {
  def: MapDef;
  kind: MapKind;
  /** Address of the header (what LD_IMM64 of the map gives: `struct bpf_map *`). */
  addr: number;
  slots: number;
  slotSize: number;
  /** Bytes of header plus storage. */
  bytes: number;
}

function slotShape(def: MapDef, kind: MapKind): { slots: number; slotSize: number } {
  if (kind === 'array') return { slots: def.maxEntries, slotSize: up8(def.valueSize) };
  if (kind === 'objects') return { slots: def.maxEntries, slotSize: PRESENCE_BYTES + up8(def.valueSize) };
  return { slots: Math.min(def.maxEntries, HASH_CAPACITY), slotSize: PRESENCE_BYTES + up8(def.keySize) + up8(def.valueSize) };
}

/** Lays out `defs` one after the other from `base` (8-byte aligned); throws for unmodelled types. */
export function layoutMaps(defs: readonly MapDef[], base: number): { maps: MapLayout[]; bytes: number } {
  const start = up8(base);
  let at = start;
  const maps = defs.map((def) => {
    const kind = mapKind(def.type);
    if (!kind) throw new InputError(`map '${def.name}': map type ${def.type} is not modelled`);
    const { slots, slotSize } = slotShape(def, kind);
    const bytes = HEADER_BYTES + slots * slotSize;
    if (bytes > MAX_MAP_BYTES) throw new InputError(`map '${def.name}': ${bytes} bytes of storage is more than the model lays out`);
    const m: MapLayout = { def, kind, addr: at, slots, slotSize, bytes };
    at = up8(at + bytes);
    return m;
  });
  return { maps, bytes: at - base };
}

/** Writes the headers of `maps` into `mem` (storage is left as it is: zero in a fresh buffer). */
export function writeHeaders(mem: ConcreteMemory, order: ByteOrder, maps: readonly MapLayout[]): void {
  for (const m of maps) {
    const w = (off: number, v: number): void => mem.store(32, m.addr + off, 4, order, v >>> 0);
    w(H_TYPE, m.def.type);
    w(H_KEY, m.def.keySize);
    w(H_VALUE, m.def.valueSize);
    w(H_MAX, m.def.maxEntries);
    w(H_SLOTS, m.slots);
    w(H_SLOT_SIZE, m.slotSize);
  }
}

/** The address of element 0's value of an array map: what LD_IMM64 MAP_VALUE points into. */
export function arrayValueBase(m: MapLayout): number {
  return m.addr + HEADER_BYTES;
}

/** A map as the helpers see it, read from its header. */
interface MapView {
  addr: number;
  kind: MapKind;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  slots: number;
  slotSize: number;
}

function view(mem: ConcreteMemory, order: ByteOrder, addr: number): MapView {
  const r = (off: number): number => Number(mem.load(32, addr + off, 4, order));
  const type = r(H_TYPE);
  const kind = mapKind(type);
  if (!kind) throw new Error(`0x${addr.toString(16)} is not a modelled map (type ${type})`);
  return { addr, kind, type, keySize: r(H_KEY), valueSize: r(H_VALUE), maxEntries: r(H_MAX), slots: r(H_SLOTS), slotSize: r(H_SLOT_SIZE) };
}

const slotAddr = (m: MapView, i: number): number => m.addr + HEADER_BYTES + i * m.slotSize;
const present = (mem: ConcreteMemory, order: ByteOrder, slot: number): boolean => Number(mem.load(32, slot, 4, order)) !== 0;

function bytesAt(mem: ConcreteMemory, addr: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Number(mem.load(32, addr + i, 1, 'le')));
  return out;
}

function copy(mem: ConcreteMemory, to: number, from: number, n: number): void {
  const b = bytesAt(mem, from, n);
  b.forEach((v, i) => mem.store(32, to + i, 1, 'le', v));
}

/** An array index: the u32 the key points to. */
const indexAt = (mem: ConcreteMemory, order: ByteOrder, key: number): number => Number(mem.load(32, key, 4, order));

/** The hash slot holding the key at `key`, or -1. Keys compare byte for byte. */
function findHash(mem: ConcreteMemory, order: ByteOrder, m: MapView, key: number): number {
  const want = bytesAt(mem, key, m.keySize).join(',');
  for (let i = 0; i < m.slots; i++) {
    const s = slotAddr(m, i);
    if (present(mem, order, s) && bytesAt(mem, s + PRESENCE_BYTES, m.keySize).join(',') === want) return i;
  }
  return -1;
}

const hashValue = (m: MapView, i: number): number => slotAddr(m, i) + PRESENCE_BYTES + up8(m.keySize);

/** bpf_map_lookup_elem(map, key): the address of the value, or 0 (NULL). */
export function mapLookup(mem: ConcreteMemory, order: ByteOrder, map: number, key: number): number {
  const m = view(mem, order, map);
  if (m.kind === 'hash') {
    const i = findHash(mem, order, m, key);
    return i < 0 ? 0 : hashValue(m, i);
  }
  const idx = indexAt(mem, order, key);
  if (idx >= m.maxEntries) return 0;
  const s = slotAddr(m, idx);
  if (m.kind === 'array') return s;
  return present(mem, order, s) ? s + PRESENCE_BYTES : 0;
}

/**
 * bpf_map_update_elem(map, key, value, flags): 0, or -EINVAL for unknown flags, -E2BIG
 * for an index beyond an array or a full hash map, -EEXIST (BPF_NOEXIST on an existing
 * element; always for arrays, whose elements all exist), -ENOENT (BPF_EXIST on a missing one).
 */
export function mapUpdate(mem: ConcreteMemory, order: ByteOrder, map: number, key: number, value: number, flags: bigint): bigint {
  const m = view(mem, order, map);
  if (flags > BPF_EXIST) return neg(EINVAL);
  if (m.kind !== 'hash') {
    const idx = indexAt(mem, order, key);
    if (idx >= m.maxEntries) return neg(E2BIG);
    const s = slotAddr(m, idx);
    if (m.kind === 'array') {
      if (flags === BPF_NOEXIST) return neg(EEXIST);
      copy(mem, s, value, m.valueSize);
      return 0n;
    }
    const has = present(mem, order, s);
    if (flags === BPF_NOEXIST && has) return neg(EEXIST);
    if (flags === BPF_EXIST && !has) return neg(ENOENT);
    mem.store(32, s, 4, order, 1);
    copy(mem, s + PRESENCE_BYTES, value, m.valueSize);
    return 0n;
  }
  let i = findHash(mem, order, m, key);
  if (i >= 0 && flags === BPF_NOEXIST) return neg(EEXIST);
  if (i < 0 && flags === BPF_EXIST) return neg(ENOENT);
  if (i < 0) {
    for (let k = 0; k < m.slots && i < 0; k++) if (!present(mem, order, slotAddr(m, k))) i = k;
    if (i < 0) return neg(E2BIG);
    const s = slotAddr(m, i);
    mem.store(32, s, 4, order, 1);
    copy(mem, s + PRESENCE_BYTES, key, m.keySize);
  }
  copy(mem, hashValue(m, i), value, m.valueSize);
  return 0n;
}

/** bpf_map_delete_elem(map, key): 0, -ENOENT when absent, -EINVAL for arrays (their elements cannot be deleted). */
export function mapDelete(mem: ConcreteMemory, order: ByteOrder, map: number, key: number): bigint {
  const m = view(mem, order, map);
  if (m.kind === 'array') return neg(EINVAL);
  if (m.kind === 'objects') {
    const idx = indexAt(mem, order, key);
    if (idx >= m.maxEntries) return neg(EINVAL);
    const s = slotAddr(m, idx);
    if (!present(mem, order, s)) return neg(ENOENT);
    for (let k = 0; k < m.slotSize; k += 4) mem.store(32, s + k, 4, order, 0);
    return 0n;
  }
  const i = findHash(mem, order, m, key);
  if (i < 0) return neg(ENOENT);
  const s = slotAddr(m, i);
  for (let k = 0; k < m.slotSize; k += 4) mem.store(32, s + k, 4, order, 0);
  return 0n;
}

// XDP actions and redirect flags (include/uapi/linux/bpf.h)
export const XDP_ABORTED = 0;
export const XDP_DROP = 1;
export const XDP_PASS = 2;
export const XDP_TX = 3;
export const XDP_REDIRECT = 4;
const BPF_F_BROADCAST = 1n << 3n;
const BPF_F_EXCLUDE_INGRESS = 1n << 4n;
const ACTION_MASK = 3n; // XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX

/**
 * bpf_redirect_map(map, index, flags) for XDP (__bpf_xdp_redirect_map): flags outside the
 * low action bits (and, for device maps, BPF_F_BROADCAST/EXCLUDE_INGRESS) give
 * XDP_ABORTED; an element present at the u32 index gives XDP_REDIRECT; otherwise the
 * low bits of flags are the fallback action. Broadcast always redirects.
 */
export function redirectMap(mem: ConcreteMemory, order: ByteOrder, map: number, index: bigint, flags: bigint): bigint {
  const m = view(mem, order, map);
  const devmap = m.type === MAP_DEVMAP || m.type === MAP_DEVMAP_HASH;
  const allowed = ACTION_MASK | (devmap ? BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS : 0n);
  if (flags & ~allowed) return BigInt(XDP_ABORTED);
  let found: boolean;
  if (m.kind === 'hash') {
    // devmap_hash: the index is the u32 key
    found = false;
    const want = Number(index & 0xffffffffn);
    for (let i = 0; i < m.slots && !found; i++) {
      const s = slotAddr(m, i);
      found = present(mem, order, s) && Number(mem.load(32, s + PRESENCE_BYTES, 4, order)) === want;
    }
  } else {
    const idx = Number(index & 0xffffffffn);
    found = idx < m.maxEntries && (m.kind === 'array' || present(mem, order, slotAddr(m, idx)));
  }
  if (!found && !(flags & BPF_F_BROADCAST)) return flags & ACTION_MASK;
  return BigInt(XDP_REDIRECT);
}

const BPF_F_INDEX_MASK = 0xffffffffn;
const BPF_F_CURRENT_CPU = 0xffffffffn;
const BPF_F_CTXLEN_MASK = 0xfffffn << 32n;

/**
 * bpf_perf_event_output(ctx, map, flags, data, size) (bpf_event_output): -EINVAL for flags
 * outside index and ctx-length, -EFAULT when the requested packet bytes (flags >> 32)
 * exceed `packetLen`, -E2BIG for an index beyond the array, -ENOENT when no perf event is
 * open at it; otherwise the record (`size` bytes at `data`, read so a bad pointer faults)
 * is counted in the map's header and 0 returned. CPU 0 is the current CPU.
 */
export function perfEventOutput(mem: ConcreteMemory, order: ByteOrder, map: number, flags: bigint, data: number, size: number, packetLen: number): bigint {
  const m = view(mem, order, map);
  if (flags & ~(BPF_F_CTXLEN_MASK | BPF_F_INDEX_MASK)) return neg(EINVAL);
  if (Number((flags & BPF_F_CTXLEN_MASK) >> 32n) > packetLen) return neg(EFAULT);
  if (m.type !== MAP_PERF_EVENT_ARRAY) return neg(EINVAL);
  const index = (flags & BPF_F_INDEX_MASK) === BPF_F_CURRENT_CPU ? 0 : Number(flags & BPF_F_INDEX_MASK);
  if (index >= m.maxEntries) return neg(E2BIG);
  if (!present(mem, order, slotAddr(m, index))) return neg(ENOENT);
  bytesAt(mem, data, size);
  const count = Number(mem.load(32, map + H_OUTPUTS, 4, order));
  mem.store(32, map + H_OUTPUTS, 4, order, (count + 1) >>> 0);
  return 0n;
}

/** Marks element `index` of an object map present with `value` (what user space's update does). */
export function putObject(mem: ConcreteMemory, order: ByteOrder, m: MapLayout, index: number, value: number): void {
  if (m.kind !== 'objects') throw new Error(`map '${m.def.name}' is not an array of objects`);
  if (index >= m.slots) throw new Error(`map '${m.def.name}': index ${index} beyond ${m.slots}`);
  const s = m.addr + HEADER_BYTES + index * m.slotSize;
  mem.store(32, s, 4, order, 1);
  if (m.def.valueSize >= 4) mem.store(32, s + PRESENCE_BYTES, 4, order, value >>> 0);
}

/** Where putElement stages user-space keys and values (never inside a corpus's buffers). */
const STAGING = 0x3000_0000;

/**
 * What user space's BPF_MAP_UPDATE_ELEM (BPF_ANY) does, through the same code the helper
 * runs: `key` and `value` are the bytes user space passes. Throws if the update fails.
 */
export function putElement(mem: ConcreteMemory, order: ByteOrder, m: MapLayout, key: Uint8Array, value: Uint8Array): void {
  const buf = new Uint8Array(up8(key.length) + up8(value.length) || 8);
  buf.set(key, 0);
  buf.set(value, up8(key.length));
  mem.map('staging', STAGING, buf);
  try {
    const r = mapUpdate(mem, order, m.addr, STAGING, STAGING + up8(key.length), BPF_ANY);
    if (r !== 0n) throw new Error(`map '${m.def.name}': update failed (${BigInt.asIntN(64, r)})`);
  } finally {
    mem.unmap('staging');
  }
}
