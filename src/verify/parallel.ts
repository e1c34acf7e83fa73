// Running one configuration per process, as many at once as there are cores: the
// configurations are independent, and a verify of the whole corpus is CPU-bound.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { ConfigId } from '../config.ts';
import type { JitVerifyResult } from './jit-verify.ts';

/** Run `args(config)` as a child jitgen per configuration; each prints its JSON result. */
export async function perConfigProcesses(
  entry: string,
  configs: readonly ConfigId[],
  args: (config: ConfigId) => string[],
  progress: (line: string) => void,
): Promise<JitVerifyResult[]> {
  const queue = [...configs];
  const results = new Map<ConfigId, JitVerifyResult>();
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      results.set(id, await child(entry, args(id), progress));
    }
  };
  const n = Math.max(1, Math.min(availableParallelism(), configs.length));
  await Promise.all(Array.from({ length: n }, worker));
  return configs.map((id) => results.get(id)!);
}

function child(entry: string, args: string[], progress: (line: string) => void): Promise<JitVerifyResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const lines = err.split('\n');
      err = lines.pop() ?? '';
      for (const l of lines) progress(l);
    });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0 && code !== 1) return reject(new Error(`jitgen ${args.join(' ')} exited with ${code}: ${err}`));
      try {
        resolve(JSON.parse(out) as JitVerifyResult);
      } catch {
        reject(new Error(`jitgen ${args.join(' ')} printed no JSON result`));
      }
    });
  });
}

/** One result from per-configuration results (counts summed, lists joined). */
export function mergeResults(parts: readonly JitVerifyResult[]): JitVerifyResult {
  const out: JitVerifyResult = { passed: 0, failed: 0, skipped: 0, configs: {}, failures: [], skips: [], declined: {}, cost: {} };
  const skips = new Map<string, string>();
  for (const r of parts) {
    out.passed += r.passed;
    out.failed += r.failed;
    out.skipped += r.skipped;
    Object.assign(out.configs, r.configs);
    out.failures.push(...r.failures);
    for (const s of r.skips) skips.set(s.id, s.reason);
    Object.assign(out.declined, r.declined);
    Object.assign(out.cost, r.cost);
  }
  out.skips = [...skips].map(([id, reason]) => ({ id, reason }));
  return out;
}
