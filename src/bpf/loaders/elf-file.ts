// A small ELF reader (ELF32 and ELF64, either byte order): section headers, symbol table,
// REL/RELA entries. Everything it returns is bounds-checked against the file, so a
// malformed object becomes an InputError naming the file, never an exception from a
// DataView.
import type { Endian } from '../../config.ts';
import { InputError } from '../../errors.ts';

export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHF_EXECINSTR = 0x4;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
const SHN_XINDEX = 0xffff;
export const EM_BPF = 247;

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
  /** The section's bytes (empty for SHT_NOBITS). */
  data: Uint8Array;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  type: number;
  bind: number;
  shndx: number;
}

export interface ElfReloc {
  offset: number;
  sym: number;
  type: number;
  addend: number;
}

export interface ElfFile {
  file: string;
  is64: boolean;
  endian: Endian;
  machine: number;
  sections: ElfSection[];
  symbols: ElfSymbol[];
}

/** Bounds-checked reads in the file's byte order. */
class Reader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly le: boolean,
    private readonly fail: (what: string) => never,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(at: number, n: number, what: string): void {
    if (at < 0 || at + n > this.bytes.length) this.fail(`${what} at byte ${at} is beyond the end of the file`);
  }
  u8(at: number, what: string): number {
    this.need(at, 1, what);
    return this.view.getUint8(at);
  }
  u16(at: number, what: string): number {
    this.need(at, 2, what);
    return this.view.getUint16(at, this.le);
  }
  u32(at: number, what: string): number {
    this.need(at, 4, what);
    return this.view.getUint32(at, this.le);
  }
  /** A u64 that must fit a JS number (offsets and sizes in a real object always do). */
  u64(at: number, what: string): number {
    this.need(at, 8, what);
    const v = this.view.getBigUint64(at, this.le);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} at byte ${at} is too large (${v})`);
    return Number(v);
  }
  i64(at: number, what: string): number {
    this.need(at, 8, what);
    return Number(this.view.getBigInt64(at, this.le));
  }
  /** An address-sized field: u32 in ELF32, u64 in ELF64. */
  word(is64: boolean, at: number, what: string): number {
    return is64 ? this.u64(at, what) : this.u32(at, what);
  }
}

/** NUL-terminated string at `at` in a string table section. */
export function cString(table: Uint8Array, at: number): string {
  if (at >= table.length) return '';
  let end = at;
  while (end < table.length && table[end] !== 0) end++;
  return new TextDecoder().decode(table.subarray(at, end));
}

export function parseElf(bytes: Uint8Array, file: string): ElfFile {
  const fail = (what: string): never => {
    throw new InputError(`${file}: malformed ELF: ${what}`);
  };
  if (bytes.length < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new InputError(`${file}: not an ELF file (bad magic)`);
  }
  const cls = bytes[4];
  const data = bytes[5];
  if (cls !== 1 && cls !== 2) fail(`unknown ELF class ${cls}`);
  if (data !== 1 && data !== 2) fail(`unknown ELF data encoding ${data}`);
  const is64 = cls === 2;
  const r = new Reader(bytes, data === 1, fail);
  const machine = r.u16(18, 'e_machine');
  const shoff = r.word(is64, is64 ? 0x28 : 0x20, 'e_shoff');
  const shentsize = r.u16(is64 ? 0x3a : 0x2e, 'e_shentsize');
  let shnum = r.u16(is64 ? 0x3c : 0x30, 'e_shnum');
  let shstrndx = r.u16(is64 ? 0x3e : 0x32, 'e_shstrndx');
  const wantEnt = is64 ? 64 : 40;
  if (shoff === 0) fail('no section header table');
  if (shentsize !== wantEnt) fail(`section header size ${shentsize}, expected ${wantEnt}`);
  // extended numbering: the real counts live in section header 0
  if (shnum === 0) shnum = r.word(is64, shoff + (is64 ? 32 : 20), 'sh_size of section 0');
  if (shstrndx === SHN_XINDEX) shstrndx = r.u32(shoff + (is64 ? 40 : 24), 'sh_link of section 0');
  if (shoff + shnum * shentsize > bytes.length) fail(`section header table (${shnum} entries) is beyond the end of the file`);

  const headers: (ElfSection & { nameOff: number })[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    const w = (off64: number, off32: number, what: string): number =>
      is64 ? r.u64(at + off64, what) : r.u32(at + off32, what);
    const type = r.u32(at + 4, 'sh_type');
    const offset = w(24, 16, 'sh_offset');
    const size = w(32, 20, 'sh_size');
    const inFile = type !== SHT_NOBITS && type !== 0;
    if (inFile && offset + size > bytes.length) {
      fail(`section ${i} (offset ${offset}, size ${size}) is beyond the end of the file (${bytes.length} bytes)`);
    }
    headers.push({
      index: i,
      nameOff: r.u32(at, 'sh_name'),
      name: '',
      type,
      flags: w(8, 8, 'sh_flags'),
      offset,
      size,
      link: r.u32(at + (is64 ? 40 : 24), 'sh_link'),
      info: r.u32(at + (is64 ? 44 : 28), 'sh_info'),
      entsize: w(56, 36, 'sh_entsize'),
      data: inFile ? bytes.subarray(offset, offset + size) : new Uint8Array(0),
    });
  }
  if (shstrndx >= headers.length) fail(`section name table index ${shstrndx} out of range`);
  const names = headers[shstrndx].data;
  const sections: ElfSection[] = headers.map(({ nameOff, ...s }) => ({ ...s, name: cString(names, nameOff) }));
  const symbols = readSymbols(sections, r, is64, fail);
  return { file, is64, endian: data === 1 ? 'le' : 'be', machine, sections, symbols };
}

function readSymbols(sections: ElfSection[], r: Reader, is64: boolean, fail: (w: string) => never): ElfSymbol[] {
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (!symtab) return [];
  const entsize = is64 ? 24 : 16;
  if (symtab.link >= sections.length) fail(`symbol table's string table index ${symtab.link} out of range`);
  const strtab = sections[symtab.link].data;
  const count = Math.floor(symtab.size / entsize);
  const out: ElfSymbol[] = [];
  for (let i = 0; i < count; i++) {
    const at = symtab.offset + i * entsize;
    const info = r.u8(at + (is64 ? 4 : 12), 'st_info');
    const shndx = r.u16(at + (is64 ? 6 : 14), 'st_shndx');
    if (shndx !== SHN_UNDEF && shndx < SHN_LORESERVE && shndx >= sections.length) {
      fail(`symbol ${i} refers to section ${shndx}, which does not exist`);
    }
    out.push({
      index: i,
      name: cString(strtab, r.u32(at, 'st_name')),
      value: is64 ? r.u64(at + 8, 'st_value') : r.u32(at + 4, 'st_value'),
      size: is64 ? r.u64(at + 16, 'st_size') : r.u32(at + 8, 'st_size'),
      type: info & 0xf,
      bind: info >> 4,
      shndx,
    });
  }
  return out;
}

/** The REL and RELA entries that apply to section `target`, in file order. */
export function relocationsFor(elf: ElfFile, bytes: Uint8Array, target: number): ElfReloc[] {
  const fail = (what: string): never => {
    throw new InputError(`${elf.file}: malformed ELF: ${what}`);
  };
  const r = new Reader(bytes, elf.endian === 'le', fail);
  const out: ElfReloc[] = [];
  for (const s of elf.sections) {
    if ((s.type !== SHT_REL && s.type !== SHT_RELA) || s.info !== target) continue;
    const rela = s.type === SHT_RELA;
    const entsize = (elf.is64 ? 16 : 8) + (rela ? (elf.is64 ? 8 : 4) : 0);
    if (s.size % entsize !== 0) fail(`relocation section ${s.name} size ${s.size} is not a multiple of ${entsize}`);
    for (let at = s.offset; at < s.offset + s.size; at += entsize) {
      const offset = elf.is64 ? r.u64(at, 'r_offset') : r.u32(at, 'r_offset');
      let sym: number;
      let type: number;
      if (elf.is64) {
        // r_info: symbol in the high word, type in the low word
        const hiWord = r.u32(at + (elf.endian === 'le' ? 12 : 8), 'r_info');
        const loWord = r.u32(at + (elf.endian === 'le' ? 8 : 12), 'r_info');
        sym = hiWord;
        type = loWord;
      } else {
        const info = r.u32(at + 4, 'r_info');
        sym = info >>> 8;
        type = info & 0xff;
      }
      const addend = rela ? (elf.is64 ? r.i64(at + 16, 'r_addend') : r.u32(at + 8, 'r_addend') | 0) : 0;
      if (sym >= elf.symbols.length) fail(`relocation in ${s.name} refers to symbol ${sym}, which does not exist`);
      out.push({ offset, sym, type, addend });
    }
  }
  return out;
}
