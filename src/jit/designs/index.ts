// The registry of design presets: what `--design NAME` accepts.
import { UsageError } from '../../errors.ts';
import type { Design } from '../design.ts';
import { jitgen } from './jitgen.ts';
import { johan } from './johan.ts';
import { tony } from './tony.ts';

/** Every preset, the default first. */
export const DESIGNS: readonly Design[] = [jitgen, johan, tony];

/** The preset called `name`; a UsageError naming the known ones otherwise. */
export function designByName(name: string): Design {
  const d = DESIGNS.find((x) => x.name === name);
  if (!d) throw new UsageError(`unknown design '${name}' (known: ${DESIGNS.map((x) => x.name).join(', ')})`);
  return d;
}
