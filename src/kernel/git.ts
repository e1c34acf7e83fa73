// simple-git handles for kernel trees. Identity and dates are passed per call through the
// environment, so jitgen never needs (or changes) a user's git configuration.
import { simpleGit, type SimpleGit } from 'simple-git';

const IDENTITY_VARS = [
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
] as const;

export interface Identity {
  name: string;
  email: string;
  /** Git date, e.g. "1700000000 +0000". */
  date: string;
}

/** A git handle on `dir`; with `who`, commits are made as that identity at that date. */
export function gitAt(dir: string, who?: Identity): SimpleGit {
  const git = simpleGit({ baseDir: dir, allowEnvironment: [...IDENTITY_VARS] });
  if (!who) return git;
  return git.env({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_AUTHOR_DATE: who.date,
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email,
    GIT_COMMITTER_DATE: who.date,
  });
}
