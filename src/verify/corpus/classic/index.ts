// Corpus `classic`: test_bpf's classic (sock_filter) tests, converted to eBPF by the
// tree's own bpf_convert_filter (convert.ts) and run on an skb built as test_bpf's
// populate_skb() builds it (src/bpf/skb.ts). Identity `classic:<test_bpf index>:<name>`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Endian } from '../../../config.ts';
import type { ClassicInsn, Expectation, TestProgram } from '../../../bpf/program.ts';
import { CTX_BASE } from '../../../bpf/interpreter.ts';
import { classicCalleeId } from '../../../bpf/helpers.ts';
import { MIPS32_SKB_LAYOUT, skbContext, type SkbFields, type SkbLayout } from '../../../bpf/skb.ts';
import { InputError } from '../../../errors.ts';
import { FLAG_EXPECTED_FAIL, FLAG_SKB_FRAG } from '../model.ts';
import { convertClassic, type Conversion, type ConverterOptions } from './convert.ts';

const ETH_P_IP = 0x0800;
const ETH_HLEN = 14;

/**
 * The skb fields test_bpf's populate_skb() sets, with the SKB_* values read from the
 * tree's lib/test_bpf.c (they are inputs of the tests, not results).
 */
export function testBpfSkbFields(tree: string): (dataSize: number) => SkbFields {
  const text = readFileSync(join(tree, 'lib/test_bpf.c'), 'utf8');
  const def = (name: string): number => {
    const m = new RegExp(`^#define\\s+${name}\\s+(0x[0-9a-fA-F]+|\\d+)\\s*$`, 'm').exec(text);
    if (!m) throw new InputError(`lib/test_bpf.c: no #define ${name}`);
    return Number(m[1]);
  };
  const fixed = {
    protocol: ETH_P_IP,
    pktType: def('SKB_TYPE'),
    mark: def('SKB_MARK'),
    hash: def('SKB_HASH'),
    queueMapping: def('SKB_QUEUE_MAP'),
    vlanTci: def('SKB_VLAN_TCI'),
    vlanProto: ETH_P_IP,
    ifindex: def('SKB_DEV_IFINDEX'),
    devType: def('SKB_DEV_TYPE'),
    macOffset: 0, // skb_reset_mac_header()
  };
  return (dataSize) => ({ ...fixed, networkOffset: Math.min(dataSize, ETH_HLEN) });
}

/** The helpers list of a converted program: the kernel functions it calls, by jitgen id. */
export function calleeList(callees: readonly string[]): { name: string; id: number }[] {
  return callees.map((c) => ({ name: c.replace(/^bpf_/, ''), id: classicCalleeId(c)! }));
}

/**
 * A converted program, or the reason it has none: a test that must be rejected and is
 * (with the expected error) is skipped as done; any other outcome is named in `skip` with
 * the prefix MISMATCH, which the corpus tests count as failures.
 */
export function classicProgram(
  base: TestProgram,
  conv: Conversion,
  context: ((e: Expectation) => Uint8Array) | undefined,
): TestProgram {
  const id = `classic:${base.index}:${base.name}`;
  const common = { ...base, id, corpus: 'classic', verifierZext: false };
  delete common.skip;
  const mustFail = (base.flags & FLAG_EXPECTED_FAIL) !== 0;
  if (!conv.ok) {
    const reason =
      mustFail && conv.errno === base.expectedErrcode
        ? `rejected by the kernel's classic checks with ${conv.errno}, as the test expects (nothing to run)`
        : `MISMATCH: the kernel's conversion fails with ${conv.errno}`;
    return { ...common, insns: [], skip: reason };
  }
  if (mustFail) return { ...common, insns: [], skip: `MISMATCH: converted, but the test expects error ${base.expectedErrcode}` };
  const prog: TestProgram = { ...common, insns: conv.insns, stackDepth: conv.stackDepth };
  if (conv.callees.length) prog.helpers = calleeList(conv.callees);
  if (context) prog.context = context;
  return prog;
}

export interface ClassicOptions extends ConverterOptions {
  layout?: SkbLayout;
}

/**
 * The classic corpus for one byte order from test_bpf's classic tests (`testBpf`: the
 * loaded test_bpf corpus of the same tree and byte order).
 */
export async function loadClassic(tree: string, endian: Endian, testBpf: readonly TestProgram[], opts: ClassicOptions = {}): Promise<TestProgram[]> {
  const layout = opts.layout ?? MIPS32_SKB_LAYOUT;
  const classic = testBpf.filter((p): p is TestProgram & { classicInsns: ClassicInsn[] } => p.classicInsns !== undefined);
  const convs = await convertClassic(
    tree,
    endian,
    classic.map((p) => ({ kind: 'socket' as const, insns: p.classicInsns })),
    { ...opts, layout },
  );
  const fields = testBpfSkbFields(tree);
  return classic.map((p, i) => {
    const context = (e: Expectation): Uint8Array => {
      const frag = p.flags & FLAG_SKB_FRAG ? p.fragData : undefined;
      const packet = p.data.subarray(0, e.dataSize);
      return skbContext(CTX_BASE, layout, endian, packet, fields(e.dataSize), frag).bytes;
    };
    return classicProgram(p, convs[i]!, context);
  });
}
