// Z3's WASM heap (2 GB at most) is freed only when JS collects the wrappers of its terms
// and solvers, and JS rarely collects: the wrappers are small, the terms behind them are
// not. Many proveDesign calls in one process (the tests) outgrow the heap, so each call
// ends with a collection. (Long runs use a child process per chunk instead: chunks.ts.)
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined | null;

/** Run a full garbage collection when the runtime allows it (no-op otherwise). */
export async function collectGarbage(): Promise<void> {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  if (!gc) return;
  gc();
  // let the finalizers that release Z3 objects run
  await new Promise((resolve) => setImmediate(resolve));
}
