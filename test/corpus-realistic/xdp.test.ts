// The `xdp` corpus (libxdp1's objects) and the object path it shares with `samples`:
// verdicts and map side effects derived by hand from the objects' disassembly
// (`npx jitgen disasm /usr/lib/x86_64-linux-gnu/bpf/<object>.o --section xdp`), the XDP
// context helpers against net/core/filter.c's rules, and the JIT model (design jitgen)
// giving what the interpreter gives. Skipped, visibly, without libxdp1. The `samples`
// corpus: test_xdp.c's tunnel, derived from its source. Skipped without the tree.
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { config } from '../../src/config.ts';
import * as op from '../../src/bpf/opcodes.ts';
import type { Insn } from '../../src/bpf/opcodes.ts';
import type { TestProgram } from '../../src/bpf/program.ts';
import { CTX_BASE, Interpreter } from '../../src/bpf/interpreter.ts';
import { defaultHelpers, FUNC_MAP_LOOKUP_ELEM } from '../../src/bpf/helpers.ts';
import { layoutMaps, HEADER_BYTES } from '../../src/bpf/maps.ts';
import { ConcreteMemory } from '../../src/bv/memory.ts';
import { designByName } from '../../src/jit/designs/index.ts';
import { corpusBinding, runTestJit } from '../../src/verify/jit-runner.ts';
import {
  libxdpObjectDir, loadXdp, MAPS_OFFSET, PACKET_OFFSET, XDP_INPUTS, xdpContext,
} from '../../src/verify/corpus/realistic/xdp.ts';
import { stackDepthOf } from '../../src/bpf/stack-depth.ts';
import { loadKernelSamples } from '../../src/verify/corpus/realistic/kernel-samples.ts';
import { defaultTreeDir } from '../../src/verify/corpus/index.ts';

const dir = libxdpObjectDir();
const frame = (prefix: string): number => XDP_INPUTS.findIndex((i) => i.frame.name.startsWith(prefix));
const XDP_ABORTED = 0;
const XDP_DROP = 1;
const XDP_PASS = 2;
const XDP_REDIRECT = 4;

describe.skipIf(!dir)('corpus xdp', () => {
  const progs = { le: loadXdp('le'), be: loadXdp('be') };
  const by = (endian: 'le' | 'be', name: string): TestProgram => progs[endian].find((p) => p.name === name)!;

  test('17 programs of 15 objects, sorted, identities xdp:<index>:<object>/<section>; the unmodelled ones skipped with a reason', () => {
    const p = progs.le;
    expect(p.length).toBe(17);
    expect(p.map((x) => x.id).slice(0, 5)).toEqual([
      'xdp:0:xdp-dispatcher/xdp:xdp_dispatcher',
      'xdp:1:xdp-dispatcher/xdp:xdp_pass',
      'xdp:2:xdpdump_bpf/fentry/func',
      'xdp:3:xdpdump_bpf/fexit/func',
      'xdp:4:xdpdump_xdp/xdp',
    ]);
    const skipped = p.filter((x) => x.skip !== undefined);
    expect(skipped.map((x) => x.index)).toEqual([0, 2, 3]);
    expect(skipped[0]!.skip).toMatch(/bpf2bpf.*freplace/);
    expect(skipped[1]!.skip).toMatch(/fentry tracing program/);
    expect(p.filter((x) => x.skip === undefined).every((x) => x.expect.length === XDP_INPUTS.length)).toBe(true);
  });

  test('xdpfilt_alw_eth (le): a listed destination MAC is dropped and counted, others pass, a runt aborts', () => {
    // insns 8-28: key = dst MAC (bytes 0..5), lookup filter_ethernet; value & 2 -> insn 61:
    // value += 64, action 1; both lookups NULL -> action 2; data + 14 > data_end -> action 0.
    // insns 64-81: xdp_stats_map[action] += {1 packet, data_end - data bytes}
    const p = by('le', 'xdpfilt_alw_eth/xdp');
    const syn = frame('tcp syn');
    expect(p.expect[syn]!.result).toBe(XDP_DROP);
    expect(p.expect[frame('arp')]!.result).toBe(XDP_PASS); // dst ff:ff:.., src 02:..:0b: not listed
    expect(p.expect[frame('runt')]!.result).toBe(XDP_ABORTED);

    const ctx = p.context!(p.expect[syn]!);
    new Interpreter(p, { order: 'le', helpers: defaultHelpers() }).run({ ctx });
    const { maps } = layoutMaps(p.maps!, CTX_BASE + MAPS_OFFSET);
    const mem = new ConcreteMemory();
    mem.map('ctx', CTX_BASE, ctx);
    const stats = maps.find((m) => m.def.name === 'xdp_stats_map')!;
    const eth = maps.find((m) => m.def.name === 'filter_ethernet')!;
    const u64 = (a: number): bigint => mem.load(32, a, 8, 'le') as bigint;
    // percpu array of {u64 packets, u64 bytes}: element 1 (XDP_DROP)
    expect(u64(stats.addr + HEADER_BYTES + 16)).toBe(1n);
    expect(u64(stats.addr + HEADER_BYTES + 16 + 8)).toBe(54n); // 14 + 20 + 20 bytes
    expect(u64(stats.addr + HEADER_BYTES)).toBe(0n); // element 0 untouched
    // the hash element (slot 0: presence word, 6-byte key padded to 8, value) counted the hit
    expect(u64(eth.addr + HEADER_BYTES + 8 + 8)).toBe(2n + 64n);
  });

  test('xdpfilt_alw_eth (be): the key is assembled for little endian, so on a big-endian target nothing matches', () => {
    // insns 8-23 build the key with shifts and ORs of single bytes and store it as u16 + u32
    const p = by('be', 'xdpfilt_alw_eth/xdp');
    expect(p.expect.map((e) => e.result)).toEqual([...new Array(10).fill(XDP_PASS), XDP_ABORTED]);
  });

  test('xsk_def_xdp_prog: redirect to the AF_XDP socket of the frame\'s queue, else XDP_PASS', () => {
    // refcnt (.data) is 1 in the object; xsks_map[rx_queue_index] with flags XDP_PASS
    const want = XDP_INPUTS.map((i) => (i.rxQueue === 0 ? XDP_REDIRECT : XDP_PASS));
    for (const endian of ['le', 'be'] as const) {
      expect(by(endian, 'xsk_def_xdp_prog/xdp').expect.map((e) => e.result)).toEqual(want);
      expect(by(endian, 'xsk_def_xdp_prog_5.3/xdp').expect.map((e) => e.result)).toEqual(want);
    }
  });

  test('map references become plain LD_IMM64 of the maps\' addresses; stack depth from the R10 accesses', () => {
    const p = by('le', 'xdpfilt_alw_eth/xdp');
    const { maps } = layoutMaps(p.maps!, CTX_BASE + MAPS_OFFSET);
    const eth = maps.find((m) => m.def.name === 'filter_ethernet')!;
    // insn 26 of the disassembly: r1 = map[filter_ethernet]
    expect(p.insns[26]).toMatchObject({ code: op.LD | op.IMM | op.DW, src: 0, imm: eth.addr });
    expect(p.insns[27]!.imm).toBe(0);
    expect(p.insns.some((i) => op.isLdImm64(i) && i.src !== 0)).toBe(false);
    expect(p.stackDepth).toBe(12); // *(u32 *)(r10 - 12) is the deepest access
  });

  for (const id of ['be-r2', 'le-r6'] as const) {
    test(`the JIT model (jitgen) gives what the interpreter gives, every program and frame (${id})`, () => {
      const cfg = config(id);
      const rc = { design: designByName('jitgen'), config: cfg, binding: corpusBinding() };
      const runnable = progs[cfg.endian].filter((p) => p.skip === undefined);
      expect(runnable.length).toBe(14);
      for (const p of runnable) expect({ id: p.id, ...runTestJit(p, rc, defaultHelpers()) }).toMatchObject({ id: p.id, ok: true });
    });
  }

  test('the comparison bites: a simulator whose map lookups always miss disagrees', () => {
    const helpers = defaultHelpers();
    helpers.set(FUNC_MAP_LOOKUP_ELEM, { name: 'map_lookup_elem', call: () => 0n });
    const p = by('le', 'xdpfilt_alw_eth/xdp');
    const out = runTestJit(p, { design: designByName('jitgen'), config: config('le-r2'), binding: corpusBinding() }, helpers);
    expect(out).toMatchObject({ ok: false, expected: XDP_DROP });
  });
});

describe('object path', () => {
  test('stackDepthOf: direct R10 accesses and R10-derived pointers; anything else is the whole stack', () => {
    const i = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
    const stx = i(op.STX | op.MEM | op.W, 10, 1, -8, 0);
    const mov = i(op.ALU64 | op.MOV | op.X, 2, 10, 0, 0);
    const add = i(op.ALU64 | op.ADD | op.K, 2, 0, 0, -40);
    const exit = i(op.JMP | op.EXIT, 0, 0, 0, 0);
    expect(stackDepthOf([stx, exit])).toBe(8);
    expect(stackDepthOf([stx, mov, add, exit])).toBe(40);
    expect(stackDepthOf([mov, add, i(op.STX | op.MEM | op.DW, 2, 1, -16, 0), exit])).toBe(56);
    expect(stackDepthOf([mov, i(op.ALU64 | op.ADD | op.X, 2, 3, 0, 0), exit])).toBe(op.MAX_BPF_STACK);
  });

  test('xdp_md points into the buffer; the adjust helpers follow net/core/filter.c', () => {
    const input = XDP_INPUTS[frame('tcp syn')]!;
    const le = 'le' as const;
    const ctx = xdpContext(input, new Uint8Array(0), le);
    const mem = new ConcreteMemory();
    mem.map('ctx', CTX_BASE, ctx);
    const h = defaultHelpers();
    const hctx = { mem, order: le };
    const u32 = (off: number): number => Number(mem.load(32, CTX_BASE + off, 4, le));
    const data = CTX_BASE + PACKET_OFFSET;
    expect([u32(0), u32(4), u32(8)]).toEqual([data, data + 54, data]);
    const call = (id: number, arg: number): bigint => BigInt.asIntN(64, h.get(id)!.call([BigInt(CTX_BASE), BigInt.asUintN(64, BigInt(arg)), 0n, 0n, 0n], hctx));
    expect(call(188, 0)).toBe(54n); // xdp_get_buff_len
    // adjust_head: headroom is 256 bytes, of which sizeof(struct xdp_frame) = 32 stays free
    expect(call(44, -225)).toBe(-22n);
    expect(call(44, -20)).toBe(0n);
    expect(u32(0)).toBe(data - 20);
    expect(call(44, 54 + 20 - 14 + 1)).toBe(-22n); // fewer than ETH_HLEN bytes would remain
    // adjust_meta: multiple of 4 and at most 255 bytes, else -EACCES
    expect(call(54, -3)).toBe(-13n);
    expect(call(54, -8)).toBe(0n);
    expect(u32(8)).toBe(data - 28);
    // adjust_head moves the metadata with the data
    mem.store(32, data - 28, 4, le, 0xabcd);
    expect(call(44, 4)).toBe(0n);
    expect(mem.load(32, data - 24, 4, le)).toBe(0xabcd);
    // adjust_tail: grows into zeroed bytes, not below data + ETH_HLEN
    mem.store(32, data + 54, 4, le, 0xffffffff);
    expect(call(65, 4)).toBe(0n);
    expect(mem.load(32, data + 54, 4, le)).toBe(0);
    // data is now D - 16 and data_end D + 58: 74 bytes, of which 14 must stay
    expect(call(65, -(74 - 14 + 1))).toBe(-22n);
    expect(call(65, -(74 - 14))).toBe(0n);
    expect(h.get(23)!.call([3n, 0n, 0n, 0n, 0n], hctx)).toBe(4n); // bpf_redirect(3, 0): XDP_REDIRECT
    expect(h.get(23)!.call([3n, 1n, 0n, 0n, 0n], hctx)).toBe(0n); // any flag: XDP_ABORTED
  });
});

const tree = [defaultTreeDir, '/tmp/ks/linux-source-6.12'].find((d) => existsSync(`${d}/tools/testing/selftests/bpf/progs/test_xdp.c`));

// The first run compiles the sources with clang-14 (about 10 s); later runs use the cache.
describe.skipIf(!tree)('corpus samples', () => {
  for (const endian of ['le', 'be'] as const) {
    test(`test_xdp.c encapsulates the listed flow IPv4-in-IPv4 and sends it back (${endian})`, async () => {
      const progs = await loadKernelSamples(tree!, endian);
      const p = progs.find((x) => x.name === 'test_xdp/xdp')!;
      expect(p.skip).toBeUndefined();
      const syn = frame('tcp syn'); // 192.168.1.1 -> 10.0.0.5:80, the tunnel's vip
      expect(p.expect[syn]!.result).toBe(3); // XDP_TX
      expect(p.expect[frame('udp dns')]!.result).toBe(XDP_PASS); // no tunnel for it
      const ctx = p.context!(p.expect[syn]!);
      new Interpreter(p, { order: endian, helpers: defaultHelpers() }).run({ ctx });
      const data = new DataView(ctx.buffer).getUint32(0, endian === 'le') - CTX_BASE;
      expect(data).toBe(PACKET_OFFSET - 20); // bpf_xdp_adjust_head(xdp, -sizeof(struct iphdr))
      const pkt = Array.from(ctx.subarray(data, data + 34));
      expect(pkt.slice(0, 6)).toEqual([2, 0, 0, 0, 0, 0x0c]); // h_dest = the tunnel's dmac
      expect(pkt.slice(6, 12)).toEqual([2, 0, 0, 0, 0, 0x0a]); // h_source = the old h_dest
      expect(pkt.slice(12, 14)).toEqual([0x08, 0x00]);
      // outer header: version 4 / ihl 5, tot_len 54 - 14 + 20, ttl 8, protocol IPIP
      expect([pkt[14], pkt[16], pkt[17], pkt[22], pkt[23]]).toEqual([0x45, 0, 60, 8, 4]);
      expect(pkt.slice(26, 34)).toEqual([172, 16, 0, 1, 172, 16, 0, 2]);
      // sources that cannot build say why
      expect(progs.find((x) => x.name === 'xdp_adjust_tail_kern')!.skip).toMatch(/does not build standalone/);
    });
  }
});
