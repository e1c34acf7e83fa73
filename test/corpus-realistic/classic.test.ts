// Classic BPF conversion (the tree's own bpf_convert_filter, compiled on the host) and the
// `classic` corpus. Expected eBPF is hand-derived from the kernel's documented rules
// (Documentation/networking/filter.rst, "eBPF ... conversion"; filter.c's comments):
// prologue A = 0 (xor32 r0), X = 0 (xor32 r7), CTX saved in r6; RET K -> mov32 r0, K;
// exit. Needs the kernel tree and gcc -m32; skipped, visibly, without them.
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Insn } from '../../src/bpf/opcodes.ts';
import { ConcreteMemory } from '../../src/bv/memory.ts';
import { defaultHelpers, classicCalleeId } from '../../src/bpf/helpers.ts';
import { MIPS32_SKB_LAYOUT, skbContext, type SkbFields } from '../../src/bpf/skb.ts';
import { convertClassic } from '../../src/verify/corpus/classic/convert.ts';
import { defaultTreeDir, loadAnyCorpus } from '../../src/verify/corpus/index.ts';
import { runTestInterp } from '../../src/verify/interp-runner.ts';
import { LAYOUT } from '../../src/verify/jit-runner.ts';
import { CTX_BASE } from '../../src/bpf/interpreter.ts';

const tree = [defaultTreeDir, '/tmp/ks/linux-source-6.12'].find((d) => existsSync(`${d}/net/core/filter.c`));
const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
// the converted program's fixed start (A = r0, X = r7, CTX = r6)
const PROLOGUE = [I(0xac, 0, 0, 0, 0), I(0xac, 7, 7, 0, 0), I(0xbf, 6, 1, 0, 0)];
const c = (code: number, k: number, jt = 0, jf = 0): { code: number; jt: number; jf: number; k: number } => ({ code, jt, jf, k });

describe.skipIf(!tree)('the kernel\'s classic conversion', () => {
  test('hand-written programs convert as the kernel documents', async () => {
    const [retK, len, div, seccomp, jump] = await convertClassic(tree!, 'be', [
      { kind: 'socket', insns: [c(0x06, 0xffff)] }, // ret #0xffff
      { kind: 'socket', insns: [c(0x80, 0), c(0x16, 0)] }, // ld len; ret a
      { kind: 'socket', insns: [c(0x3c, 0), c(0x16, 0)] }, // div x; ret a
      { kind: 'seccomp', insns: [c(0x20, 4), c(0x16, 0)] }, // ld [4] (seccomp_data.arch); ret a
      { kind: 'socket', insns: [c(0x15, 7, 0, 1), c(0x06, 1), c(0x06, 0)] }, // jeq #7, L1, L2
    ]);
    expect(retK).toEqual({ ok: true, stackDepth: 0, callees: [], insns: [...PROLOGUE, I(0xb4, 0, 0, 0, 0xffff), I(0x95, 0, 0, 0, 0)] });
    // skb->len at the MIPS32 offset the probe measured (80)
    expect(len).toMatchObject({ ok: true, insns: [...PROLOGUE, I(0x61, 0, 6, 80, 0), I(0x95, 0, 0, 0, 0)] });
    // div by X: X zero-extended, a zero X returns 0, then div32 a, x
    expect(div).toMatchObject({
      ok: true,
      insns: [...PROLOGUE, I(0xbc, 7, 7, 0, 0), I(0x55, 7, 0, 2, 0), I(0xac, 0, 0, 0, 0), I(0x95, 0, 0, 0, 0), I(0x3c, 0, 7, 0, 0), I(0x95, 0, 0, 0, 0)],
    });
    // seccomp_check_filter rewrites ld [k] into a load from the seccomp_data context
    expect(seccomp).toMatchObject({ ok: true, insns: [...PROLOGUE, I(0x61, 0, 6, 4, 0), I(0x95, 0, 0, 0, 0)] });
    // jf == 0 ... here jt == 0: JEQ becomes JNE to the false target
    expect(jump).toMatchObject({
      ok: true,
      insns: [...PROLOGUE, I(0x55, 0, 0, 2, 7), I(0xb4, 0, 0, 0, 1), I(0x95, 0, 0, 0, 0), I(0xb4, 0, 0, 0, 0), I(0x95, 0, 0, 0, 0)],
    });
  });

  test('bad programs are rejected with -EINVAL, as bpf_check_classic does', async () => {
    const got = await convertClassic(tree!, 'le', [
      { kind: 'socket', insns: [c(0x64, 32), c(0x16, 0)] }, // lsh #32
      { kind: 'socket', insns: [c(0x00, 1)] }, // no ret at the end
      { kind: 'socket', insns: [c(0x60, 3), c(0x16, 0)] }, // ld M[3] before any store
      { kind: 'seccomp', insns: [c(0x20, 2), c(0x16, 0)] }, // unaligned seccomp_data load
      { kind: 'socket', insns: [] },
    ]);
    expect(got).toEqual(got.map(() => ({ ok: false, errno: -22 })));
  });

  test('LD_ABS converts to a direct load with a call of bpf_skb_load_helper_16 behind it', async () => {
    const [p] = await convertClassic(tree!, 'be', [{ kind: 'socket', insns: [c(0x28, 12), c(0x16, 0)] }]);
    expect(p!.ok).toBe(true);
    if (!p!.ok) return;
    expect(p.callees).toEqual(['bpf_skb_load_helper_16']);
    // data in r8 from skb->data (160), headlen in r9 = len (80) - data_len (84)
    expect(p.insns.slice(3, 7)).toEqual([I(0x61, 8, 6, 160, 0), I(0x61, 9, 6, 80, 0), I(0x61, 2, 6, 84, 0), I(0x1c, 9, 2, 0, 0)]);
    expect(p.insns.find((i) => i.code === 0x85)?.imm).toBe(classicCalleeId('bpf_skb_load_helper_16'));
  });
});

describe('skb helper models', () => {
  const fields: SkbFields = { protocol: 0x800, pktType: 3, mark: 1, hash: 2, queueMapping: 3, vlanTci: 4, vlanProto: 0x800, ifindex: 5, devType: 6, macOffset: 0, networkOffset: 14 };
  const helpers = defaultHelpers();
  const call = (name: string, args: bigint[], mem: ConcreteMemory, order: 'be' | 'le'): bigint =>
    helpers.get(classicCalleeId(name)!)!.call(args, { mem, order });

  test('the simulator and the interpreter map the context at the same address', () => {
    expect(LAYOUT.ctx).toBe(CTX_BASE);
  });

  test('loads are big-endian, reach into the fragment, and fail with -EFAULT beyond the packet', () => {
    for (const order of ['be', 'le'] as const) {
      const packet = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
      const frag = Uint8Array.from([0xa0, 0xa1, 0xa2, 0xa3]);
      const { bytes, skb } = skbContext(CTX_BASE, MIPS32_SKB_LAYOUT, order, packet, { ...fields, networkOffset: 2 }, frag);
      const mem = new ConcreteMemory();
      mem.map('ctx', CTX_BASE, bytes);
      const data = BigInt(new DataView(bytes.buffer).getUint32(MIPS32_SKB_LAYOUT.data, order === 'le'));
      const args = (off: number): bigint[] => [BigInt(skb), data, 8n, BigInt.asUintN(64, BigInt(off)), 0n];
      expect(call('bpf_skb_load_helper_16', args(2), mem, order)).toBe(0x0203n);
      expect(call('bpf_skb_load_helper_32', args(6), mem, order)).toBe(0x0607a0a1n); // linear + fragment
      expect(call('bpf_skb_load_helper_8', args(11), mem, order)).toBe(0xa3n);
      expect(call('bpf_skb_load_helper_8', args(12), mem, order)).toBe(BigInt.asUintN(64, -14n));
      // SKF_NET_OFF + 1: one byte past the network header (2 + 1 = packet byte 3)
      expect(call('bpf_skb_load_helper_8', args(-0x100000 + 1), mem, order)).toBe(0x03n);
      // below SKF_LL_OFF nothing is addressable
      expect(call('bpf_skb_load_helper_8', args(-0x200001), mem, order)).toBe(BigInt.asUintN(64, -14n));
      // skb fields at the layout's offsets, in the target's order
      const v = new DataView(bytes.buffer);
      expect(v.getUint32(MIPS32_SKB_LAYOUT.len, order === 'le')).toBe(12);
      expect(v.getUint32(MIPS32_SKB_LAYOUT.dataLen, order === 'le')).toBe(4);
      expect(v.getUint16(MIPS32_SKB_LAYOUT.protocol, false)).toBe(0x800);
    }
  });
});

describe.skipIf(!tree)('corpus classic', () => {
  for (const endian of ['be', 'le'] as const) {
    test(`all 134 classic tests convert as test_bpf expects and pass in the interpreter (${endian})`, async () => {
      let progs;
      try {
        progs = await loadAnyCorpus(tree!, 'classic', endian);
      } catch {
        return; // no corpus cache (`jitgen corpus import`): covered by the conversion tests above
      }
      expect(progs.length).toBe(134);
      expect(progs.filter((p) => p.skip?.startsWith('MISMATCH'))).toEqual([]);
      const runnable = progs.filter((p) => p.skip === undefined);
      expect(runnable.length).toBe(122);
      const failed = runnable.map((p) => [p.id, runTestInterp(p, endian)] as const).filter(([, o]) => !o.ok);
      expect(failed).toEqual([]);
    });
  }
});
