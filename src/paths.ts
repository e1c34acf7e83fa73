// Where jitgen keeps things, relative to the checkout (never inside a user's tree).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** Caches (corpora, built harnesses, QEMU helpers): git-ignored, safe to delete. */
export const cacheDir = join(repoRoot, '.cache');
/** `kernel-tree/`: the base tree jitgen makes, and which tree is current. */
export const kernelTreeDir = join(repoRoot, 'kernel-tree');
export const patchesDir = join(repoRoot, 'patches');
export const templatesDir = join(repoRoot, 'templates');
