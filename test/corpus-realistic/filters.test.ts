// The `filters` corpus: libpcap / libseccomp output from the project's probe, converted by
// the kernel's own conversion, interpreted on hand-built samples. Expected verdicts are
// hand-derived from what each expression / policy means. Needs the kernel tree, gcc,
// libpcap-dev and libseccomp-dev; skipped, visibly, without the tree.
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { TestProgram } from '../../src/bpf/program.ts';
import { defaultTreeDir } from '../../src/verify/corpus/index.ts';
import { loadFilters } from '../../src/verify/corpus/realistic/filters.ts';
import { SAMPLE_FRAMES, seccompSamples } from '../../src/verify/corpus/realistic/samples.ts';
import { runTestInterp } from '../../src/verify/interp-runner.ts';

const tree = [defaultTreeDir, '/tmp/ks/linux-source-6.12'].find((d) => existsSync(`${d}/net/core/filter.c`));
const frame = (prefix: string): number => SAMPLE_FRAMES.findIndex((f) => f.name.startsWith(prefix));
const sample = (prefix: string): number => seccompSamples('be').findIndex((s) => s.name.startsWith(prefix));

describe.skipIf(!tree)('corpus filters', () => {
  for (const endian of ['be', 'le'] as const) {
    test(`pcap and seccomp filters give the verdicts their source says (${endian})`, async () => {
      const progs = await loadFilters(tree!, endian);
      const by = (name: string): TestProgram => progs.find((p) => p.name === name)!;
      expect(progs.filter((p) => p.skip !== undefined)).toEqual([]);
      const verdict = (name: string, i: number): number => by(name).expect[i]!.result;
      // pcap returns the snap length (non-zero) to accept, 0 to reject
      expect(verdict('tcp', frame('tcp syn'))).not.toBe(0);
      expect(verdict('tcp', frame('udp dns'))).toBe(0);
      expect(verdict('tcp', frame('arp'))).toBe(0);
      expect(verdict('udp dst port 53', frame('udp dns'))).not.toBe(0);
      expect(verdict('udp dst port 53', frame('udp ntp'))).toBe(0);
      expect(verdict('tcp port 80', frame('tcp syn'))).not.toBe(0);
      expect(verdict('tcp port 80', frame('tls'))).toBe(0);
      expect(verdict('arp', frame('arp'))).not.toBe(0);
      expect(verdict('greater 100', frame('tcp 10.0.0.1'))).not.toBe(0);
      expect(verdict('greater 100', frame('tcp syn'))).toBe(0);
      expect(verdict('vlan and tcp', frame('802.1q'))).not.toBe(0);
      expect(verdict('ip[8] < 64', frame('tcp 192.168.7.7'))).not.toBe(0);
      expect(verdict('ip[8] < 64', frame('tcp syn'))).toBe(0);
      expect(verdict('tcp dst port 443 and (tcp[((tcp[12:1] & 0xf0) >> 2):1] = 0x16)', frame('tls'))).not.toBe(0);
      // seccomp: SECCOMP_RET_ALLOW 0x7fff0000, KILL_PROCESS 0x80000000, KILL_THREAD 0,
      // ERRNO 0x00050000 | errno
      expect(verdict('allow-list', sample('getpid'))).toBe(0x7fff0000);
      expect(verdict('allow-list', sample('ptrace'))).toBe(0x80000000);
      expect(verdict('deny-list', sample('ptrace'))).toBe(0x00050000 | 1);
      // the probe's ENOSYS is the host's (38; MIPS's is 89): libseccomp takes the number as given
      expect(verdict('deny-list', sample('kexec_load'))).toBe(0x00050000 | 38);
      expect(verdict('deny-list', sample('getpid'))).toBe(0x7fff0000);
      expect(verdict('arguments', sample('write(1'))).toBe(0x7fff0000);
      expect(verdict('arguments', sample('write(5'))).toBe(0x00050000 | 13);
      expect(verdict('arguments', sample('socket(AF_UNIX'))).toBe(0x00050000 | 13);
      expect(verdict('arguments', sample('read(0, buf, 8192'))).toBe(0x00050000 | 13);
      expect(verdict('arguments', sample('mmap(prot=rwx'))).toBe(0x00050000 | 13);
      expect(verdict('arguments', sample('mmap(prot=rw)'))).toBe(0x7fff0000);
      // a foreign architecture is killed by every libseccomp filter (default bad-arch action)
      for (const p of ['allow-list', 'deny-list', 'arguments']) expect(verdict(p, sample('x86_64'))).not.toBe(0x7fff0000);
      // and each program reproduces its expectations when run again through the runner
      expect(progs.map((p) => [p.id, runTestInterp(p, endian).ok])).toEqual(progs.map((p) => [p.id, true]));
    });
  }
});
