// Corpus `xdp`: the BPF objects Debian's libxdp1 installs (/usr/lib/*/bpf/*.o: the XDP
// dispatcher, xdp-filter's variants, xdpdump, the AF_XDP default program), and the path
// every object corpus shares (kernel-samples.ts uses it too): load an object's programs,
// lay out its maps in memory, bind the map references the way the verifier does, and run
// each program on sample frames. Expected results are the reference interpreter's.
//
// Memory of one run (the buffer R1 points to, mapped at CTX_BASE by the interpreter and at
// LAYOUT.ctx by the JIT runner, the same address): `struct xdp_md` at 0 (and the two
// xdp_buff fields the adjust helpers need, helpers.ts), XDP's 256 bytes of headroom from
// 64, the frame, then from MAPS_OFFSET every map of the object (src/bpf/maps.ts).
// Each sub-test gets a fresh copy, so maps start as the corpus set them up. The program
// reads `struct xdp_md` itself: the verifier's rewrite of context accesses into
// `struct xdp_buff` loads is not applied (as for every corpus, DESIGN.md "JIT's input").
import { stackDepthOf } from '../../../bpf/stack-depth.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Endian } from '../../../config.ts';
import { ConcreteMemory } from '../../../bv/memory.ts';
import { BpfFault, CTX_BASE, Interpreter } from '../../../bpf/interpreter.ts';
import { defaultHelpers, XDP_BUFF_HARD_END, XDP_BUFF_HARD_START } from '../../../bpf/helpers.ts';
import * as op from '../../../bpf/opcodes.ts';
import type { Expectation, MapDef, Program, TestProgram } from '../../../bpf/program.ts';
import { listElfPrograms, loadProgramBytes } from '../../../bpf/loaders/index.ts';
import { parseElf } from '../../../bpf/loaders/elf-file.ts';
import { arrayValueBase, layoutMaps, putElement, putObject, writeHeaders, type MapLayout } from '../../../bpf/maps.ts';
import { InputError } from '../../../errors.ts';
import { LAYOUT } from '../../jit-runner.ts';
import { SAMPLE_FRAMES, type Frame } from './samples.ts';

/** Offsets in the run's buffer. */
export const XDP_MD_BYTES = 24;
export const XDP_PACKET_HEADROOM = 256;
export const HEADROOM_OFFSET = 64;
export const PACKET_OFFSET = HEADROOM_OFFSET + XDP_PACKET_HEADROOM;
export const MAX_FRAME = 1664;
export const MAPS_OFFSET = PACKET_OFFSET + MAX_FRAME;
/** ingress_ifindex every frame arrives on. */
export const INGRESS_IFINDEX = 2;

if (CTX_BASE !== LAYOUT.ctx) throw new Error('interpreter and JIT runner map the context at different addresses');

/** A frame and the receive queue it arrives on (xdp_md.rx_queue_index). */
export interface XdpInput {
  frame: Frame;
  rxQueue: number;
}

/** The sample frames of realistic/samples.ts, alternating queues 0 and 1, plus a runt. */
export const XDP_INPUTS: readonly XdpInput[] = [
  ...SAMPLE_FRAMES.map((frame, i) => ({ frame, rxQueue: i % 2 })),
  // shorter than an Ethernet header: the programs' bounds checks must catch it
  { frame: { name: 'runt (10 bytes)', bytes: Uint8Array.from([2, 0, 0, 0, 0, 0x0a, 2, 0, 0, 0]) }, rxQueue: 0 },
];

/** Puts what user space would into an object's maps before the program runs. */
export type MapSetup = (maps: ReadonlyMap<string, MapLayout>, mem: ConcreteMemory, order: Endian) => void;

/** One program of an object, ready to run: references bound, memory image built. */
export interface BoundProgram {
  program: Program;
  maps: MapLayout[];
  /** The buffer's bytes from MAPS_OFFSET on: map headers, initial data, set-up elements. */
  mapImage: Uint8Array;
}


/** Initial bytes of the object's data sections, by section name (zeros for .bss). */
function sectionData(bytes: Uint8Array, path: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const s of parseElf(bytes, path).sections) out.set(s.name, s.data);
  return out;
}

/**
 * Lays out `prog.maps` after the frame area, fills data sections with the object's
 * initial bytes, runs `setup`, and rewrites every map reference into the plain LD_IMM64
 * of an address (the verifier's resolve_pseudo_ldimm64 + convert_pseudo_ld_imm64).
 */
export function bindProgram(prog: Program, elfBytes: Uint8Array, path: string, endian: Endian, setup?: MapSetup): BoundProgram {
  const defs: MapDef[] = prog.maps ?? [];
  const base = CTX_BASE + MAPS_OFFSET;
  const { maps, bytes } = layoutMaps(defs, base);
  const image = new Uint8Array(bytes);
  const mem = new ConcreteMemory();
  mem.map('maps', base, image);
  writeHeaders(mem, endian, maps);
  const data = sectionData(elfBytes, path);
  for (const m of maps) {
    const init = data.get(m.def.name);
    if (init && /^\.(data|rodata|bss)/.test(m.def.name)) image.set(init.subarray(0, m.def.valueSize), arrayValueBase(m) - base);
  }
  setup?.(new Map(maps.map((m) => [m.def.name, m])), mem, endian);
  const insns = prog.insns.map((i) => ({ ...i }));
  for (let k = 0; k < insns.length; k++) {
    const i = insns[k]!;
    if (!op.isLdImm64(i)) continue;
    if (i.src === op.PSEUDO_MAP_FD || i.src === op.PSEUDO_MAP_VALUE) {
      const m = maps[i.imm];
      if (!m) throw new InputError(`${prog.id}: insn ${k}: LD_IMM64 of map ${i.imm}, which the object does not have`);
      const addr = i.src === op.PSEUDO_MAP_FD ? m.addr : arrayValueBase(m) + insns[k + 1]!.imm;
      insns[k] = { ...i, src: 0, imm: addr | 0 };
      insns[k + 1] = { ...insns[k + 1]!, imm: 0 };
    }
    k++;
  }
  return { program: { ...prog, insns, stackDepth: stackDepthOf(insns) }, maps, mapImage: image };
}

/** The buffer of one run: xdp_md, headroom, the frame, the maps. */
export function xdpContext(input: XdpInput, mapImage: Uint8Array, endian: Endian): Uint8Array {
  const { bytes } = input.frame;
  if (bytes.length > MAX_FRAME) throw new InputError(`frame '${input.frame.name}' is longer than ${MAX_FRAME} bytes`);
  const buf = new Uint8Array(MAPS_OFFSET + mapImage.length);
  const v = new DataView(buf.buffer);
  const le = endian === 'le';
  const data = CTX_BASE + PACKET_OFFSET;
  v.setUint32(0, data, le); // data
  v.setUint32(4, data + bytes.length, le); // data_end
  v.setUint32(8, data, le); // data_meta: no metadata in front
  v.setUint32(12, INGRESS_IFINDEX, le);
  v.setUint32(16, input.rxQueue, le);
  v.setUint32(20, 0, le); // egress_ifindex: only for devmap programs
  // struct xdp_buff beyond xdp_md, for the adjust helpers: the headroom starts at 64 and
  // the tail may grow up to the maps
  v.setUint32(XDP_BUFF_HARD_START, CTX_BASE + HEADROOM_OFFSET, le);
  v.setUint32(XDP_BUFF_HARD_END, CTX_BASE + MAPS_OFFSET, le);
  buf.set(bytes, PACKET_OFFSET);
  buf.set(mapImage, MAPS_OFFSET);
  return buf;
}

/** XDP programs by libbpf's section names (`xdp`, `xdp.frags`, `xdp/devmap`, ...). */
export const isXdpSection = (section: string): boolean => /^xdp(\.frags)?(\/|:|$)/.test(section);

/** Why a program cannot run as an XDP program on sample frames, or undefined. */
export function unmodelled(section: string, prog: Program, xdp = isXdpSection(section)): string | undefined {
  if (/^(fentry|fexit|fmod_ret|tp_btf|freplace)\//.test(section)) {
    return `${section.split('/')[0]} tracing program: its context is the traced function's arguments, read through BTF pointers (not modelled)`;
  }
  if (!xdp) return `section '${section}' is not an XDP program (only XDP contexts are modelled)`;
  if (prog.insns.some((i) => i.code === (op.JMP | op.CALL) && i.src === op.PSEUDO_CALL)) {
    return 'bpf2bpf calls (the dispatcher\'s prog0..prog9 are freplace slots filled at attach time; not modelled)';
  }
  if (prog.kfuncs?.length) return `kfunc calls (${prog.kfuncs.map((k) => k.name).join(', ')}) are not modelled`;
  return undefined;
}

export interface ObjectSource {
  /** Name in program identities (the file name without `.o`). */
  object: string;
  path: string;
}

/**
 * Every program of every object as a corpus: sorted by object then section label,
 * identity `<corpus>:<index>:<object>/<section>`, one sub-test per input, expected
 * results from the reference interpreter, skips with a reason.
 */
export function objectCorpus(
  corpus: string,
  objects: readonly ObjectSource[],
  endian: Endian,
  setup?: MapSetup,
  inputs: readonly XdpInput[] = XDP_INPUTS,
  isXdp: (object: string, section: string) => boolean = (_o, s) => isXdpSection(s),
): TestProgram[] {
  const entries: { obj: ObjectSource; section: string; bytes: Uint8Array }[] = [];
  for (const obj of [...objects].sort((a, b) => (a.object < b.object ? -1 : a.object > b.object ? 1 : 0))) {
    const bytes = readFileSync(obj.path);
    for (const section of listElfPrograms(bytes, obj.path).sort()) entries.push({ obj, section, bytes });
  }
  return entries.map(({ obj, section, bytes }, index) => {
    const name = `${obj.object}/${section}`;
    const base = { id: `${corpus}:${index}:${name}`, corpus, index, name, flags: 0, data: new Uint8Array(0), runs: 1, expect: [] as Expectation[] };
    let loaded: Program;
    try {
      loaded = loadProgramBytes(bytes, obj.path, { section });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return { ...base, insns: [], verifierZext: false, stackDepth: 0, skip: `the loader rejects it: ${err.message}` };
    }
    const why = unmodelled(section, loaded, isXdp(obj.object, section));
    let bound: BoundProgram | undefined;
    let reason = why;
    if (!why) {
      try {
        bound = bindProgram({ ...loaded, id: base.id }, bytes, obj.path, endian, setup);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        reason = err.message;
      }
    }
    if (!bound) return { ...base, ...loaded, id: base.id, skip: reason };
    const prog: TestProgram = { ...base, ...bound.program, id: base.id, expect: [] };
    const interp = new Interpreter(prog, { order: endian, helpers: defaultHelpers() });
    const byExpectation = new Map<Expectation, XdpInput>();
    for (const input of inputs) {
      let r0: bigint;
      try {
        r0 = interp.run({ ctx: xdpContext(input, bound.mapImage, endian) }).r0;
      } catch (err) {
        if (!(err instanceof BpfFault)) throw err;
        return { ...prog, expect: [], skip: `the reference interpreter faults on '${input.frame.name}': ${err.message}` };
      }
      const e: Expectation = { dataSize: input.frame.bytes.length, result: Number(r0 & 0xffffffffn) };
      prog.expect.push(e);
      byExpectation.set(e, input);
    }
    const image = bound.mapImage;
    prog.context = (e) => xdpContext(byExpectation.get(e)!, image, endian);
    return prog;
  });
}

/** Where Debian installs libxdp1's objects (/usr/lib/<multiarch>/bpf). */
export function libxdpObjectDir(): string | undefined {
  for (const arch of existsSync('/usr/lib') ? readdirSync('/usr/lib') : []) {
    const dir = join('/usr/lib', arch, 'bpf');
    if (existsSync(join(dir, 'xdp-dispatcher.o'))) return dir;
  }
  return undefined;
}

const u64le = (v: number, endian: Endian): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), endian === 'le');
  return b;
};
const u32b = (v: number, endian: Endian): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, endian === 'le');
  return b;
};

// xdp-filter's map values (read from the objects' code): bit 0 matches the source
// field, bit 1 the destination; ports also carry bit 2 (TCP: `v & 6 == 6` on the
// destination port) and bit 3 (UDP).
const MATCH_SRC = 1;
const MATCH_DST = 2;
const MATCH_PORT_ALL = 0xf;

/**
 * What the tools' user space puts in the maps: xdp-filter rules that match some sample
 * frames (MAC 02:00:00:00:00:0a as destination, 192.168.1.1 as source, 10.0.0.5 as
 * destination, ::2 as destination, ports 22 and 53), an AF_XDP socket on queue 0, a
 * perf buffer on CPU 0 and xdpdump's configuration (capture on ingress_ifindex, 64-byte
 * snap length).
 */
export const libxdpSetup: MapSetup = (maps, mem, endian) => {
  const put = (name: string, key: Uint8Array, value: Uint8Array): void => {
    const m = maps.get(name);
    if (m) putElement(mem, endian, m, key, value);
  };
  put('filter_ethernet', Uint8Array.from([2, 0, 0, 0, 0, 0x0a]), u64le(MATCH_DST, endian));
  put('filter_ipv4', Uint8Array.from([192, 168, 1, 1]), u64le(MATCH_SRC, endian));
  put('filter_ipv4', Uint8Array.from([10, 0, 0, 5]), u64le(MATCH_DST, endian));
  put('filter_ipv6', Uint8Array.from([...new Array<number>(15).fill(0), 2]), u64le(MATCH_DST, endian));
  // the programs index ports by the u16 they load from the header, in network order
  // (user space stores them at htons(port))
  const netPort = (p: number): number => (endian === 'le' ? ((p & 0xff) << 8) | (p >> 8) : p);
  for (const port of [22, 53]) put('filter_ports', u32b(netPort(port), endian), u64le(MATCH_PORT_ALL, endian));
  const xsks = maps.get('xsks_map');
  if (xsks) putObject(mem, endian, xsks, 0, 3);
  const perf = maps.get('xdpdump_perf_map');
  if (perf) putObject(mem, endian, perf, 0, 1);
  const dump = [...maps.values()].find((m) => m.def.name === '.data' && m.def.valueSize === 12);
  if (dump && maps.has('xdpdump_perf_map')) {
    const cfg = new Uint8Array(12);
    const v = new DataView(cfg.buffer);
    v.setUint32(0, INGRESS_IFINDEX, endian === 'le');
    v.setUint32(4, 64, endian === 'le');
    v.setUint32(8, INGRESS_IFINDEX, endian === 'le');
    putElement(mem, endian, dump, u32b(0, endian), cfg);
  }
};

/** The `xdp` corpus for one byte order (the objects are little-endian BPF; see the report). */
export function loadXdp(endian: Endian, dir = libxdpObjectDir()): TestProgram[] {
  if (!dir || !existsSync(dir)) throw new InputError('corpus xdp: no libxdp1 objects (/usr/lib/*/bpf/xdp-dispatcher.o): apt-get install libxdp1');
  const objects = readdirSync(dir)
    .filter((f) => f.endsWith('.o'))
    .map((f) => ({ object: basename(f, '.o'), path: join(dir, f) }));
  return objectCorpus('xdp', objects, endian, libxdpSetup);
}
