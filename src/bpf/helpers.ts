// Helper-function stubs for the reference interpreter: deterministic stand-ins for the
// kernel helpers that corpus programs call (helper ids from include/uapi/linux/bpf.h).
// A helper not in the table is a clear error at the call, never a silent zero.
import type { ConcreteMemory } from '../bv/memory.ts';
import type { ByteOrder } from '../bv/types.ts';
import { skbView, type SkbView } from './skb.ts';
import { mapDelete, mapLookup, mapUpdate, perfEventOutput, redirectMap } from './maps.ts';

/** What a helper can see besides its arguments. */
export interface HelperContext {
  mem: ConcreteMemory;
  order: ByteOrder;
}

export interface Helper {
  name: string;
  /** R1-R5 as u64; returns R0 (reduced to 64 bits by the caller). */
  call(args: readonly bigint[], hctx: HelperContext): bigint;
}

export type HelperTable = ReadonlyMap<number, Helper>;

// helper ids (include/uapi/linux/bpf.h, `FN(name, id, ...)`)
export const FUNC_MAP_LOOKUP_ELEM = 1;
export const FUNC_MAP_UPDATE_ELEM = 2;
export const FUNC_MAP_DELETE_ELEM = 3;
export const FUNC_KTIME_GET_NS = 5;
export const FUNC_TRACE_PRINTK = 6;
export const FUNC_PERF_EVENT_OUTPUT = 25;
export const FUNC_REDIRECT_MAP = 51;
export const FUNC_XDP_REDIRECT = 23;
export const FUNC_XDP_ADJUST_HEAD = 44;
export const FUNC_XDP_ADJUST_META = 54;
export const FUNC_XDP_ADJUST_TAIL = 65;
export const FUNC_XDP_GET_BUFF_LEN = 188;
export const FUNC_GET_PRANDOM_U32 = 7;
export const FUNC_GET_SMP_PROCESSOR_ID = 8;
export const FUNC_GET_NUMA_NODE_ID = 42;
export const FUNC_JIFFIES64 = 118;
export const FUNC_KTIME_GET_BOOT_NS = 125;
export const FUNC_KTIME_GET_COARSE_NS = 160;

/** A fixed clock: test programs must not depend on time, and runs must be reproducible. */
const FIXED_NS = 1_000_000_000n;

/**
 * test_bpf's `bpf_test_func(arg)`: the length snprintf gives for
 * "%ld %lu %lx %ld %lu %lx %ld %lu %x" of 0..7 and (int)arg, i.e. 16 characters for
 * "0 1 2 3 4 5 6 7 " plus the hex digits of the low 32 bits of arg.
 */
export function testFuncResult(arg: bigint): bigint {
  return BigInt(16 + Number(arg & 0xffffffffn).toString(16).length);
}

/**
 * The default table. `testFuncId` is the id test_bpf gives `bpf_test_func`
 * (`__BPF_FUNC_MAX_ID` of the tree, 212 in 6.12); the corpus importer knows it.
 */
export function defaultHelpers(testFuncId?: number): Map<number, Helper> {
  const t = new Map<number, Helper>();
  t.set(FUNC_KTIME_GET_NS, { name: 'ktime_get_ns', call: () => FIXED_NS });
  t.set(FUNC_KTIME_GET_BOOT_NS, { name: 'ktime_get_boot_ns', call: () => FIXED_NS });
  t.set(FUNC_KTIME_GET_COARSE_NS, { name: 'ktime_get_coarse_ns', call: () => FIXED_NS });
  t.set(FUNC_JIFFIES64, { name: 'jiffies64', call: () => 0x100000000n });
  t.set(FUNC_GET_NUMA_NODE_ID, { name: 'get_numa_node_id', call: () => 0n });
  t.set(FUNC_GET_SMP_PROCESSOR_ID, { name: 'get_smp_processor_id', call: () => 0n });
  let seed = 0x12345678;
  t.set(FUNC_GET_PRANDOM_U32, {
    name: 'get_prandom_u32',
    // xorshift32: deterministic per table, so a replay gives the same numbers
    call: () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return BigInt(seed >>> 0);
    },
  });
  for (const [id, h] of classicCallees()) t.set(id, h);
  if (testFuncId !== undefined) {
    t.set(testFuncId, { name: 'bpf_test_func', call: (args) => testFuncResult(args[0]!) });
  }
  // after bpf_test_func: the binding numbers symbols in this order, and existing images
  // keep their addresses
  for (const [id, h] of mapHelpers()) t.set(id, h);
  for (const [id, h] of xdpHelpers()) t.set(id, h);
  return t;
}

// Kernel functions that converted classic BPF calls (net/core/filter.c, BPF_EMIT_CALL):
// not helpers with uapi ids, so they get ids of jitgen's own, above every uapi id; the
// name is the kernel symbol without its `bpf_` (helperSymbol adds it back, so a
// System.map binding finds the real function).
export const CLASSIC_CALLEE_BASE = 0x4a470000;
export const CLASSIC_CALLEES = [
  'skb_load_helper_8',
  'skb_load_helper_16',
  'skb_load_helper_32',
  'skb_get_pay_offset',
  'skb_get_nlattr',
  'skb_get_nlattr_nest',
  'get_raw_cpu_id',
  'user_rnd_u32',
] as const;

/** The jitgen id of a converted program's callee, by kernel symbol (`bpf_skb_load_helper_8`). */
export function classicCalleeId(symbol: string): number | undefined {
  const i = (CLASSIC_CALLEES as readonly string[]).indexOf(symbol.replace(/^bpf_/, ''));
  return i < 0 ? undefined : CLASSIC_CALLEE_BASE + i;
}

const EFAULT = 14n;
const SKF_NET_OFF = -0x100000;
const SKF_LL_OFF = -0x200000;
const s32 = (v: bigint): number => Number(BigInt.asIntN(32, v));
const u32n = (v: bigint): number => Number(v & 0xffffffffn);

/** bpf_skb_load_helper_convert_offset(): negative offsets relative to the headers. */
function skbOffset(skb: SkbView, offset: number): number | undefined {
  if (offset >= 0) return offset;
  if (offset >= SKF_NET_OFF) return offset - SKF_NET_OFF + skb.networkOffset;
  if (offset >= SKF_LL_OFF && skb.macOffset !== null) return offset - SKF_LL_OFF + skb.macOffset;
  return undefined;
}

/**
 * bpf_skb_load_helper_{8,16,32}(skb, data, headlen, offset): from the linear data when it
 * holds the bytes, else skb_copy_bits() over linear data and fragment; multi-byte values
 * are big-endian (network order). -EFAULT (as u64) when out of range.
 */
function skbLoad(size: 1 | 2 | 4): Helper['call'] {
  return (args, { mem, order }) => {
    const skb = skbView(mem, order, u32n(args[0]!));
    const data = u32n(args[1]!);
    const headlen = s32(args[2]!);
    const off = skbOffset(skb, s32(args[3]!));
    if (off === undefined) return BigInt.asUintN(64, -EFAULT);
    let v = 0;
    if (headlen - off >= size) {
      for (let i = 0; i < size; i++) v = v * 256 + Number(mem.load(32, data + off + i, 1, order));
      return BigInt(v);
    }
    // skb_copy_bits(): fails when the range leaves the packet
    if (off > skb.len - size || off < 0) return BigInt.asUintN(64, -EFAULT);
    for (let i = 0; i < size; i++) v = v * 256 + skb.byte(off + i);
    return BigInt(v);
  };
}

/**
 * nla_find() over `rem` bytes at packet offset `at`: the offset of the first attribute
 * of type `type` (flags masked off), or 0. Attribute headers are u16 len, u16 type in the
 * target's byte order, each attribute aligned to 4 bytes.
 */
function nlaFind(skb: SkbView, order: ByteOrder, at: number, rem: number, type: number): number {
  const u16 = (i: number): number => (order === 'le' ? skb.byte(i) | (skb.byte(i + 1) << 8) : (skb.byte(i) << 8) | skb.byte(i + 1));
  while (rem >= 4) {
    const len = u16(at);
    if (len < 4 || len > rem) return 0; // !nla_ok
    if ((u16(at + 2) & 0x3fff) === type) return at;
    const step = (len + 3) & ~3;
    at += step;
    rem -= step;
  }
  return 0;
}

/** bpf_skb_get_nlattr / _nest (net/core/filter.c): A = offset of the attribute, or 0. */
function skbNlattr(nest: boolean): Helper['call'] {
  return (args, { mem, order }) => {
    const skb = skbView(mem, order, u32n(args[0]!));
    const a = u32n(args[1]!);
    const x = u32n(args[2]!);
    if (skb.dataLen !== 0 || skb.len < 4 || a > skb.len - 4) return 0n;
    if (!nest) return BigInt(nlaFind(skb, order, a, skb.len - a, x));
    const u16 = (i: number): number => (order === 'le' ? skb.byte(i) | (skb.byte(i + 1) << 8) : (skb.byte(i) << 8) | skb.byte(i + 1));
    const len = u16(a);
    if (skb.len - a < 4 || len < 4 || len > skb.len - a) return 0n;
    return BigInt(nlaFind(skb, order, a + 4, len - 4, x));
  };
}

/**
 * skb_get_poff(): the payload offset the flow dissector finds, modelled for IPv4
 * (skb->protocol ETH_P_IP, header at the network offset): transport offset plus the
 * transport header (TCP: its data offset, at least 20; UDP/UDP-Lite 8; ICMP/IGMP 8;
 * DCCP 16; SCTP 12); 0 when the headers are not in the linear data. IPv6 and
 * encapsulations are not modelled (0).
 */
function skbPayOffset(args: readonly bigint[], { mem, order }: HelperContext): bigint {
  const skb = skbView(mem, order, u32n(args[0]!));
  const head = skb.len - skb.dataLen;
  const nh = skb.networkOffset;
  if (skb.protocol !== 0x0800 || nh + 20 > head) return 0n;
  const ihl = skb.byte(nh) & 0xf;
  if (ihl < 5 || skb.byte(nh) >> 4 !== 4) return 0n;
  const th = nh + ihl * 4;
  switch (skb.byte(nh + 9)) {
    case 6:
      if (th + 20 > head) return BigInt(th);
      return BigInt(th + Math.max(20, (skb.byte(th + 12) >> 4) * 4));
    case 17:
    case 136:
    case 1:
    case 2:
      return BigInt(th + 8);
    case 33:
      return BigInt(th + 16);
    case 132:
      return BigInt(th + 12);
    default:
      return BigInt(th);
  }
}

function classicCallees(): Map<number, Helper> {
  const calls: Record<(typeof CLASSIC_CALLEES)[number], Helper['call']> = {
    skb_load_helper_8: skbLoad(1),
    skb_load_helper_16: skbLoad(2),
    skb_load_helper_32: skbLoad(4),
    skb_get_pay_offset: skbPayOffset,
    skb_get_nlattr: skbNlattr(false),
    skb_get_nlattr_nest: skbNlattr(true),
    // one simulated CPU
    get_raw_cpu_id: () => 0n,
    // prandom_u32_state of a fixed seed would do; a constant keeps runs reproducible
    user_rnd_u32: () => 0x5eed1234n,
  };
  return new Map(CLASSIC_CALLEES.map((name, i) => [CLASSIC_CALLEE_BASE + i, { name, call: calls[name] }]));
}

/**
 * Helpers over the map models of ./maps.ts: the map pointer is the address of a map's
 * header in the run's memory (what LD_IMM64 of the map was bound to), so the same
 * functions serve the interpreter and the simulator.
 */
function mapHelpers(): Map<number, Helper> {
  const t = new Map<number, Helper>();
  t.set(FUNC_MAP_LOOKUP_ELEM, { name: 'map_lookup_elem', call: (a, { mem, order }) => BigInt(mapLookup(mem, order, u32n(a[0]!), u32n(a[1]!))) });
  t.set(FUNC_MAP_UPDATE_ELEM, { name: 'map_update_elem', call: (a, { mem, order }) => mapUpdate(mem, order, u32n(a[0]!), u32n(a[1]!), u32n(a[2]!), a[3]!) });
  t.set(FUNC_MAP_DELETE_ELEM, { name: 'map_delete_elem', call: (a, { mem, order }) => mapDelete(mem, order, u32n(a[0]!), u32n(a[1]!)) });
  t.set(FUNC_REDIRECT_MAP, { name: 'xdp_redirect_map', call: (a, { mem, order }) => redirectMap(mem, order, u32n(a[0]!), a[1]!, a[2]!) });
  // XDP's perf_event_output (bpf_xdp_event_output): ctx is the xdp_md, whose data and
  // data_end give the packet length that flags >> 32 may ask to append
  t.set(FUNC_PERF_EVENT_OUTPUT, {
    name: 'xdp_event_output',
    call: (a, { mem, order }) => {
      const ctx = u32n(a[0]!);
      const wantsPacket = a[2]! >> 32n !== 0n;
      const len = wantsPacket ? Number(mem.load(32, ctx + 4, 4, order)) - Number(mem.load(32, ctx, 4, order)) : 0;
      return perfEventOutput(mem, order, u32n(a[1]!), a[2]!, u32n(a[3]!), u32n(a[4]!), len);
    },
  });
  // no output here; the result is the format's length (conversions are not expanded)
  t.set(FUNC_TRACE_PRINTK, {
    name: 'trace_printk',
    call: (a, { mem }) => {
      const fmt = u32n(a[0]!);
      const size = u32n(a[1]!);
      let n = 0;
      while (n < size && Number(mem.load(32, fmt + n, 1, 'le')) !== 0) n++;
      return BigInt(n);
    },
  });
  return t;
}

/**
 * The XDP context as the helpers below see it: `struct xdp_md` (data, data_end, data_meta
 * at 0, 4, 8: 32-bit pointers on this target), followed by what `struct xdp_buff` holds
 * beyond it, which programs never read: the start of the headroom and the end of the
 * room the tail may grow into (xdp_data_hard_end: frame_sz minus the shared info).
 */
export const XDP_MD_DATA = 0;
export const XDP_MD_DATA_END = 4;
export const XDP_MD_DATA_META = 8;
export const XDP_BUFF_HARD_START = 24;
export const XDP_BUFF_HARD_END = 28;
/** sizeof(struct xdp_frame) on a 32-bit kernel: kept free at the start of the headroom. */
export const XDP_FRAME_BYTES = 32;
const ETH_HLEN = 14;
const EINVAL = 22n;
const EACCES = 13n;
/** metalen limit: skb_shared_info.meta_len is a u8. */
const META_MAX = 255;
const XDP_ABORTED = 0n;
const XDP_REDIRECT = 4n;

/** bpf_xdp_adjust_head/meta/tail, get_buff_len and redirect (net/core/filter.c), over a linear buffer. */
function xdpHelpers(): Map<number, Helper> {
  const field = (mem: ConcreteMemory, order: ByteOrder, ctx: number, off: number): number => Number(mem.load(32, ctx + off, 4, order));
  const set = (mem: ConcreteMemory, order: ByteOrder, ctx: number, off: number, v: number): void => mem.store(32, ctx + off, 4, order, v >>> 0);
  const err = (e: bigint): bigint => BigInt.asUintN(64, -e);
  const t = new Map<number, Helper>();
  t.set(FUNC_XDP_ADJUST_HEAD, {
    name: 'xdp_adjust_head',
    call: (a, { mem, order }) => {
      const ctx = u32n(a[0]!);
      const [data, end, meta] = [XDP_MD_DATA, XDP_MD_DATA_END, XDP_MD_DATA_META].map((o) => field(mem, order, ctx, o)) as [number, number, number];
      const metalen = data - meta;
      const dataStart = field(mem, order, ctx, XDP_BUFF_HARD_START) + XDP_FRAME_BYTES + metalen;
      const moved = data + s32(a[1]!);
      if (moved < dataStart || moved > end - ETH_HLEN) return err(EINVAL);
      if (metalen) {
        const bytes: number[] = [];
        for (let i = 0; i < metalen; i++) bytes.push(Number(mem.load(32, meta + i, 1, order)));
        bytes.forEach((b, i) => mem.store(32, meta + s32(a[1]!) + i, 1, order, b));
      }
      set(mem, order, ctx, XDP_MD_DATA_META, meta + s32(a[1]!));
      set(mem, order, ctx, XDP_MD_DATA, moved);
      return 0n;
    },
  });
  t.set(FUNC_XDP_ADJUST_META, {
    name: 'xdp_adjust_meta',
    call: (a, { mem, order }) => {
      const ctx = u32n(a[0]!);
      const data = field(mem, order, ctx, XDP_MD_DATA);
      const meta = field(mem, order, ctx, XDP_MD_DATA_META) + s32(a[1]!);
      if (meta < field(mem, order, ctx, XDP_BUFF_HARD_START) + XDP_FRAME_BYTES || meta > data) return err(EINVAL);
      const metalen = data - meta;
      if (metalen % 4 !== 0 || metalen > META_MAX) return err(EACCES);
      set(mem, order, ctx, XDP_MD_DATA_META, meta);
      return 0n;
    },
  });
  t.set(FUNC_XDP_ADJUST_TAIL, {
    name: 'xdp_adjust_tail',
    call: (a, { mem, order }) => {
      const ctx = u32n(a[0]!);
      const offset = s32(a[1]!);
      const oldEnd = field(mem, order, ctx, XDP_MD_DATA_END);
      const end = oldEnd + offset;
      if (end > field(mem, order, ctx, XDP_BUFF_HARD_END)) return err(EINVAL);
      if (end < field(mem, order, ctx, XDP_MD_DATA) + ETH_HLEN) return err(EINVAL);
      for (let i = 0; i < offset; i++) mem.store(32, oldEnd + i, 1, order, 0);
      set(mem, order, ctx, XDP_MD_DATA_END, end);
      return 0n;
    },
  });
  t.set(FUNC_XDP_GET_BUFF_LEN, {
    name: 'xdp_get_buff_len',
    call: (a, { mem, order }) => BigInt(field(mem, order, u32n(a[0]!), XDP_MD_DATA_END) - field(mem, order, u32n(a[0]!), XDP_MD_DATA)),
  });
  // the target device is not modelled: any ifindex redirects
  t.set(FUNC_XDP_REDIRECT, { name: 'xdp_redirect', call: (a) => (a[1]! !== 0n ? XDP_ABORTED : XDP_REDIRECT) });
  return t;
}
