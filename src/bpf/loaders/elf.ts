// BPF ELF objects (clang -target bpf/bpfel/bpfeb, libbpf conventions) -> one linked
// Program, the way libbpf prepares it for the kernel: the chosen program's code, then
// every `.text` subprogram it calls (depth first, in order of first call), calls and
// function pointers re-aimed, map references turned into LD_IMM64 pseudo forms whose imm
// is the map's index in `Program.maps` (not a kernel fd), kfunc calls into
// BPF_PSEUDO_KFUNC_CALL whose imm is the index in `Program.kfuncs` (not a BTF id).
import { stackDepthOf } from '../stack-depth.ts';
import { basename } from 'node:path';
import { InputError } from '../../errors.ts';
import { decodeInsns, insnError } from '../codec.ts';
import * as op from '../opcodes.ts';
import type { Insn } from '../opcodes.ts';
import type { KfuncDef, MapDef, Program } from '../program.ts';
import { Btf } from './btf.ts';
import {
  EM_BPF, SHF_EXECINSTR, SHN_UNDEF, SHT_NOBITS, SHT_PROGBITS, STT_FUNC, STT_OBJECT, parseElf, relocationsFor,
} from './elf-file.ts';
import type { ElfFile, ElfReloc, ElfSection, ElfSymbol } from './elf-file.ts';

const R_BPF_64_64 = 1; // LD_IMM64 of a map, a data object or a function
const R_BPF_64_32 = 10; // call of a function or a kfunc
const BPF_MAP_TYPE_ARRAY = 2;

/** One function of an executable section: a program, or a subprogram it may call. */
interface Func {
  sec: ElfSection;
  name: string;
  /** Instruction range [start, end) within the section. */
  start: number;
  end: number;
}

export interface ElfProgram {
  program: Program;
  /** What error messages about its instructions call it: `path:section`. */
  label: string;
}

/** Loads program `section` (a section name, `section:function` or a function name). */
export function loadElf(bytes: Uint8Array, path: string, section?: string): ElfProgram {
  const obj = new BpfObject(bytes, path);
  const main = obj.select(section);
  const label = obj.label(main);
  const linked = new Linker(obj, `${path}:${label}`).link(main);
  return {
    program: {
      id: `${basename(path)}:${label}`,
      insns: linked.insns,
      verifierZext: false,
      // what the verifier would record: the deepest stack access of any function
      stackDepth: stackDepthOf(linked.insns),
      maps: obj.maps,
      kfuncs: linked.kfuncs,
    },
    label: `${path}:${label}`,
  };
}

/** The selectors `loadElf` accepts for this object, e.g. `xdp`, `xdp:xdp_pass`. */
export function listElfPrograms(bytes: Uint8Array, path: string): string[] {
  const obj = new BpfObject(bytes, path);
  return obj.programs.map((f) => obj.label(f));
}

class BpfObject {
  readonly elf: ElfFile;
  readonly funcs: Func[] = [];
  /** Entry points: the functions of program sections (of `.text` if there is nothing else). */
  readonly programs: Func[];
  readonly maps: MapDef[] = [];
  /** Map index by `shndx:value` of its symbol (BTF and legacy maps) or by `shndx` (data). */
  private readonly mapIndex = new Map<string, number>();
  private readonly insnCache = new Map<number, Insn[]>();
  readonly btf: Btf | null;

  constructor(
    readonly bytes: Uint8Array,
    readonly path: string,
  ) {
    this.elf = parseElf(bytes, path);
    if (this.elf.machine !== EM_BPF) {
      throw new InputError(`${path}: not a BPF object (ELF machine ${this.elf.machine}, BPF is ${EM_BPF})`);
    }
    const btfSec = this.elf.sections.find((s) => s.name === '.BTF');
    this.btf = btfSec ? Btf.parse(btfSec.data, this.elf.endian) : null;
    for (const sec of this.elf.sections) {
      if (sec.type === SHT_PROGBITS && sec.flags & SHF_EXECINSTR && sec.size > 0) this.funcs.push(...this.functionsOf(sec));
    }
    const named = this.funcs.filter((f) => f.sec.name !== '.text');
    this.programs = named.length > 0 ? named : this.funcs;
    this.collectMaps();
  }

  insns(sec: ElfSection): Insn[] {
    let insns = this.insnCache.get(sec.index);
    if (!insns) {
      if (sec.size % 8 !== 0) {
        throw new InputError(`${this.path}: section ${sec.name}: size ${sec.size} is not a multiple of 8 bytes`);
      }
      insns = decodeInsns(sec.data, this.elf.endian, `${this.path}:${sec.name}`);
      this.insnCache.set(sec.index, insns);
    }
    return insns;
  }

  private functionsOf(sec: ElfSection): Func[] {
    const count = sec.size / 8;
    const syms = this.elf.symbols
      .filter((s) => s.shndx === sec.index && s.type === STT_FUNC)
      .sort((a, b) => a.value - b.value);
    if (syms.length === 0) return [{ sec, name: sec.name, start: 0, end: Math.floor(count) }];
    return syms.map((s, k) => {
      const start = Math.floor(s.value / 8);
      const next = k + 1 < syms.length ? Math.floor(syms[k + 1].value / 8) : count;
      const end = s.size > 0 ? Math.min(start + Math.floor(s.size / 8), count) : next;
      return { sec, name: s.name, start, end: Math.floor(end) };
    });
  }

  label(f: Func): string {
    const inSection = this.funcs.filter((g) => g.sec === f.sec).length;
    return inSection > 1 ? `${f.sec.name}:${f.name}` : f.sec.name;
  }

  select(selector?: string): Func {
    const labels = (fs: Func[]): string => fs.map((f) => this.label(f)).join(', ');
    if (selector === undefined) {
      if (this.programs.length === 1) return this.programs[0];
      if (this.programs.length === 0) throw new InputError(`${this.path}: no program sections (no executable code)`);
      throw new InputError(`${this.path}: several programs, pick one with --section: ${labels(this.programs)}`);
    }
    for (const pool of [this.programs, this.funcs]) {
      const exact = pool.filter((f) => this.label(f) === selector);
      if (exact.length === 1) return exact[0];
      const bySection = pool.filter((f) => f.sec.name === selector);
      if (bySection.length === 1) return bySection[0];
      if (bySection.length > 1) {
        throw new InputError(
          `${this.path}: section '${selector}' holds several programs, pick one with --section: ${labels(bySection)}`,
        );
      }
      const byName = pool.filter((f) => f.name === selector);
      if (byName.length === 1) return byName[0];
    }
    throw new InputError(`${this.path}: no program section '${selector}'; program sections: ${labels(this.programs) || '(none)'}`);
  }

  /** The function of section `sec` that contains instruction `idx`. */
  funcAt(sec: ElfSection, idx: number): Func | undefined {
    return this.funcs.find((f) => f.sec === sec && idx >= f.start && idx < f.end);
  }

  private symbolsIn(sec: ElfSection | undefined): ElfSymbol[] {
    if (!sec) return [];
    return this.elf.symbols
      .filter((s) => s.shndx === sec.index && s.name !== '' && s.type !== 3 /* STT_SECTION */)
      .sort((a, b) => a.value - b.value);
  }

  /** Object maps, in libbpf's order: BTF-defined, legacy, then global data sections. */
  private collectMaps(): void {
    const btfMaps = this.elf.sections.find((s) => s.name === '.maps');
    for (const sym of this.symbolsIn(btfMaps)) {
      const info = this.btf?.mapNamed(sym.name);
      // without BTF only the name is known; the sizes stay 0
      this.addMap(`${sym.shndx}:${sym.value}`, {
        name: sym.name,
        type: info?.type ?? 0,
        keySize: info?.keySize ?? 0,
        valueSize: info?.valueSize ?? 0,
        maxEntries: info?.maxEntries ?? 0,
      });
    }
    const legacy = this.elf.sections.find((s) => s.name === 'maps');
    for (const sym of this.symbolsIn(legacy)) {
      if (sym.type !== STT_OBJECT && sym.type !== 0) continue;
      const d = legacy!.data;
      if (sym.value + 16 > d.length) {
        throw new InputError(`${this.path}: map '${sym.name}' at offset ${sym.value} is beyond the end of section maps`);
      }
      const v = new DataView(d.buffer, d.byteOffset + sym.value, 16);
      const le = this.elf.endian === 'le';
      this.addMap(`${sym.shndx}:${sym.value}`, {
        name: sym.name,
        type: v.getUint32(0, le),
        keySize: v.getUint32(4, le),
        valueSize: v.getUint32(8, le),
        maxEntries: v.getUint32(12, le),
      });
    }
    for (const sec of this.elf.sections) {
      if (!isDataSection(sec)) continue;
      this.addMap(`${sec.index}`, {
        name: sec.name,
        type: BPF_MAP_TYPE_ARRAY,
        keySize: 4,
        valueSize: sec.size,
        maxEntries: 1,
      });
    }
  }

  private addMap(key: string, def: MapDef): void {
    this.mapIndex.set(key, this.maps.length);
    this.maps.push(def);
  }

  /** Index in `maps` of the map symbol `sym` refers to: a map object or a data section. */
  mapOf(sym: ElfSymbol): { index: number; data: boolean } | undefined {
    const sec = this.elf.sections[sym.shndx];
    if (sec && isDataSection(sec)) {
      const index = this.mapIndex.get(`${sym.shndx}`);
      return index === undefined ? undefined : { index, data: true };
    }
    const index = this.mapIndex.get(`${sym.shndx}:${sym.value}`);
    return index === undefined ? undefined : { index, data: false };
  }

  relocs(sec: ElfSection): Map<number, ElfReloc> {
    const byOffset = new Map<number, ElfReloc>();
    for (const r of relocationsFor(this.elf, this.bytes, sec.index)) byOffset.set(r.offset, r);
    return byOffset;
  }
}

function isDataSection(sec: ElfSection): boolean {
  if (sec.type !== SHT_PROGBITS && sec.type !== SHT_NOBITS) return false;
  if (sec.size === 0 || sec.flags & SHF_EXECINSTR) return false;
  return /^\.(data|rodata|bss)(\..*)?$/.test(sec.name);
}

/** Lays out one program and its subprograms and resolves their relocations. */
class Linker {
  private readonly out: Insn[] = [];
  /** Where each placed function starts in `out`. */
  private readonly placed = new Map<Func, number>();
  private readonly kfuncs: KfuncDef[] = [];
  private readonly kfuncIndex = new Map<string, number>();
  private readonly relocCache = new Map<number, Map<number, ElfReloc>>();

  constructor(
    private readonly obj: BpfObject,
    private readonly label: string,
  ) {}

  link(main: Func): { insns: Insn[]; kfuncs: KfuncDef[] } {
    this.place(main);
    return { insns: this.out, kfuncs: this.kfuncs };
  }

  private relocs(sec: ElfSection): Map<number, ElfReloc> {
    let r = this.relocCache.get(sec.index);
    if (!r) {
      r = this.obj.relocs(sec);
      this.relocCache.set(sec.index, r);
    }
    return r;
  }

  /** Appends `f`, then resolves its instructions (placing callees first met here). */
  private place(f: Func): number {
    const base = this.out.length;
    this.placed.set(f, base);
    const src = this.obj.insns(f.sec);
    for (let k = f.start; k < f.end; k++) this.out.push({ ...src[k] });
    const relocs = this.relocs(f.sec);
    for (let k = f.start; k < f.end; k++) {
      const at = base + k - f.start;
      const insn = this.out[at];
      const reloc = relocs.get(k * 8);
      if (op.isLdImm64(insn)) {
        if (reloc) this.resolveLdImm64(at, reloc, f);
        k++;
      } else if (insn.code === (op.JMP | op.CALL)) {
        this.resolveCall(at, k, reloc, f);
      } else if (reloc) {
        throw insnError(this.label, this.out, at, `relocation type ${reloc.type} on an instruction that takes none`);
      }
    }
    return base;
  }

  /** Position in `out` of instruction `idx` of section `sec`, placing its function if needed. */
  private positionOf(sec: ElfSection, idx: number, at: number): number {
    const f = this.obj.funcAt(sec, idx);
    if (!f) throw insnError(this.label, this.out, at, `call target insn ${idx} of section ${sec.name} is outside every function`);
    const base = this.placed.get(f) ?? this.place(f);
    return base + idx - f.start;
  }

  private symbol(reloc: ElfReloc): ElfSymbol {
    return this.obj.elf.symbols[reloc.sym];
  }

  private resolveCall(at: number, k: number, reloc: ElfReloc | undefined, f: Func): void {
    const insn = this.out[at];
    if (!reloc) {
      // a static function of the same section: imm is already relative to the section
      if (insn.src !== op.PSEUDO_CALL) return; // helper call
      const target = this.positionOf(f.sec, k + insn.imm + 1, at);
      this.out[at].imm = target - at - 1;
      return;
    }
    if (reloc.type !== R_BPF_64_32) {
      throw insnError(this.label, this.out, at, `unsupported relocation type ${reloc.type} on a call`);
    }
    const sym = this.symbol(reloc);
    if (sym.shndx === SHN_UNDEF) {
      this.out[at] = { ...insn, src: op.PSEUDO_KFUNC_CALL, off: 0, imm: this.kfunc(sym.name) };
      return;
    }
    const sec = this.obj.elf.sections[sym.shndx];
    if (!sec || !(sec.flags & SHF_EXECINSTR)) {
      throw insnError(this.label, this.out, at, `call relocation against '${sym.name}', which is not code`);
    }
    // global functions: imm = -1 and the symbol is the target; static ones: section symbol + imm
    const target = this.positionOf(sec, Math.floor(sym.value / 8) + insn.imm + 1, at);
    this.out[at] = { ...this.out[at], src: op.PSEUDO_CALL, imm: target - at - 1 };
  }

  private resolveLdImm64(at: number, reloc: ElfReloc, f: Func): void {
    const insn = this.out[at];
    const what = (w: string): never => {
      throw insnError(this.label, this.out, at, w);
    };
    if (reloc.type !== R_BPF_64_64) what(`unsupported relocation type ${reloc.type} on LD_IMM64`);
    if (at + 1 >= this.out.length || at + 1 >= this.placed.get(f)! + f.end - f.start) {
      what('LD_IMM64 is missing its second half');
    }
    const sym = this.symbol(reloc);
    if (sym.shndx === SHN_UNDEF) what(`LD_IMM64 of extern '${sym.name}' (__ksym/__kconfig) is not supported`);
    const sec = this.obj.elf.sections[sym.shndx];
    if (sec && sec.flags & SHF_EXECINSTR) {
      // address of a function (callbacks): becomes BPF_PSEUDO_FUNC, relative like a call
      const target = this.positionOf(sec, Math.floor((sym.value + insn.imm) / 8), at);
      this.out[at] = { ...this.out[at], src: op.PSEUDO_FUNC, imm: target - at - 1 };
      this.out[at + 1] = { ...this.out[at + 1], imm: 0 };
      return;
    }
    const map = this.obj.mapOf(sym);
    if (!map) return what(`LD_IMM64 relocation against '${sym.name || sec?.name}', which is no map or data`);
    if (map.data) {
      this.out[at + 1] = { ...this.out[at + 1], imm: (insn.imm + sym.value) | 0 };
      this.out[at] = { ...insn, src: op.PSEUDO_MAP_VALUE, imm: map.index };
    } else {
      this.out[at] = { ...insn, src: op.PSEUDO_MAP_FD, imm: map.index };
      this.out[at + 1] = { ...this.out[at + 1], imm: 0 };
    }
  }

  private kfunc(name: string): number {
    let index = this.kfuncIndex.get(name);
    if (index === undefined) {
      index = this.kfuncs.length;
      this.kfuncIndex.set(name, index);
      // without BTF the prototype is unknown: no argument sizes, a full-width result
      const proto = this.obj.btf?.funcProto(name) ?? { argSizes: [], retSize: 8 };
      this.kfuncs.push({ name, ...proto });
    }
    return index;
  }
}
