// Sample inputs of the realistic corpora, built by hand: Ethernet frames (IPv4 TCP/UDP/
// ICMP, ARP, IPv6, 802.1Q) for packet filters and `struct seccomp_data` records (MIPS O32
// syscall numbers of arch/mips/kernel/syscalls/syscall_o32.tbl) for seccomp filters.
import type { Endian } from '../../../config.ts';

export interface Frame {
  name: string;
  bytes: Uint8Array;
}

const MAC_A = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0a];
const MAC_B = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0b];
const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const ip = (s: string): number[] => s.split('.').map(Number);
const be16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];

function ether(dst: number[], src: number[], type: number, payload: number[]): number[] {
  return [...dst, ...src, ...be16(type), ...payload];
}

/** IPv4 header (no options, checksum left 0: filters do not check it) + payload. */
function ipv4(src: string, dst: string, proto: number, payload: number[], ttl = 64): number[] {
  return [0x45, 0, ...be16(20 + payload.length), 0x12, 0x34, 0x40, 0, ttl, proto, 0, 0, ...ip(src), ...ip(dst), ...payload];
}

function tcp(sport: number, dport: number, flags: number, payload: number[] = []): number[] {
  return [...be16(sport), ...be16(dport), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, ...be16(8192), 0, 0, 0, 0, ...payload];
}

function udp(sport: number, dport: number, payload: number[]): number[] {
  return [...be16(sport), ...be16(dport), ...be16(8 + payload.length), 0, 0, ...payload];
}

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;

export const SAMPLE_FRAMES: readonly Frame[] = [
  { name: 'tcp syn 192.168.1.1 -> 10.0.0.5:80', bytes: ether(MAC_A, MAC_B, 0x0800, ipv4('192.168.1.1', '10.0.0.5', 6, tcp(40000, 80, SYN))) },
  {
    name: 'tls client hello 10.1.2.3 -> 192.168.1.1:443',
    bytes: ether(MAC_A, MAC_B, 0x0800, ipv4('10.1.2.3', '192.168.1.1', 6, tcp(5555, 443, PSH | ACK, [0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]), 50)),
  },
  { name: 'udp dns 10.0.0.7 -> 8.8.8.8:53', bytes: ether(MAC_A, MAC_B, 0x0800, ipv4('10.0.0.7', '8.8.8.8', 17, udp(33333, 53, [0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]))) },
  { name: 'udp ntp 172.16.0.1 -> 172.16.0.2:123', bytes: ether(MAC_A, MAC_B, 0x0800, ipv4('172.16.0.1', '172.16.0.2', 17, udp(123, 123, new Array(48).fill(0x23)))) },
  { name: 'icmp echo 192.168.1.1 -> 192.168.1.2', bytes: ether(MAC_A, MAC_B, 0x0800, ipv4('192.168.1.1', '192.168.1.2', 1, [8, 0, 0, 0, 0, 1, 0, 1, ...new Array(16).fill(0x61)])) },
  {
    name: 'arp who-has 192.168.1.2',
    bytes: ether(BROADCAST, MAC_B, 0x0806, [0, 1, 8, 0, 6, 4, 0, 1, ...MAC_B, ...ip('192.168.1.1'), 0, 0, 0, 0, 0, 0, ...ip('192.168.1.2')]),
  },
  {
    name: 'ipv6 tcp :22',
    bytes: ether(MAC_A, MAC_B, 0x86dd, [0x60, 0, 0, 0, ...be16(20), 6, 64, ...new Array(15).fill(0), 1, ...new Array(15).fill(0), 2, ...tcp(50000, 22, SYN)]),
  },
  { name: '802.1q vlan 5 tcp :80', bytes: ether(MAC_A, MAC_B, 0x8100, [0, 5, 0x08, 0x00, ...ipv4('10.0.0.9', '10.0.0.5', 6, tcp(1234, 80, SYN))]) },
  { name: 'tcp 10.0.0.1 -> :22 150 bytes', bytes: ether(MAC_A, MAC_B, 0x0800, ipv4('10.0.0.1', '10.0.0.2', 6, tcp(60000, 22, ACK, new Array(96).fill(0x42)))) },
  { name: 'tcp 192.168.7.7 -> :1500 ttl 30', bytes: ether(MAC_A, MAC_B, 0x0800, ipv4('192.168.7.7', '192.168.7.8', 6, tcp(1500, 1501, ACK), 30)) },
].map((f) => ({ name: f.name, bytes: Uint8Array.from(f.bytes) }));

export interface SeccompSample {
  name: string;
  /** `struct seccomp_data` in the target's byte order (64 bytes). */
  bytes: Uint8Array;
}

const AUDIT_ARCH_MIPS = 8;
const AUDIT_ARCH_LE = 0x40000000;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const O32 = 4000;

/** seccomp_data {int nr; u32 arch; u64 instruction_pointer; u64 args[6]}. */
function seccompData(endian: Endian, nr: number, args: number[], arch?: number): Uint8Array {
  const b = new Uint8Array(64);
  const v = new DataView(b.buffer);
  const le = endian === 'le';
  v.setInt32(0, nr, le);
  v.setUint32(4, arch ?? (le ? AUDIT_ARCH_MIPS | AUDIT_ARCH_LE : AUDIT_ARCH_MIPS), le);
  v.setBigUint64(8, 0x00400120n, le);
  args.forEach((a, i) => v.setBigUint64(16 + 8 * i, BigInt.asUintN(64, BigInt(a)), le));
  return b;
}

export function seccompSamples(endian: Endian): SeccompSample[] {
  const s = (name: string, nr: number, args: number[] = [], arch?: number): SeccompSample => ({ name, bytes: seccompData(endian, O32 + nr, args, arch) });
  return [
    s('read(0, buf, 100)', 3, [0, 0x7fff0000, 100]),
    s('read(0, buf, 8192)', 3, [0, 0x7fff0000, 8192]),
    s('write(1, buf, 10)', 4, [1, 0x7fff0000, 10]),
    s('write(5, buf, 10)', 4, [5, 0x7fff0000, 10]),
    s('getpid()', 20),
    s('ptrace(0)', 26, [0]),
    s('mount()', 21),
    s('reboot()', 88),
    s('socket(AF_INET)', 183, [2, 1, 0]),
    s('socket(AF_UNIX)', 183, [1, 1, 0]),
    s('mmap(prot=rw)', 90, [0, 4096, 3, 0x22]),
    s('mmap(prot=rwx)', 90, [0, 4096, 7, 0x22]),
    s('kexec_load()', 311),
    s('init_module()', 128),
    s('exit_group(0)', 246, [0]),
    s('x86_64 read', 0 - O32, [0, 0, 1], AUDIT_ARCH_X86_64),
  ];
}
