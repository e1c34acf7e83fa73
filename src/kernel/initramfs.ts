// The boot test's initramfs: jitgen's own freestanding /init (src/kernel/init/init.c),
// cross-compiled per configuration, and test_bpf.ko, packed by the tree's own
// usr/gen_init_cpio from a list file, so no root and no device nodes on the host.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import { InputError } from '../errors.ts';

export const initSource = join(dirname(fileURLToPath(import.meta.url)), 'init', 'init.c');

/** The cross compiler driver for a configuration's byte order. */
export function crossGcc(config: Config): string {
  return config.endian === 'be' ? 'mips-linux-gnu-gcc' : 'mipsel-linux-gnu-gcc';
}

/**
 * gcc flags for the /init: static, no libc, no PIC (no $gp set-up needed), soft-float
 * (no FPU mode to negotiate), the ISA of the CPU QEMU emulates, and on R6 the 2008 NaN
 * encoding, without which an R6 kernel refuses the ELF.
 */
export function initCflags(config: Config): string[] {
  const isa = config.isa === 'r6' ? ['-march=mips32r6', '-mnan=2008'] : ['-march=mips32r2'];
  return [
    ...isa,
    config.endian === 'be' ? '-EB' : '-EL',
    '-O2', '-Wall', '-Wextra', '-Werror',
    '-static', '-nostdlib', '-ffreestanding', '-fno-pic', '-mno-abicalls', '-G', '0',
    '-msoft-float', '-fno-stack-protector', '-fno-asynchronous-unwind-tables',
    '-Wl,-e,__start', '-Wl,--build-id=none',
  ];
}

function run(cmd: string, args: string[], what: string): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 28 });
  if (r.error) throw new InputError(`${what}: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new InputError(`${what} failed (exit ${r.status}):\n  ${(r.stderr?.toString() ?? '').trim().split('\n').slice(0, 12).join('\n  ')}`);
  }
  return r.stdout;
}

/** Cross-compiles the /init for `config` into `out`. */
export function buildInit(config: Config, out: string): string {
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp`;
  run(crossGcc(config), [...initCflags(config), '-o', tmp, initSource], `${config.id}: compiling the /init`);
  renameSync(tmp, out);
  return out;
}

export interface InitramfsContents {
  init: string;
  modules: { name: string; path: string }[];
}

/** The gen_init_cpio list: /dev/console as a device entry, the init, the modules at /. */
export function initramfsList(c: InitramfsContents): string {
  const lines = [
    'dir /dev 0755 0 0',
    'nod /dev/console 0600 0 0 c 5 1',
    `file /init ${c.init} 0755 0 0`,
    ...c.modules.map((m) => `file /${m.name} ${m.path} 0644 0 0`),
  ];
  // The list format is whitespace-separated: a host path with a blank would split.
  for (const p of [c.init, ...c.modules.flatMap((m) => [m.name, m.path])]) {
    if (/\s/.test(p)) throw new InputError(`initramfs: path '${p}' contains whitespace`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The tree's usr/gen_init_cpio, built in the build directory: the kernel build makes it
 * for BLK_DEV_INITRD; when it is missing (an older build), compiled from the tree's source.
 */
export function genInitCpio(tree: string, buildDirectory: string): string {
  const built = join(buildDirectory, 'usr', 'gen_init_cpio');
  if (existsSync(built)) return built;
  const own = join(buildDirectory, 'jitgen-gen_init_cpio');
  if (!existsSync(own)) run('cc', ['-O2', '-o', own, join(tree, 'usr', 'gen_init_cpio.c')], 'compiling usr/gen_init_cpio.c');
  return own;
}

/** Packs the list into a newc cpio archive at `out` (timestamps 0: the same bytes every run). */
export function packInitramfs(genCpio: string, contents: InitramfsContents, out: string): string {
  const listFile = `${out}.list`;
  writeFileSync(listFile, initramfsList(contents));
  const cpio = run(genCpio, ['-t', '0', listFile], 'gen_init_cpio');
  const tmp = `${out}.tmp`;
  writeFileSync(tmp, cpio);
  renameSync(tmp, out);
  return out;
}
