// Running the external tools jitgen drives (gcc, clang, nm, probes, converters): one
// place that collects a child's output and turns a failure into a clear InputError.
import { spawn } from 'node:child_process';
import { InputError } from './errors.ts';

export interface ToolOptions {
  /** Bytes for the child's stdin (none: stdin is closed). */
  input?: string | Buffer;
  cwd?: string;
}

export interface ToolResult {
  code: number;
  out: Buffer;
  err: string;
}

/** Runs a command to completion, whatever its exit status; rejects only when it cannot start. */
export function spawnTool(cmd: string, args: string[], what: string, opts: ToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], cwd: opts.cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new InputError(`${what}: cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code) => resolve({ code: code ?? 1, out: Buffer.concat(out), err: Buffer.concat(err).toString('utf8') }));
    if (opts.input !== undefined) {
      // a child that stops early reports through its exit status, not EPIPE
      child.stdin!.on('error', () => {});
      child.stdin!.end(opts.input);
    }
  });
}

/** Runs a command; resolves with its stdout, rejects with an InputError quoting stderr's head. */
export async function runTool(cmd: string, args: string[], what: string, opts: ToolOptions = {}): Promise<Buffer> {
  const r = await spawnTool(cmd, args, what, opts);
  if (r.code === 0) return r.out;
  const head = r.err.split('\n').filter(Boolean).slice(0, 12).join('\n  ');
  throw new InputError(`${what} failed (exit ${r.code}):\n  ${head}`);
}
