// Runs a kernel BPF JIT's C on the host: every program through one driver process.
import { spawn } from 'node:child_process';
import type { Program } from '../../bpf/program.ts';
import type { Config } from '../../config.ts';
import { InputError } from '../../errors.ts';
import type { Binding } from '../../jit/binding.ts';
import { buildHarness, type BuildOptions, type HarnessBuild, type JitSources } from './build.ts';
import { programRecord, RecordReader, streamHeader, type DriverRecord } from './stream.ts';

/** What the JIT's C made of one program. */
export interface HarnessImage {
  /** The program's identity (`corpus:index:name`). */
  id: string;
  /** True when bpf_int_jit_compile JITed it (prog->jited). */
  jited: boolean;
  /** The image's words as values (absent when not JITed or when words were not kept). */
  words?: Uint32Array;
  /** Words of the image (prog->jited_len / 4); 0 when not JITed. */
  size: number;
  /** Why it was not JITed: what the JIT printed (e.g. "unknown opcode d7"), or a default. */
  error?: string;
  /** Anything the JIT printed for a program it did JIT (WARNs, uasm field overflows). */
  messages?: string;
}

export interface HarnessOptions extends BuildOptions {
  /** Where each program's image goes (default: binding.imageBase for every program). */
  imageBases?: readonly number[];
  /** Keep every image's words (default true); false keeps only sizes (whole-corpus counts). */
  keepWords?: boolean;
  /** Called for each image as it arrives, in program order. */
  onImage?: (img: HarnessImage, index: number) => void;
  /** Called once the harness executable is ready (built or reused). */
  onBuild?: (b: HarnessBuild) => void;
}

/**
 * JIT `programs` with the given JIT C (mainline's, or rendered C) compiled for `config`,
 * with `binding`'s struct offsets, kernel-function addresses, __bpf_call_base and image
 * base: the words are what that kernel would emit for the same program at that address.
 */
export async function harnessJit(
  treeDir: string,
  jitSources: JitSources,
  config: Config,
  programs: readonly Program[],
  binding: Binding,
  opts: HarnessOptions = {},
): Promise<HarnessImage[]> {
  const build = await buildHarness(treeDir, jitSources, config, binding, opts);
  opts.onBuild?.(build);
  const out: HarnessImage[] = [];
  const keepWords = opts.keepWords ?? true;
  const reader = new RecordReader(keepWords, (r: DriverRecord, i: number) => {
    const img = toImage(programs[i]!.id, r);
    opts.onImage?.(img, i);
    out.push(img);
  });
  await runDriver(build.exe, config, programs, binding, opts.imageBases, reader);
  if (out.length !== programs.length) throw new InputError(`harness (${config.id}): the driver answered ${out.length} of ${programs.length} programs`);
  return out;
}

function toImage(id: string, r: DriverRecord): HarnessImage {
  const text = r.message.trim();
  if (!r.jited) return { id, jited: false, size: 0, error: text || 'not JITed (the JIT printed nothing)' };
  return { id, jited: true, size: r.size, ...(r.words ? { words: r.words } : {}), ...(text ? { messages: text } : {}) };
}

function runDriver(
  exe: string,
  config: Config,
  programs: readonly Program[],
  binding: Binding,
  imageBases: readonly number[] | undefined,
  reader: RecordReader,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(exe, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const err: Buffer[] = [];
    let failed: Error | undefined;
    const fail = (e: Error): void => {
      if (!failed) failed = e;
      child.kill();
    };
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdout.on('data', (b: Buffer) => {
      try {
        reader.push(b);
      } catch (e) {
        fail(e as Error);
      }
    });
    child.stdin.on('error', () => {}); // EPIPE when the driver dies: its exit status tells why
    child.on('error', (e) => reject(new InputError(`harness (${config.id}): cannot run ${exe}: ${e.message}`)));
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8').trim();
      if (failed) return reject(failed);
      if (code !== 0) {
        const at = programs[reader.done]?.id ?? 'end of stream';
        return reject(new InputError(`harness (${config.id}): driver failed (${signal ?? `exit ${code}`}) at ${at}${stderr ? `: ${stderr}` : ''}`));
      }
      resolvePromise();
    });

    const write = async (): Promise<void> => {
      const send = (b: Buffer): Promise<void> | undefined =>
        child.stdin.write(b) ? undefined : new Promise((r) => child.stdin.once('drain', () => r()));
      await send(streamHeader(binding.callBase, programs.length));
      for (let i = 0; i < programs.length && !failed && child.exitCode === null; i++) {
        const base = imageBases?.[i] ?? binding.imageBase;
        for (const part of programRecord(programs[i]!, base, binding)) {
          const wait = send(part);
          if (wait) await wait;
        }
      }
      child.stdin.end();
    };
    write().catch(fail);
  });
}
