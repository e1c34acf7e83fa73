// Target configurations (DESIGN.md "Conventions"): byte order x ISA release.
import { UsageError } from './errors.ts';

export type Isa = 'r2' | 'r6';
export type Endian = 'be' | 'le';

export interface Config {
  id: ConfigId;
  isa: Isa;
  endian: Endian;
}

export type ConfigId = 'be-r2' | 'le-r2' | 'be-r6' | 'le-r6';

export const ALL_CONFIGS: readonly ConfigId[] = ['be-r2', 'le-r2', 'be-r6', 'le-r6'];

export function config(id: string): Config {
  const m = /^(be|le)-(r2|r6)$/.exec(id);
  if (!m) throw new UsageError(`unknown configuration '${id}' (expected one of ${ALL_CONFIGS.join(', ')})`);
  return { id: id as ConfigId, endian: m[1] as Endian, isa: m[2] as Isa };
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * The configurations a multi-config verb runs: `--configs LIST`, or the product of
 * `--isa LIST` and `--endian LIST`, or all four.
 */
export function configsFromOptions(opts: { configs?: string; isa?: string; endian?: string }): Config[] {
  const ids = list(opts.configs);
  if (ids && (opts.isa || opts.endian)) throw new UsageError('give either --configs or --isa/--endian, not both');
  if (ids) return ids.map(config);
  const isas = list(opts.isa) ?? ['r2', 'r6'];
  const endians = list(opts.endian) ?? ['be', 'le'];
  const out: Config[] = [];
  for (const e of endians) for (const i of isas) out.push(config(`${e}-${i}`));
  return out;
}

/** The one configuration of a one-program verb: `--config ID` or `--isa` + `--endian`. */
export function configFromOptions(opts: { config?: string; isa?: string; endian?: string }): Config {
  if (opts.config && (opts.isa || opts.endian)) throw new UsageError('give either --config or --isa/--endian, not both');
  if (opts.config) return config(opts.config);
  return config(`${opts.endian ?? 'be'}-${opts.isa ?? 'r2'}`);
}
