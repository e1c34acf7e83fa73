// Map models (src/bpf/maps.ts) and the helpers over them, against what the helpers'
// documentation (include/uapi/linux/bpf.h) and the map implementations say; every
// expected value is written out by hand here.
import { describe, expect, test } from 'vitest';
import { ConcreteMemory } from '../../src/bv/memory.ts';
import type { ByteOrder } from '../../src/bv/types.ts';
import {
  HEADER_BYTES, H_OUTPUTS, MAP_ARRAY, MAP_DEVMAP, MAP_HASH, MAP_PERF_EVENT_ARRAY, MAP_XSKMAP,
  layoutMaps, mapDelete, mapLookup, mapUpdate, perfEventOutput, putObject, redirectMap, writeHeaders,
} from '../../src/bpf/maps.ts';
import { defaultHelpers } from '../../src/bpf/helpers.ts';
import type { MapDef } from '../../src/bpf/program.ts';

const MAPS = 0x4000_0000;
const SCRATCH = 0x5000_0000;
const neg = (e: number): bigint => BigInt.asUintN(64, BigInt(-e));

function setup(defs: MapDef[], order: ByteOrder = 'be') {
  const { maps, bytes } = layoutMaps(defs, MAPS);
  const mem = new ConcreteMemory();
  mem.map('maps', MAPS, new Uint8Array(bytes));
  mem.map('scratch', SCRATCH, new Uint8Array(256));
  writeHeaders(mem, order, maps);
  const w32 = (off: number, v: number): void => mem.store(32, SCRATCH + off, 4, order, v);
  const w64 = (off: number, v: bigint): void => mem.store(32, SCRATCH + off, 8, order, v);
  const r64 = (addr: number): bigint => mem.load(32, addr, 8, order) as bigint;
  return { maps, mem, order, w32, w64, r64 };
}

describe('array map', () => {
  const def: MapDef = { name: 'a', type: MAP_ARRAY, keySize: 4, valueSize: 8, maxEntries: 5 };

  test('every index below max_entries exists; values start at zero and keep what is stored', () => {
    const { maps, mem, order, w32, w64, r64 } = setup([def]);
    const a = maps[0]!.addr;
    w32(0, 3); // key 3
    const v3 = mapLookup(mem, order, a, SCRATCH);
    // header, then 8-byte slots: element 3 at +32 + 3 * 8
    expect(v3).toBe(a + HEADER_BYTES + 24);
    expect(r64(v3)).toBe(0n);
    w64(8, 0x1122334455667788n);
    expect(mapUpdate(mem, order, a, SCRATCH, SCRATCH + 8, 0n)).toBe(0n);
    expect(r64(mapLookup(mem, order, a, SCRATCH))).toBe(0x1122334455667788n);
    w32(0, 5);
    expect(mapLookup(mem, order, a, SCRATCH)).toBe(0); // index == max_entries: NULL
  });

  test('update flags and errors: NOEXIST -EEXIST, beyond -E2BIG, bad flags -EINVAL, delete -EINVAL', () => {
    const { maps, mem, order, w32 } = setup([def]);
    const a = maps[0]!.addr;
    w32(0, 1);
    expect(mapUpdate(mem, order, a, SCRATCH, SCRATCH + 8, 1n)).toBe(neg(17));
    expect(mapUpdate(mem, order, a, SCRATCH, SCRATCH + 8, 2n)).toBe(0n); // BPF_EXIST: it does exist
    expect(mapUpdate(mem, order, a, SCRATCH, SCRATCH + 8, 4n)).toBe(neg(22));
    expect(mapDelete(mem, order, a, SCRATCH)).toBe(neg(22));
    w32(0, 7);
    expect(mapUpdate(mem, order, a, SCRATCH, SCRATCH + 8, 0n)).toBe(neg(7));
  });
});

describe('hash map', () => {
  const def: MapDef = { name: 'h', type: MAP_HASH, keySize: 6, valueSize: 4, maxEntries: 2 };

  test('stores and returns what was put in, by the key bytes', () => {
    for (const order of ['be', 'le'] as const) {
      const { maps, mem, w32 } = setup([def], order);
      const h = maps[0]!.addr;
      [1, 2, 3, 4, 5, 6].forEach((b, i) => mem.store(32, SCRATCH + i, 1, order, b));
      expect(mapLookup(mem, order, h, SCRATCH)).toBe(0);
      w32(8, 0xcafe);
      expect(mapUpdate(mem, order, h, SCRATCH, SCRATCH + 8, 0n)).toBe(0n);
      const v = mapLookup(mem, order, h, SCRATCH);
      expect(v).not.toBe(0);
      expect(mem.load(32, v, 4, order)).toBe(0xcafe);
      // the program writes through the pointer; the next lookup sees it
      mem.store(32, v, 4, order, 0xbeef);
      expect(mem.load(32, mapLookup(mem, order, h, SCRATCH), 4, order)).toBe(0xbeef);
      // a key differing in its last byte is another element
      mem.store(32, SCRATCH + 5, 1, order, 7);
      expect(mapLookup(mem, order, h, SCRATCH)).toBe(0);
    }
  });

  test('NOEXIST / EXIST, delete, and a full map', () => {
    const { maps, mem, order, w32 } = setup([def]);
    const h = maps[0]!.addr;
    const key = (b: number): void => [b, 0, 0, 0, 0, 0].forEach((x, i) => mem.store(32, SCRATCH + i, 1, order, x));
    w32(8, 1);
    key(1);
    expect(mapUpdate(mem, order, h, SCRATCH, SCRATCH + 8, 2n)).toBe(neg(2)); // EXIST on a missing key
    expect(mapUpdate(mem, order, h, SCRATCH, SCRATCH + 8, 1n)).toBe(0n);
    expect(mapUpdate(mem, order, h, SCRATCH, SCRATCH + 8, 1n)).toBe(neg(17)); // NOEXIST on an existing key
    key(2);
    expect(mapUpdate(mem, order, h, SCRATCH, SCRATCH + 8, 0n)).toBe(0n);
    key(3);
    expect(mapUpdate(mem, order, h, SCRATCH, SCRATCH + 8, 0n)).toBe(neg(7)); // max_entries 2: full
    key(1);
    expect(mapDelete(mem, order, h, SCRATCH)).toBe(0n);
    expect(mapDelete(mem, order, h, SCRATCH)).toBe(neg(2));
    expect(mapLookup(mem, order, h, SCRATCH)).toBe(0);
    key(3);
    expect(mapUpdate(mem, order, h, SCRATCH, SCRATCH + 8, 0n)).toBe(0n); // room again
  });
});

describe('bpf_redirect_map', () => {
  test('XDP_REDIRECT for a present element, the flags\' action otherwise, XDP_ABORTED for bad flags', () => {
    const xsk: MapDef = { name: 'x', type: MAP_XSKMAP, keySize: 4, valueSize: 4, maxEntries: 4 };
    const dev: MapDef = { name: 'd', type: MAP_DEVMAP, keySize: 4, valueSize: 4, maxEntries: 4 };
    const { maps, mem, order } = setup([xsk, dev]);
    putObject(mem, order, maps[0]!, 1, 9);
    const x = maps[0]!.addr;
    expect(redirectMap(mem, order, x, 1n, 0n)).toBe(4n);
    expect(redirectMap(mem, order, x, 0n, 2n)).toBe(2n); // absent: XDP_PASS from the flags
    expect(redirectMap(mem, order, x, 0n, 0n)).toBe(0n); // absent, no fallback: XDP_ABORTED
    expect(redirectMap(mem, order, x, 1n + (1n << 32n), 0n)).toBe(4n); // the index is a u32
    expect(redirectMap(mem, order, x, 9n, 3n)).toBe(3n); // beyond max_entries: XDP_TX fallback
    expect(redirectMap(mem, order, x, 1n, 1n << 3n)).toBe(0n); // BPF_F_BROADCAST is for device maps only
    expect(redirectMap(mem, order, maps[1]!.addr, 0n, 1n << 3n)).toBe(4n); // broadcast always redirects
    // the lookup helper sees the same element
    mem.store(32, SCRATCH, 4, order, 1);
    expect(mapLookup(mem, order, x, SCRATCH)).not.toBe(0);
    mem.store(32, SCRATCH, 4, order, 2);
    expect(mapLookup(mem, order, x, SCRATCH)).toBe(0);
  });
});

describe('bpf_perf_event_output', () => {
  test('errors as bpf_event_output gives them; records are counted', () => {
    const perf: MapDef = { name: 'p', type: MAP_PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 };
    const { maps, mem, order } = setup([perf]);
    const p = maps[0]!.addr;
    const CUR = 0xffffffffn;
    expect(perfEventOutput(mem, order, p, CUR, SCRATCH, 16, 60)).toBe(neg(2)); // no event open on CPU 0
    putObject(mem, order, maps[0]!, 0, 1);
    expect(perfEventOutput(mem, order, p, CUR, SCRATCH, 16, 60)).toBe(0n);
    expect(perfEventOutput(mem, order, p, CUR | (60n << 32n), SCRATCH, 16, 60)).toBe(0n);
    expect(perfEventOutput(mem, order, p, CUR | (61n << 32n), SCRATCH, 16, 60)).toBe(neg(14)); // more packet than there is
    expect(perfEventOutput(mem, order, p, 5n, SCRATCH, 16, 60)).toBe(neg(7)); // index beyond max_entries
    expect(perfEventOutput(mem, order, p, 1n << 52n, SCRATCH, 16, 60)).toBe(neg(22));
    expect(mem.load(32, p + H_OUTPUTS, 4, order)).toBe(2);
    expect(() => perfEventOutput(mem, order, p, CUR, 0x100, 16, 60)).toThrow(/outside mapped memory/);
  });
});

describe('helper table', () => {
  test('the helpers with their uapi ids reach the map models', () => {
    const t = defaultHelpers();
    const { maps, mem, order, w32 } = setup([{ name: 'a', type: MAP_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 }]);
    const a = BigInt(maps[0]!.addr);
    w32(0, 1);
    w32(8, 77);
    const hctx = { mem, order };
    expect(t.get(2)!.call([a, BigInt(SCRATCH), BigInt(SCRATCH + 8), 0n, 0n], hctx)).toBe(0n); // map_update_elem
    const v = t.get(1)!.call([a, BigInt(SCRATCH), 0n, 0n, 0n], hctx); // map_lookup_elem
    expect(mem.load(32, Number(v), 4, order)).toBe(77);
    expect(t.get(3)!.call([a, BigInt(SCRATCH), 0n, 0n, 0n], hctx)).toBe(neg(22)); // map_delete_elem on an array
    expect(t.get(1)!.name).toBe('map_lookup_elem');
    expect(t.get(51)!.name).toBe('xdp_redirect_map');
  });
});
