// Kernel configurations for cross-builds and boots (DESIGN.md "Facts worth knowing": the
// option list that boots on Malta and runs test_bpf). A configuration is data: which
// options scripts/config turns on or off after allnoconfig; olddefconfig fills the rest.
import { config as targetConfig, type Config, type Endian } from '../config.ts';
import { UsageError } from '../errors.ts';

/** What one kernel build is for. */
export interface KernelTarget {
  /** Directory name of the build under the tree's build cache: `be-r2`, `be-r2-dump`, `mips64-be-r2`. */
  id: string;
  endian: Endian;
  /** 32-bit targets carry their jitgen configuration; the 64-bit one has none. */
  config?: Config;
  bits: 32 | 64;
  /** Built without BPF_JIT_ALWAYS_ON so `bpf_jit_enable=2` can dump images. */
  jitDump: boolean;
}

/** One `scripts/config` edit: `-e NAME`, `-d NAME` or `-m NAME`. */
export interface KconfigEdit {
  op: 'enable' | 'disable' | 'module';
  name: string;
}

/** The Malta options that boot and run test_bpf (measured on 6.12, DESIGN.md). */
const BOOT_OPTIONS = [
  'MIPS_MALTA',
  'PRINTK', 'TTY', 'SERIAL_8250', 'SERIAL_8250_CONSOLE',
  'BINFMT_ELF', 'BLK_DEV_INITRD',
  'NET', 'BPF_SYSCALL', 'BPF_JIT',
  'MODULES', 'MODULE_UNLOAD', 'RUNTIME_TESTING_MENU',
  'PCI', 'POWER_RESET', 'POWER_RESET_PIIX4_POWEROFF', 'MFD_SYSCON',
  'MIPS_FP_SUPPORT',
] as const;

/** The 64-bit build: Malta, MIPS64 R2, so the untouched bpf_jit_comp64.c is compiled. */
export const MIPS64_TARGET_ID = 'mips64-be-r2';

export function targetFor(config: Config, opts: { jitDump?: boolean } = {}): KernelTarget {
  const jitDump = !!opts.jitDump;
  return { id: jitDump ? `${config.id}-dump` : config.id, endian: config.endian, config, bits: 32, jitDump };
}

export function mips64Target(): KernelTarget {
  return { id: MIPS64_TARGET_ID, endian: 'be', bits: 64, jitDump: false };
}

/** `be-r2`, `be-r2-dump` or `mips64-be-r2` back to its target (for --configs lists). */
export function targetById(id: string): KernelTarget {
  if (id === MIPS64_TARGET_ID) return mips64Target();
  const m = /^(.*?)(-dump)?$/.exec(id)!;
  try {
    return targetFor(targetConfig(m[1]!), { jitDump: !!m[2] });
  } catch {
    throw new UsageError(`unknown kernel configuration '${id}' (expected be-r2, le-r2, be-r6, le-r6, a -dump variant, or ${MIPS64_TARGET_ID})`);
  }
}

/** The edits after allnoconfig, in order. */
export function kconfigEdits(t: KernelTarget): KconfigEdit[] {
  const on = (name: string): KconfigEdit => ({ op: 'enable', name });
  const off = (name: string): KconfigEdit => ({ op: 'disable', name });
  const edits: KconfigEdit[] = [off('MIPS_GENERIC_KERNEL')];
  if (t.bits === 32) {
    const cpu = t.config!.isa === 'r6' ? 'CPU_MIPS32_R6' : 'CPU_MIPS32_R2';
    edits.push(on('32BIT'), off('64BIT'), on(cpu));
  } else {
    edits.push(on('64BIT'), off('32BIT'), on('CPU_MIPS64_R2'));
  }
  edits.push(
    t.endian === 'be' ? on('CPU_BIG_ENDIAN') : on('CPU_LITTLE_ENDIAN'),
    t.endian === 'be' ? off('CPU_LITTLE_ENDIAN') : off('CPU_BIG_ENDIAN'),
  );
  for (const name of BOOT_OPTIONS) edits.push(on(name));
  if (t.jitDump) {
    // bpf_jit_enable=2 (through the sysctl.* boot parameter, which needs procfs) is
    // refused while BPF_JIT_ALWAYS_ON pins the sysctl to 1.
    edits.push(off('BPF_JIT_ALWAYS_ON'), on('PROC_FS'), on('PROC_SYSCTL'));
  } else {
    edits.push(on('BPF_JIT_ALWAYS_ON'));
  }
  edits.push({ op: 'module', name: 'TEST_BPF' });
  return edits;
}

/** The arguments of `scripts/config --file .config ...` for the edits. */
export function scriptsConfigArgs(edits: readonly KconfigEdit[]): string[] {
  const flag = { enable: '-e', disable: '-d', module: '-m' } as const;
  return edits.flatMap((e) => [flag[e.op], e.name]);
}

/** Parse a .config into NAME -> value ('y', 'm', '"str"', 'n' for "is not set"). */
export function parseDotConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set) out.set(set[1]!, set[2]!);
    const unset = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset) out.set(unset[1]!, 'n');
  }
  return out;
}

/**
 * Edits that olddefconfig did not keep (a dependency missing in this tree, a renamed
 * symbol): a build of such a config would silently test something else.
 */
export function unmetEdits(edits: readonly KconfigEdit[], dotConfig: Map<string, string>): KconfigEdit[] {
  return edits.filter((e) => {
    const v = dotConfig.get(e.name) ?? 'n';
    if (e.op === 'enable') return v !== 'y';
    if (e.op === 'module') return v !== 'm';
    return v !== 'n';
  });
}

/** `mips-linux-gnu-` or `mipsel-linux-gnu-`: the 32-bit cross compilers also build MIPS64 kernels. */
export function crossCompile(t: KernelTarget): string {
  return t.endian === 'be' ? 'mips-linux-gnu-' : 'mipsel-linux-gnu-';
}
