// Corpus `filters`: classic filters as tcpdump (libpcap's pcap_compile) and seccomp users
// (libseccomp's seccomp_export_bpf) produce them, compiled by the project's probe
// (tools/probes/filters.c, built into the cache at first use), converted by the tree's
// own bpf_convert_filter (../classic/convert.ts), run on hand-built sample packets (as
// skbs) and seccomp_data records. The expected results are the reference interpreter's:
// the JIT must agree with it. Identity `filters:<n>:<expression or policy>`.
import { runTool } from '../../../tool.ts';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Endian } from '../../../config.ts';
import type { ClassicInsn, Expectation, TestProgram } from '../../../bpf/program.ts';
import { CTX_BASE, Interpreter } from '../../../bpf/interpreter.ts';
import { defaultHelpers } from '../../../bpf/helpers.ts';
import { MIPS32_SKB_LAYOUT, skbContext, type SkbFields } from '../../../bpf/skb.ts';
import { InputError } from '../../../errors.ts';
import { cacheDir, repoRoot } from '../../../paths.ts';
import { convertClassic, type ClassicKind } from '../classic/convert.ts';
import { calleeList } from '../classic/index.ts';
import { SAMPLE_FRAMES, seccompSamples, type Frame } from './samples.ts';

export const PROBE_SOURCE = join(repoRoot, 'tools/probes/filters.c');

export interface ProbeFilter {
  kind: ClassicKind;
  name: string;
  insns: ClassicInsn[];
}


/** Builds the probe (cached by its source's hash) and returns the executable. */
export async function buildProbe(progress?: (m: string) => void): Promise<string> {
  const src = readFileSync(PROBE_SOURCE, 'utf8');
  const key = createHash('sha256').update(src).digest('hex').slice(0, 16);
  const dir = join(cacheDir, 'probes', key);
  const exe = join(dir, 'filters');
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  progress?.('compiling tools/probes/filters.c against libpcap and libseccomp');
  const tmp = `${exe}.${process.pid}`;
  await runTool('gcc', ['-O1', '-Wall', '-o', tmp, PROBE_SOURCE, '-lpcap', '-lseccomp'], 'gcc (filters probe; needs libpcap-dev, libseccomp-dev)');
  renameSync(tmp, exe);
  return exe;
}

/** Parses the probe's output (format in tools/probes/filters.c). */
export function parseProbe(out: string): ProbeFilter[] {
  const lines = out.split('\n');
  const res: ProbeFilter[] = [];
  let i = 0;
  for (;;) {
    const head = lines[i++];
    if (head === 'E') return res;
    const m = head === undefined ? null : /^([SC]) (\S+) (\d+)$/.exec(head);
    if (!m) throw new InputError(`filters probe: unexpected line '${head ?? '(end of output)'}'`);
    const insns: ClassicInsn[] = [];
    for (let k = 0; k < Number(m[3]); k++) {
      const [code, jt, jf, kk] = lines[i++]!.split(' ').map(Number);
      insns.push({ code: code!, jt: jt!, jf: jf!, k: kk! >>> 0 });
    }
    res.push({ kind: m[1] === 'C' ? 'seccomp' : 'socket', name: m[2]!.replace(/_/g, ' '), insns });
  }
}

/** The probe's filters for one byte order (seccomp filters are built for mips / mipsel). */
export async function probeFilters(endian: Endian, progress?: (m: string) => void): Promise<ProbeFilter[]> {
  const exe = await buildProbe(progress);
  return parseProbe((await runTool(exe, [endian === 'be' ? 'mips' : 'mipsel'], 'filters probe')).toString('utf8'));
}

/** The skb a captured frame arrives in: protocol from its EtherType, headers reset. */
export function frameFields(f: Frame): SkbFields {
  const type = (f.bytes[12]! << 8) | f.bytes[13]!;
  return {
    protocol: type,
    pktType: 0, // PACKET_HOST
    mark: 0,
    hash: 0,
    queueMapping: 0,
    vlanTci: 0,
    vlanProto: 0,
    ifindex: 2,
    devType: 1, // ARPHRD_ETHER
    macOffset: 0,
    networkOffset: 14,
  };
}

/**
 * The corpus for one byte order: each filter with one sub-test per sample (packets for
 * pcap filters, seccomp_data records for seccomp filters), its expected result what the
 * reference interpreter returns.
 */
export async function loadFilters(tree: string, endian: Endian, progress?: (m: string) => void): Promise<TestProgram[]> {
  const filters = await probeFilters(endian, progress);
  const convs = await convertClassic(tree, endian, filters, { progress });
  const packets = SAMPLE_FRAMES.map((f) => skbContext(CTX_BASE, MIPS32_SKB_LAYOUT, endian, f.bytes, frameFields(f)).bytes);
  const records = seccompSamples(endian);
  return filters.map((f, n) => {
    const conv = convs[n]!;
    const base = {
      id: `filters:${n}:${f.name}`,
      corpus: 'filters',
      index: n,
      name: f.name,
      flags: 0,
      verifierZext: false,
      data: new Uint8Array(0),
      runs: 1,
      classicInsns: f.insns,
    };
    if (!conv.ok) return { ...base, insns: [], stackDepth: 0, expect: [], skip: `the kernel's conversion rejects it (${conv.errno})` };
    const contexts = f.kind === 'seccomp' ? records.map((r) => r.bytes) : packets;
    const prog: TestProgram = { ...base, insns: conv.insns, stackDepth: conv.stackDepth, expect: [] };
    if (conv.callees.length) prog.helpers = calleeList(conv.callees);
    const interp = new Interpreter(prog, { order: endian, helpers: defaultHelpers() });
    const byExpectation = new Map<Expectation, Uint8Array>();
    for (const ctx of contexts) {
      const e: Expectation = { dataSize: ctx.length, result: Number(interp.run({ ctx: Uint8Array.from(ctx) }).r0 & 0xffffffffn) };
      prog.expect.push(e);
      byExpectation.set(e, ctx);
    }
    prog.context = (e) => Uint8Array.from(byExpectation.get(e) ?? []);
    return prog;
  });
}
