// One entry point for every program file: raw bytecode, JSON or a BPF ELF object, chosen
// by extension and, failing that, by content. Every program is validated before it is
// returned, so callers only ever see well-formed programs or an InputError/InsnError.
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Endian } from '../../config.ts';
import { InputError, UsageError } from '../../errors.ts';
import type { Program } from '../program.ts';
import { validate } from '../validate.ts';
import { loadElf } from './elf.ts';
import { loadJson } from './json.ts';
import { loadRaw } from './raw.ts';

export { listElfPrograms } from './elf.ts';

export interface LoadOptions {
  /** ELF only: section name, `section:function` or function name. */
  section?: string;
  /** Raw bytecode only: the byte order of the file (default little endian). */
  inputEndian?: Endian;
}

export type ProgramFormat = 'raw' | 'json' | 'elf';

export function detectFormat(path: string, bytes: Uint8Array): ProgramFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.bin') return 'raw';
  if (ext === '.json') return 'json';
  if (ext === '.o' || ext === '.elf') return 'elf';
  if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) return 'elf';
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x5b || first === 0x7b) return 'json'; // '[' or '{'
  return 'raw';
}

function readInput(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: cannot read${code ? ` (${code})` : ''}`);
  }
}

export function loadProgram(path: string, opts: LoadOptions = {}): Program {
  return loadProgramBytes(readInput(path), path, opts);
}

/** As loadProgram, for bytes already in memory; `path` names them in messages and ids. */
export function loadProgramBytes(bytes: Uint8Array, path: string, opts: LoadOptions = {}): Program {
  const format = detectFormat(path, bytes);
  if (opts.section !== undefined && format !== 'elf') {
    throw new UsageError(`--section applies to ELF objects only; ${path} is ${format}`);
  }
  if (format === 'elf') {
    if (opts.inputEndian !== undefined) {
      throw new UsageError(`--input-endian applies to raw bytecode only; an ELF object says its own byte order`);
    }
    const { program, label } = loadElf(bytes, path, opts.section);
    validate(program.insns, label);
    return program;
  }
  const insns =
    format === 'json' ? loadJson(new TextDecoder().decode(bytes), path) : loadRaw(bytes, path, opts.inputEndian ?? 'le');
  validate(insns, path);
  return { id: basename(path), insns, verifierZext: false, stackDepth: 0 };
}
