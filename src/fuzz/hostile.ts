// Hostile inputs (issue 15 part 5): truncated, random and mutated bytes of real program
// files through the loaders (raw, ELF, JSON) and what the CLI does next (disassemble,
// interpret, JIT), in-process for volume; then a sample through real `jitgen` processes,
// including bad options. Only the clear-error classes may escape (InputError, InsnError,
// UsageError: one line, exit 2); anything else is a crash. In-process a call is timed
// (a slow one is reported; a true infinite loop would stop the run, which the process
// sample, with its timeout, is there to catch as a hang).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, UsageError } from '../errors.ts';
import { listElfPrograms, loadProgramBytes, type LoadOptions } from '../bpf/loaders/index.ts';
import { disasmListing } from '../bpf/disasm.ts';
import { config } from '../config.ts';
import { jitgen } from '../jit/designs/jitgen.ts';
import { interpreterRow, jitRow } from '../commands/run.ts';
import { caseSeed, Rng } from './rng.ts';
import { generateCase } from './gen.ts';

/** Where the real objects come from (Debian's libxdp1). */
export const XDP_OBJECT_DIR = '/usr/lib/x86_64-linux-gnu/bpf';

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

/** Real inputs to mutate: the libxdp objects (when installed) plus raw and JSON programs of the generator. */
export function defaultSeeds(objectDir = XDP_OBJECT_DIR): Seed[] {
  const seeds: Seed[] = [];
  if (existsSync(objectDir)) {
    for (const f of readdirSync(objectDir).filter((f) => f.endsWith('.o')).sort()) {
      seeds.push({ name: f, bytes: new Uint8Array(readFileSync(join(objectDir, f))) });
    }
  }
  for (let k = 0; k < 4; k++) {
    const insns = generateCase(caseSeed(77, k), { tailCalls: false, bpf2bpf: k === 3 }).programs[0]!;
    const raw = new Uint8Array(insns.length * 8);
    const v = new DataView(raw.buffer);
    insns.forEach((i, n) => {
      v.setUint8(8 * n, i.code);
      v.setUint8(8 * n + 1, (i.src << 4) | i.dst);
      v.setInt16(8 * n + 2, i.off, true);
      v.setInt32(8 * n + 4, i.imm, true);
    });
    seeds.push({ name: `gen${k}.bin`, bytes: raw });
    const json = JSON.stringify(insns.map((i) => [i.code, i.dst, i.src, i.off, i.imm]));
    seeds.push({ name: `gen${k}.json`, bytes: new TextEncoder().encode(json) });
  }
  return seeds;
}

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x40];
const INTERESTING_JSON = ['0', '-1', '1e308', '4294967296', '-2147483649', '65536', 'null', '"x"', '[]', '{}', '1.5', 'true', '[[]]'];

/** One hostile variant of `seed`: the mutation chosen by `rng`. */
export function mutate(seed: Seed, rng: Rng): { bytes: Uint8Array; how: string } {
  const src = seed.bytes;
  const kind = rng.weighted({ truncate: 3, flip: 5, interesting: 4, random: 1, splice: 2, header: seed.name.endsWith('.o') ? 4 : 0, json: seed.name.endsWith('.json') ? 5 : 0, word: 3 });
  const out = Uint8Array.from(src);
  switch (kind) {
    case 'truncate': {
      const n = rng.int(src.length + 1);
      return { bytes: src.slice(0, n), how: `truncated to ${n} bytes` };
    }
    case 'flip': {
      const n = 1 + rng.int(8);
      for (let k = 0; k < n; k++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
      return { bytes: out, how: `${n} bit flips` };
    }
    case 'interesting': {
      const n = 1 + rng.int(4);
      for (let k = 0; k < n; k++) out[rng.int(out.length)] = rng.pick(INTERESTING_BYTES);
      return { bytes: out, how: `${n} bytes set` };
    }
    case 'word': {
      // a 32-bit field (offsets, sizes, counts) set to an edge value, aligned
      if (out.length < 4) return { bytes: out, how: 'too short for a word' };
      const at = 4 * rng.int(out.length >> 2);
      const v = rng.pick([0, 0xffffffff, 0x7fffffff, 0x80000000, 0x10000, out.length, out.length + 1]);
      new DataView(out.buffer).setUint32(at, v, rng.chance(0.5));
      return { bytes: out, how: `word at ${at} = 0x${v.toString(16)}` };
    }
    case 'random': {
      const n = rng.int(256);
      const r = new Uint8Array(n);
      for (let k = 0; k < n; k++) r[k] = rng.int(256);
      return { bytes: r, how: `${n} random bytes` };
    }
    case 'splice': {
      const a = rng.int(src.length + 1);
      const b = a + rng.int(src.length - a + 1);
      const dup = rng.chance(0.5);
      const mid = dup ? src.slice(a, b) : new Uint8Array(0);
      const r = new Uint8Array([...src.slice(0, b), ...mid, ...src.slice(b + (dup ? 0 : rng.int(64)))]);
      return { bytes: r, how: dup ? `bytes ${a}..${b} duplicated` : `bytes cut after ${b}` };
    }
    case 'header': {
      // the ELF header and section headers are where a loader trusts offsets and sizes
      const v = new DataView(out.buffer);
      const le = out[5] !== 2;
      const shoff = out.length >= 0x28 ? Number(v.getBigUint64(0x28, le) & 0xffffffffn) : 0;
      const region = rng.chance(0.5) || shoff >= out.length ? rng.int(Math.min(64, out.length)) : shoff + rng.int(Math.max(1, out.length - shoff));
      const at = Math.min(region & ~3, Math.max(0, out.length - 4));
      if (out.length >= 4) v.setUint32(at, rng.pick([0, 0xffffffff, 0x7fffffff, 1, 0x40, 0x1000, out.length]), le);
      return { bytes: out, how: `header word at ${at}` };
    }
    case 'json': {
      const text = new TextDecoder().decode(src);
      const nums = [...text.matchAll(/-?\d+/g)];
      if (nums.length === 0) return { bytes: out, how: 'no number' };
      const m = rng.pick(nums);
      const rep = rng.pick(INTERESTING_JSON);
      const t = text.slice(0, m.index) + rep + text.slice(m.index! + m[0].length);
      return { bytes: new TextEncoder().encode(t), how: `number at ${m.index} -> ${rep}` };
    }
  }
}

export interface HostileFinding {
  input: string;
  how: string;
  stage: string;
  error: string;
}

export interface HostileResult {
  inputs: number;
  /** Inputs that loaded as valid programs (then went through disasm, interpreter, JIT). */
  loaded: number;
  /** Inputs rejected with a clear error. */
  rejected: number;
  crashes: HostileFinding[];
  /** Inputs that took longer than `slowMs` in one stage. */
  slow: HostileFinding[];
  seconds: number;
}

const clear = (e: unknown): boolean => e instanceof InputError || e instanceof UsageError;

const cfg = config('be-r2');

/**
 * `cases` mutated inputs through the loaders and, when one loads, the disassembler, the
 * interpreter and the JIT model, as `jitgen disasm/run/jit` would.
 */
export function fuzzLoaders(cases: number, seed: number, opts: { seeds?: Seed[]; slowMs?: number; progress?: (l: string) => void } = {}): HostileResult {
  const seeds = opts.seeds ?? defaultSeeds();
  const slowMs = opts.slowMs ?? 2000;
  const rng = new Rng(seed);
  const res: HostileResult = { inputs: 0, loaded: 0, rejected: 0, crashes: [], slow: [], seconds: 0 };
  const started = Date.now();
  let last = started;
  for (let n = 0; n < cases; n++) {
    const s = rng.pick(seeds);
    const { bytes, how } = rng.chance(0.05) ? { bytes: s.bytes, how: 'unchanged' } : mutate(s, rng);
    const name = `${s.name}#${n}`;
    // the name keeps the seed's extension: the loader picks the format by it, as the CLI does
    const path = rng.chance(0.1) ? `input${n}` : s.name;
    res.inputs++;
    const stage = (what: string, f: () => void): boolean => {
      const t = performance.now();
      try {
        f();
        return true;
      } catch (e) {
        if (!clear(e)) res.crashes.push({ input: name, how, stage: what, error: `${(e as Error)?.name}: ${(e as Error)?.message}`.slice(0, 300) });
        return false;
      } finally {
        const ms = performance.now() - t;
        if (ms > slowMs) res.slow.push({ input: name, how, stage: what, error: `${ms.toFixed(0)} ms` });
      }
    };
    const lo: LoadOptions = {};
    if (path.endsWith('.o') && rng.chance(0.3)) {
      stage('list', () => {
        const list = listElfPrograms(bytes, path);
        if (list.length) lo.section = rng.pick(list);
      });
    }
    let prog: ReturnType<typeof loadProgramBytes> | undefined;
    const ok = stage('load', () => {
      prog = loadProgramBytes(bytes, path, lo);
    });
    if (!ok || !prog) {
      res.rejected++;
    } else {
      res.loaded++;
      const p = prog;
      stage('disasm', () => void disasmListing(p));
      stage('run', () => {
        interpreterRow(p, cfg, null, new Map(), 100_000);
        jitRow(p, cfg, jitgen, null, new Map(), 1_000_000);
      });
    }
    const now = Date.now();
    if (opts.progress && now - last > 5000) {
      last = now;
      opts.progress(`fuzz --inputs: ${n + 1}/${cases} inputs, ${res.crashes.length} crashes`);
    }
  }
  res.seconds = Math.round((Date.now() - started) / 100) / 10;
  return res;
}

export interface CliFinding {
  args: string[];
  status: number | null;
  problem: string;
  stderr: string;
}

export interface CliResult {
  runs: number;
  /** Runs that exited 2 with one `jitgen: error:` line. */
  clearErrors: number;
  /** Runs that accepted the input (a mutation can leave a valid program). */
  accepted: number;
  findings: CliFinding[];
}

/** Bad options of verbs that would otherwise run long: each must fail at once with exit 2. */
const BAD_OPTIONS: string[][] = [
  ['verify', '--configs', 'be-r3'],
  ['verify', '--corpus', 'nope'],
  ['verify', '--budget', '-5'],
  ['verify', '--configs', 'be-r2', '--isa', 'r2'],
  ['run', 'PROG', '--reg', 'r11=1'],
  ['run', 'PROG', '--reg', 'r1=0x1ffffffffffffffff'],
  ['run', 'PROG', '--budget', 'lots'],
  ['run', 'PROG', '--config', 'mips'],
  ['jit', 'PROG', '--emit', 'elf'],
  ['jit', 'PROG', '--design', 'nobody'],
  ['jit', 'PROG', '--base', 'zz'],
  ['disasm', 'PROG', '--input-endian', 'middle'],
  ['disasm', 'missing-file.bin'],
  ['fuzz', '--cases', '-1'],
  ['fuzz', '--seed', 'x'],
  ['verify', '--no-such-option'],
];

/**
 * A sample through real processes: `count` mutated inputs through `disasm`, `run` and `jit`
 * (alternating), then the first `badOptions` bad-option lines (default all). Each runs in an empty directory, which must
 * stay empty; a timeout is a hang.
 */
export function fuzzCli(entry: string, count: number, seed: number, opts: { timeoutMs?: number; seeds?: Seed[]; badOptions?: number } = {}): CliResult {
  const seeds = opts.seeds ?? defaultSeeds();
  const rng = new Rng(seed);
  const res: CliResult = { runs: 0, clearErrors: 0, accepted: 0, findings: [] };
  const dir = mkdtempSync(join(tmpdir(), 'jitgen-hostile-'));
  const work = mkdtempSync(join(tmpdir(), 'jitgen-hostile-cwd-'));
  try {
    const jobs: { args: string[]; input?: string }[] = [];
    for (let n = 0; n < count; n++) {
      const s = rng.pick(seeds);
      const { bytes } = mutate(s, rng);
      const file = join(dir, `${n}-${s.name}`);
      writeFileSync(file, bytes);
      const verb = ['disasm', 'run', 'jit'][n % 3]!;
      const extra = verb === 'jit' && rng.chance(0.5) ? ['--emit', 'bin', '-o', 'out.bin'] : [];
      jobs.push({ args: [verb, file, ...extra] });
    }
    if ((opts.badOptions ?? BAD_OPTIONS.length) > 0) {
      const prog = join(dir, 'ok.bin');
      writeFileSync(prog, seeds.find((s) => s.name.endsWith('.bin'))?.bytes ?? new Uint8Array([0x95, 0, 0, 0, 0, 0, 0, 0]));
      for (const a of BAD_OPTIONS.slice(0, opts.badOptions)) jobs.push({ args: a.map((x) => (x === 'PROG' ? prog : x)) });
    }
    for (const job of jobs) {
      res.runs++;
      const r = spawnSync(process.execPath, [entry, ...job.args], { cwd: work, timeout: opts.timeoutMs ?? 60_000, encoding: 'utf8' });
      const err = r.stderr ?? '';
      const lines = err.split('\n').filter((l) => l.length > 0);
      const written = readdirSync(work);
      const find = (problem: string): void => {
        res.findings.push({ args: job.args, status: r.status, problem, stderr: err.slice(0, 500) });
      };
      for (const f of written) rmSync(join(work, f), { recursive: true, force: true });
      if (r.error || r.signal) find(`did not finish: ${r.error?.message ?? r.signal}`);
      else if (r.status === 0 || (r.status === 1 && job.args[0] === 'run')) {
        // `run` exits 1 when the program faults (a valid program that reads a NULL context)
        res.accepted++;
        if (/\n\s+at /.test(err)) find('stack trace on stderr');
      } else if (r.status === 2) {
        const one = lines.length === 1 && lines[0]!.startsWith('jitgen: error: ');
        // commander's own usage errors print "error: ..." plus the help after them
        const commander = lines.length >= 1 && lines[0]!.startsWith('error: ');
        if (!one && !commander) find(`exit 2 but ${lines.length} stderr lines`);
        else res.clearErrors++;
        if (written.length) find(`exit 2 but wrote ${written.join(', ')}`);
      } else find(`exit status ${r.status}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
  return res;
}
