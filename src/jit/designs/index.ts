// The design presets by name.
import { UsageError } from '../../errors.ts';
import type { Design } from '../design.ts';
import { jitgen } from './jitgen.ts';

export const DESIGNS: readonly Design[] = [jitgen];

export function designByName(name: string): Design {
  const d = DESIGNS.find((x) => x.name === name);
  if (!d) throw new UsageError(`unknown design '${name}' (known: ${DESIGNS.map((x) => x.name).join(', ')})`);
  return d;
}
