// Where `patch --series` keeps its worktree and branch (other verbs boot and build it).
import { join } from 'node:path';
import { cacheDir } from '../paths.ts';

export const seriesWorktree = join(cacheDir, 'series', 'worktree');
export const seriesBranch = 'jitgen/series';
