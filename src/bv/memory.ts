// Concrete memory: a set of named regions in a 32-bit address space, bounds checked.
// Both the BPF interpreter (64-bit addresses whose high word must be zero on a 32-bit
// target) and the MIPS simulator use it.
import type { Num } from './concrete.ts';
import { MemoryFault, type AccessSize, type ByteOrder, type Memory, type Width } from './types.ts';

export interface Region {
  readonly name: string;
  readonly base: number;
  readonly bytes: Uint8Array;
  readonly writable: boolean;
}

export class ConcreteMemory implements Memory<Num> {
  private readonly regions: Region[] = [];
  /** Last region hit: most programs touch one region many times in a row. */
  private last: Region | undefined;

  map(name: string, base: number, bytes: Uint8Array, writable = true): Region {
    const end = base + bytes.length;
    if (base < 0 || end > 2 ** 32) throw new Error(`region ${name} outside the 32-bit address space`);
    for (const r of this.regions) {
      if (base < r.base + r.bytes.length && r.base < end) {
        throw new Error(`region ${name} overlaps ${r.name}`);
      }
    }
    const region = { name, base, bytes, writable };
    this.regions.push(region);
    return region;
  }

  unmap(name: string): void {
    const i = this.regions.findIndex((r) => r.name === name);
    if (i >= 0) this.regions.splice(i, 1);
    this.last = undefined;
  }

  region(name: string): Region | undefined {
    return this.regions.find((r) => r.name === name);
  }

  /** The region and offset holding [addr, addr + size), or a bounds fault. */
  private find(aw: Width, addr: Num, size: number, write: boolean): [Region, number] {
    let a: number;
    if (typeof addr === 'bigint') {
      if (addr >= 1n << 32n) throw this.fault(Number(addr & 0xffffffffn), size, write, aw, addr);
      a = Number(addr);
    } else {
      a = addr;
    }
    const hit = this.last;
    if (hit && a >= hit.base && a + size <= hit.base + hit.bytes.length) {
      if (write && !hit.writable) throw this.fault(a, size, write, aw, addr);
      return [hit, a - hit.base];
    }
    for (const r of this.regions) {
      if (a >= r.base && a + size <= r.base + r.bytes.length) {
        if (write && !r.writable) throw this.fault(a, size, write, aw, addr);
        this.last = r;
        return [r, a - r.base];
      }
    }
    throw this.fault(a, size, write, aw, addr);
  }

  private fault(a: number, size: number, write: boolean, aw: Width, addr: Num): MemoryFault {
    const shown = aw > 32 ? `0x${addr.toString(16)}` : `0x${a.toString(16).padStart(8, '0')}`;
    return new MemoryFault('bounds', a, size, `${write ? 'store' : 'load'} of ${size} bytes at ${shown} is outside mapped memory`);
  }

  load(aw: Width, addr: Num, size: AccessSize, order: ByteOrder): Num {
    const [r, off] = this.find(aw, addr, size, false);
    const m = r.bytes;
    if (size === 1) return m[off]!;
    if (size === 2) return order === 'be' ? (m[off]! << 8) | m[off + 1]! : m[off]! | (m[off + 1]! << 8);
    if (size === 4) return read32(m, off, order);
    const first = read32(m, off, order);
    const second = read32(m, off + 4, order);
    const [hi, lo] = order === 'be' ? [first, second] : [second, first];
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  store(aw: Width, addr: Num, size: AccessSize, order: ByteOrder, value: Num): void {
    const [r, off] = this.find(aw, addr, size, true);
    const m = r.bytes;
    if (size === 8) {
      const v = typeof value === 'bigint' ? value : BigInt(value);
      const hi = Number(v >> 32n) >>> 0;
      const lo = Number(v & 0xffffffffn) >>> 0;
      write32(m, off, order === 'be' ? hi : lo, order);
      write32(m, off + 4, order === 'be' ? lo : hi, order);
      return;
    }
    const v = Number(value) >>> 0;
    if (size === 1) m[off] = v & 0xff;
    else if (size === 2) {
      const [a, b] = order === 'be' ? [v >>> 8, v] : [v, v >>> 8];
      m[off] = a & 0xff;
      m[off + 1] = b & 0xff;
    } else write32(m, off, v, order);
  }
}

function read32(m: Uint8Array, off: number, order: ByteOrder): number {
  return order === 'be'
    ? ((m[off]! << 24) | (m[off + 1]! << 16) | (m[off + 2]! << 8) | m[off + 3]!) >>> 0
    : ((m[off + 3]! << 24) | (m[off + 2]! << 16) | (m[off + 1]! << 8) | m[off]!) >>> 0;
}

function write32(m: Uint8Array, off: number, v: number, order: ByteOrder): void {
  if (order === 'be') {
    m[off] = v >>> 24;
    m[off + 1] = (v >>> 16) & 0xff;
    m[off + 2] = (v >>> 8) & 0xff;
    m[off + 3] = v & 0xff;
  } else {
    m[off] = v & 0xff;
    m[off + 1] = (v >>> 8) & 0xff;
    m[off + 2] = (v >>> 16) & 0xff;
    m[off + 3] = v >>> 24;
  }
}
