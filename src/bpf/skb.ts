// A socket buffer as converted classic BPF sees it: the `struct sk_buff` fields the
// kernel's conversion reads (at the target's offsets), built into one context buffer
// that the interpreter and the simulator map at the same address (R1 points to its
// start), plus a small descriptor at a fixed distance behind the skb that the helper
// models (helpers.ts) read, so that they need not know the target's struct layout.
import type { ConcreteMemory } from '../bv/memory.ts';
import type { ByteOrder } from '../bv/types.ts';

/** Field offsets of `struct sk_buff` / `struct net_device` on the target (bytes). */
export interface SkbLayout {
  len: number;
  dataLen: number;
  data: number;
  head: number;
  mark: number;
  /** offsetof(struct sk_buff, __pkt_type_offset): the byte holding the 3-bit pkt_type. */
  pktType: number;
  queueMapping: number;
  vlanTci: number;
  vlanAll: number;
  vlanProto: number;
  protocol: number;
  hash: number;
  dev: number;
  macHeader: number;
  networkHeader: number;
  size: number;
  devIfindex: number;
  devType: number;
  devSize: number;
}

/**
 * A 32-bit MIPS 6.12 kernel (Malta, be-r2 configuration of `check --build`), measured
 * with `mips-linux-gnu-gcc -S` on an offsetof() probe compiled with net/core/filter.o's
 * own command line (src/verify/corpus/classic/layout.ts probes it again when a
 * configured build is at hand). Field offsets do not depend on the byte order.
 */
export const MIPS32_SKB_LAYOUT: SkbLayout = {
  len: 80,
  dataLen: 84,
  data: 160,
  head: 156,
  mark: 128,
  pktType: 96,
  queueMapping: 92,
  vlanTci: 122,
  vlanAll: 120,
  vlanProto: 120,
  protocol: 140,
  hash: 116,
  dev: 8,
  macHeader: 146,
  networkHeader: 144,
  size: 176,
  devIfindex: 168,
  devType: 376,
  devSize: 1216,
};

/** What test_bpf's populate_skb() puts into the skb besides the packet. */
export interface SkbFields {
  /** skb->protocol, host value (stored big-endian): ETH_P_IP in test_bpf. */
  protocol: number;
  pktType: number;
  mark: number;
  hash: number;
  queueMapping: number;
  vlanTci: number;
  /** skb->vlan_proto, host value (stored big-endian). */
  vlanProto: number;
  ifindex: number;
  devType: number;
  /** Offset of the MAC header from skb->data; null: never set (~0). */
  macOffset: number | null;
  networkOffset: number;
}

/** Where the descriptor sits, from the skb: beyond any sk_buff (176 bytes on MIPS32). */
export const SKB_DESC_AT = 0x400;

/** The jitgen descriptor behind the skb (target byte order, u32 each). */
export const SKB_DESC = {
  magic: 0,
  skb: 4,
  data: 8,
  len: 12,
  dataLen: 16,
  /** -1 when the MAC header was never set. */
  macOffset: 20,
  networkOffset: 24,
  frag: 28,
  fragLen: 32,
  protocol: 36,
  bytes: 64,
} as const;
export const SKB_DESC_MAGIC = 0x4a47534b; // "JGSK"

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/**
 * One context buffer for `base`: [sk_buff][descriptor at SKB_DESC_AT][net_device][linear
 * data][fragment]. R1, the skb pointer, is `base`. The fragment, when present, is the
 * skb's one page fragment (test_bpf's FLAG_SKB_FRAG): skb->len counts it, data_len is its
 * size; only the helper models read it (skb_copy_bits), as in the kernel.
 */
export function skbContext(
  base: number,
  layout: SkbLayout,
  order: ByteOrder,
  packet: Uint8Array,
  fields: SkbFields,
  frag?: Uint8Array,
): { bytes: Uint8Array; skb: number } {
  if (layout.size > SKB_DESC_AT) throw new Error(`sk_buff of ${layout.size} bytes overlaps the descriptor`);
  const skbAt = 0;
  const d = SKB_DESC_AT;
  const devAt = align(d + SKB_DESC.bytes, 16);
  const dataAt = align(devAt + layout.devSize, 16);
  const fragAt = align(dataAt + packet.length, 16);
  const total = fragAt + (frag?.length ?? 0);
  const bytes = new Uint8Array(Math.max(total, 4));
  const v = new DataView(bytes.buffer);
  const le = order === 'le';
  const u32 = (at: number, x: number): void => v.setUint32(at, x >>> 0, le);
  const u16 = (at: number, x: number): void => v.setUint16(at, x & 0xffff, le);
  const be16 = (at: number, x: number): void => v.setUint16(at, x & 0xffff, false);

  bytes.set(packet, dataAt);
  if (frag) bytes.set(frag, fragAt);
  const fragLen = frag?.length ?? 0;

  const s = skbAt;
  u32(s + layout.len, packet.length + fragLen);
  u32(s + layout.dataLen, fragLen);
  u32(s + layout.data, base + dataAt);
  u32(s + layout.head, base + dataAt);
  u32(s + layout.mark, fields.mark);
  // pkt_type:3 is the first bitfield of its byte: the top bits on a big-endian
  // bitfield layout, the low bits on little (PKT_TYPE_MAX of <linux/skbuff.h>)
  bytes[s + layout.pktType] = le ? fields.pktType & 7 : (fields.pktType & 7) << 5;
  u16(s + layout.queueMapping, fields.queueMapping);
  be16(s + layout.vlanProto, fields.vlanProto);
  u16(s + layout.vlanTci, fields.vlanTci);
  be16(s + layout.protocol, fields.protocol);
  u32(s + layout.hash, fields.hash);
  u32(s + layout.dev, base + devAt);
  u16(s + layout.macHeader, fields.macOffset === null ? 0xffff : fields.macOffset);
  u16(s + layout.networkHeader, fields.networkOffset);
  u32(devAt + layout.devIfindex, fields.ifindex);
  u16(devAt + layout.devType, fields.devType);

  u32(d + SKB_DESC.magic, SKB_DESC_MAGIC);
  u32(d + SKB_DESC.skb, base + skbAt);
  u32(d + SKB_DESC.data, base + dataAt);
  u32(d + SKB_DESC.len, packet.length + fragLen);
  u32(d + SKB_DESC.dataLen, fragLen);
  u32(d + SKB_DESC.macOffset, fields.macOffset === null ? -1 : fields.macOffset);
  u32(d + SKB_DESC.networkOffset, fields.networkOffset);
  u32(d + SKB_DESC.frag, base + fragAt);
  u32(d + SKB_DESC.fragLen, fragLen);
  u32(d + SKB_DESC.protocol, fields.protocol);
  return { bytes, skb: base + skbAt };
}

/** The descriptor of the skb at `skb`, as the helper models read it. */
export interface SkbView {
  data: number;
  len: number;
  dataLen: number;
  macOffset: number | null;
  networkOffset: number;
  frag: number;
  fragLen: number;
  protocol: number;
  /** Byte `i` of the packet (linear part, then the fragment). */
  byte(i: number): number;
}

export function skbView(mem: ConcreteMemory, order: ByteOrder, skb: number): SkbView {
  const desc = skb + SKB_DESC_AT;
  const rd = (off: number): number => Number(mem.load(32, desc + off, 4, order)) >>> 0;
  if (rd(SKB_DESC.magic) !== SKB_DESC_MAGIC || rd(SKB_DESC.skb) !== skb >>> 0) {
    throw new Error(`0x${(skb >>> 0).toString(16)} is not an skb built by skbContext`);
  }
  const mac = rd(SKB_DESC.macOffset) | 0;
  const view: SkbView = {
    data: rd(SKB_DESC.data),
    len: rd(SKB_DESC.len),
    dataLen: rd(SKB_DESC.dataLen),
    macOffset: mac < 0 ? null : mac,
    networkOffset: rd(SKB_DESC.networkOffset),
    frag: rd(SKB_DESC.frag),
    fragLen: rd(SKB_DESC.fragLen),
    protocol: rd(SKB_DESC.protocol),
    byte(i: number): number {
      const head = view.len - view.dataLen;
      const at = i < head ? view.data + i : view.frag + (i - head);
      return Number(mem.load(32, at, 1, order));
    },
  };
  return view;
}
