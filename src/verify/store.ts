// The last result of each measuring verb (verify, check, boot-test), kept so that the
// cover letter of a series can quote the measured test matrix.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../paths.ts';

/** JITGEN_RESULTS_DIR: another place for the records (tests use an empty one). */
const resultsDir = (): string => process.env.JITGEN_RESULTS_DIR ?? join(cacheDir, 'results');

export interface StoredResult<T> {
  verb: string;
  /** The command line that measured it, for the reader to repeat. */
  command: string;
  result: T;
}

export function saveResult<T>(name: string, command: string, result: T): void {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ verb: name, command, result }, null, 2)}\n`);
  renameSync(tmp, file);
}

export function loadResult<T>(name: string): StoredResult<T> | undefined {
  const file = join(resultsDir(), `${name}.json`);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as StoredResult<T>;
}
