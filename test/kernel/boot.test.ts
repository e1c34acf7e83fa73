// Kernel build + boot plumbing, without building or booting a kernel: the config
// fragment, the log parsers (formats from lib/test_bpf.c, bpf_jit_dump in
// include/linux/filter.h and gcc), the initramfs list and cpio, the /init for R2 and R6
// (cross-compiled; checked with readelf/objdump), tree keys and the CLI's exit codes.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { config } from '../../src/config.ts';
import { formatElapsed, lastStep, parseWarnings, treeKey, isJitFile } from '../../src/kernel/build.ts';
import { kernelCommandLine, parseBootLog, parseJitDumps, qemuCommand } from '../../src/kernel/boot.ts';
import { BPF2BPF_EXPECTED, bootTestPassed, type BootTestResult } from '../../src/kernel/boottest.ts';
import { treeOf } from '../../src/commands/boot-test.ts';
import { UsageError } from '../../src/errors.ts';
import { buildInit, genInitCpio, initramfsList, initSource, packInitramfs } from '../../src/kernel/initramfs.ts';
import { interpret } from '../../src/bpf/interpreter.ts';
import { kconfigEdits, mips64Target, parseDotConfig, scriptsConfigArgs, targetById, targetFor, unmetEdits } from '../../src/kernel/kconfig.ts';
import { repoRoot } from '../../src/paths.ts';
import { bootBinding, inferImageBase } from '../../src/kernel/dumpcompare.ts';
import { buildReportText, buildTargets } from '../../src/kernel/checkbuild.ts';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'jitgen-boot-'));
const baseTree = join(repoRoot, 'kernel-tree/base');
const haveTree = existsSync(join(baseTree, 'usr/gen_init_cpio.c'));

describe('kernel configuration', () => {
  test('be-r2: Malta, 32-bit R2, big endian, the options DESIGN.md lists, TEST_BPF as a module', () => {
    const args = scriptsConfigArgs(kconfigEdits(targetFor(config('be-r2'))));
    const pairs = new Set<string>();
    for (let i = 0; i < args.length; i += 2) pairs.add(`${args[i]} ${args[i + 1]}`);
    for (const name of ['MIPS_MALTA', '32BIT', 'CPU_MIPS32_R2', 'CPU_BIG_ENDIAN', 'PRINTK', 'TTY', 'SERIAL_8250', 'SERIAL_8250_CONSOLE',
      'BINFMT_ELF', 'BLK_DEV_INITRD', 'NET', 'BPF_SYSCALL', 'BPF_JIT', 'BPF_JIT_ALWAYS_ON', 'MODULES', 'MODULE_UNLOAD',
      'RUNTIME_TESTING_MENU', 'PCI', 'POWER_RESET', 'POWER_RESET_PIIX4_POWEROFF', 'MFD_SYSCON', 'MIPS_FP_SUPPORT']) {
      expect(pairs.has(`-e ${name}`), name).toBe(true);
    }
    expect(pairs.has('-d MIPS_GENERIC_KERNEL')).toBe(true);
    expect(pairs.has('-m TEST_BPF')).toBe(true);
    expect(pairs.has('-e CPU_MIPS32_R6')).toBe(false);
  });

  test('le-r6 selects R6 and little endian; the dump variant drops BPF_JIT_ALWAYS_ON for bpf_jit_enable=2', () => {
    const plain = scriptsConfigArgs(kconfigEdits(targetFor(config('le-r6')))).join(' ');
    expect(plain).toContain('-e CPU_MIPS32_R6');
    expect(plain).toContain('-e CPU_LITTLE_ENDIAN');
    expect(plain).toContain('-d CPU_BIG_ENDIAN');
    const dump = targetFor(config('le-r6'), { jitDump: true });
    expect(dump.id).toBe('le-r6-dump');
    const dumpArgs = scriptsConfigArgs(kconfigEdits(dump)).join(' ');
    expect(dumpArgs).toContain('-d BPF_JIT_ALWAYS_ON');
    expect(dumpArgs).toContain('-e PROC_SYSCTL');
  });

  test('the MIPS64 build is Malta 64-bit R2 and has no 32-bit CPU', () => {
    const args = scriptsConfigArgs(kconfigEdits(mips64Target())).join(' ');
    expect(args).toContain('-e 64BIT');
    expect(args).toContain('-e CPU_MIPS64_R2');
    expect(args).not.toContain('CPU_MIPS32');
    expect(targetById('mips64-be-r2').bits).toBe(64);
    expect(targetById('be-r6-dump').jitDump).toBe(true);
    expect(() => targetById('be-r3')).toThrow(/unknown kernel configuration/);
  });

  test('an option olddefconfig dropped is reported', () => {
    const dot = parseDotConfig('CONFIG_BPF_JIT=y\n# CONFIG_MODULES is not set\nCONFIG_TEST_BPF=y\n');
    const unmet = unmetEdits(
      [{ op: 'enable', name: 'BPF_JIT' }, { op: 'enable', name: 'MODULES' }, { op: 'module', name: 'TEST_BPF' }, { op: 'disable', name: 'MIPS_GENERIC_KERNEL' }, { op: 'enable', name: 'PCI' }],
      dot,
    );
    expect(unmet.map((e) => e.name)).toEqual(['MODULES', 'TEST_BPF', 'PCI']);
  });
});

describe('build log', () => {
  test('gcc warnings are named relative to the tree; JIT files are told apart', () => {
    const log = [
      '  CC      arch/mips/net/bpf_jit_comp.o',
      '/src/linux/arch/mips/net/bpf_jit_comp32.c:120:6: warning: no previous prototype for \'foo\' [-Wmissing-prototypes]',
      '../../linux/kernel/bpf/core.c:77:1: warning: unused variable \'x\' [-Wunused-variable]',
      'In file included from /src/linux/include/linux/kernel.h:1:',
      '/src/linux/arch/mips/net/bpf_jit_comp32.c:120:6: warning: no previous prototype for \'foo\' [-Wmissing-prototypes]',
      'mips-linux-gnu-ld: warning: something odd',
    ].join('\n');
    const w = parseWarnings(log, '/src/linux', '/b/x/be-r2');
    expect(w).toEqual([
      { file: 'arch/mips/net/bpf_jit_comp32.c', line: 120, text: "no previous prototype for 'foo' [-Wmissing-prototypes]" },
      { file: '../../linux/kernel/bpf/core.c', line: 77, text: "unused variable 'x' [-Wunused-variable]" },
    ]);
    expect(w.filter((x) => isJitFile(x.file))).toHaveLength(1);
    // Relative to the build directory: /b/x/be-r2/../../../src/linux is the tree.
    expect(parseWarnings('../../../src/linux/lib/test_bpf.c:5:2: warning: w', '/src/linux', '/b/x/be-r2')[0]!.file).toBe('lib/test_bpf.c');
  });

  test('progress shows the last step and the elapsed time', () => {
    expect(lastStep('  CC      kernel/fork.o\n  CC [M]  lib/test_bpf.o\nmake[2]: foo\n')).toBe('CC [M] lib/test_bpf.o');
    expect(lastStep('nothing here')).toBeUndefined();
    expect(formatElapsed(0)).toBe('0s');
    expect(formatElapsed(59.9)).toBe('59s');
    expect(formatElapsed(365)).toBe('6m05s');
  });
});

describe('check --build', () => {
  test('the four configurations and then the MIPS64 build; --no-mips64 leaves it out', () => {
    const all = ['be-r2', 'le-r2', 'be-r6', 'le-r6'].map((id) => config(id));
    expect(buildTargets(all, true).map((t) => t.id)).toEqual(['be-r2', 'le-r2', 'be-r6', 'le-r6', 'mips64-be-r2']);
    expect(buildTargets([config('le-r6')], false).map((t) => t.id)).toEqual(['le-r6']);
  });

  test('the text report lists the warnings in arch/mips/net only', () => {
    const text = buildReportText({
      tree: '/t',
      ok: false,
      configs: {
        'be-r2': {
          ok: true, seconds: 400, reused: false, jitWarnings: 1, log: '/b/build.log',
          warnings: [{ file: 'arch/mips/net/bpf_jit_comp.c', line: 3, text: 'w1' }, { file: 'kernel/fork.c', line: 9, text: 'w2' }],
        },
      },
    });
    expect(text).toContain('be-r2: ok (400s), 2 warnings, 1 in arch/mips/net');
    expect(text).toContain('arch/mips/net/bpf_jit_comp.c:3: w1');
    expect(text).not.toContain('w2');
  });
});

describe('tree key', () => {
  test('names the commit; an uncommitted change gives another key, reverting it the first back', () => {
    const dir = tmp();
    const git = (...a: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: dir }).toString();
    git('init', '-q');
    writeFileSync(join(dir, 'a.c'), 'int a;\n');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    const commit = git('rev-parse', 'HEAD').trim().slice(0, 12);
    const clean = treeKey(dir);
    expect(clean).toMatch(new RegExp(`^git-${commit}-[0-9a-f]{8}$`));
    writeFileSync(join(dir, 'a.c'), 'int b;\n');
    const dirty = treeKey(dir);
    expect(dirty).toMatch(new RegExp(`^git-${commit}-[0-9a-f]{8}-dirty-[0-9a-f]{12}$`));
    writeFileSync(join(dir, 'new.c'), 'x\n');
    expect(treeKey(dir)).not.toBe(dirty);
    writeFileSync(join(dir, 'a.c'), 'int a;\n');
    spawnSync('rm', [join(dir, 'new.c')]);
    expect(treeKey(dir)).toBe(clean);
  });
});

// Lines as test_bpf.c prints them: pr_info("#%d %s ") then pr_cont("jited:%u "), the
// durations, "PASS" or "FAIL (%d times)"; the summaries as its final pr_info()s.
const LOG = [
  'Linux version 6.12.57 (jitgen@localhost) #1',
  'jitgen-init: load test_bpf test_suite=test_bpf',
  'test_bpf: #0 TAX jited:1 200 180 190 PASS',
  'test_bpf: #1 TXA jited:1 ret 0 != 2 (0x0 != 0x2)FAIL (1 times)',
  'test_bpf: #2 ALU_MOVSX | BPF_B jited:1 ret 255 != -1 (0xff != 0xffffffff)FAIL (1 times)',
  'test_bpf: #3 LD_IND byte default X FAIL to prog_create err=-22 len=3',
  'test_bpf: #4 JMP_JA: Jump, gap, jump, ... ',
  'flen=5 proglen=16 pass=2 image=0000000012345678 from=insmod pid=1',
  'JIT code: 00000000: 27 bd ff f0 af be 00 0c 03 e0 00 08 00 00 00 00',
  'jited:1 300 PASS',
  '[    5.123456] test_bpf: #5 spaces in name  here jited:0 100 FAIL (2 times)',
  // as booted mainline 6.12 printed it: the JIT's message between name and verdict
  'test_bpf: #313 BSWAP 16: 0x0123456789abcdef -> 0xefcd ',
  'unknown opcode d7',
  'FAIL to select_runtime err=-524',
  "test_bpf: Summary: 1027 PASSED, 23 FAILED, [1026/1026 JIT'ed]",
  'jitgen-init: finit_module returned -22',
  'jitgen-init: delete_module returned -2',
  'jitgen-init: load test_bpf test_suite=test_tail_calls',
  'test_bpf: #0 Tail call leaf jited:1 71 PASS',
  'test_bpf: #1 Tail call 2 jited:1 ret 3 != 2 FAIL',
  "test_bpf: test_tail_calls: Summary: 9 PASSED, 1 FAILED, [10/10 JIT'ed]",
  'jitgen-init: bpf2bpf',
  // mainline 6.12: its MIPS32 JIT has no bpf2bpf calls, and the JIT is always on
  'jitgen-init: bpf2bpf: BPF_PROG_LOAD returned -524',
  'jitgen-init: power off',
  'reboot: Power down',
].join('\r\n');

describe('serial log', () => {
  test('reads both summary lines', () => {
    const r = parseBootLog(LOG);
    expect(r.main).toEqual({ passed: 1027, failed: 23, jited: 1026, total: 1026 });
    expect(r.tailCalls).toEqual({ passed: 9, failed: 1, jited: 10, total: 10 });
    expect(r.poweredOff).toBe(true);
    expect(r.panic).toBeUndefined();
    expect(r.bpf2bpf).toEqual({ error: 'BPF_PROG_LOAD returned -524' });
    expect(parseBootLog('jitgen-init: bpf2bpf: the program returned 73814').bpf2bpf).toEqual({ returned: 73814 });
    // say_number prints a long: a u32 result at or above 2^31 comes out negative
    expect(parseBootLog('jitgen-init: bpf2bpf: the program returned -2').bpf2bpf).toEqual({ returned: 0xfffffffe });
  });

  test('the /init\'s bpf2bpf program returns BPF2BPF_EXPECTED in the reference interpreter', () => {
    // the program as init.c spells it: { code, dst, src, off, imm } per line
    const src = readFileSync(initSource, 'utf8');
    const table = src.slice(src.indexOf('bpf2bpf_prog[] = {'), src.indexOf('};', src.indexOf('bpf2bpf_prog[] = {')));
    const insns = [...table.matchAll(/\{ (0x[0-9a-f]+), (\d+), (\d+), (-?\d+), (0x[0-9a-f]+|-?\d+) \}/g)].map((m) => ({
      code: Number(m[1]), dst: Number(m[2]), src: Number(m[3]), off: Number(m[4]), imm: Number(m[5]) | 0,
    }));
    expect(insns).toHaveLength(25);
    expect(insns.filter((i) => i.code === 0x85 && i.src === 1)).toHaveLength(2);
    for (const order of ['be', 'le'] as const) {
      const r0 = interpret({ id: 'init:bpf2bpf', insns, verifierZext: false, stackDepth: 16 }, { order }).r0;
      expect(Number(r0 & 0xffffffffn)).toBe(BPF2BPF_EXPECTED);
    }
  });

  test('power off is seen when the kernel\'s own line cut /init\'s (seen in a loaded CI boot)', () => {
    const cut = ["test_bpf: test_tail_calls: Summary: 10 PASSED, 0 FAILED, [10/10 JIT'ed]", 'jitgen-init: reboot: Power down'].join('\n');
    expect(parseBootLog(cut).poweredOff).toBe(true);
    expect(parseBootLog("test_bpf: test_tail_calls: Summary: 10 PASSED, 0 FAILED, [10/10 JIT'ed]").poweredOff).toBe(false);
  });

  test('names the failed tests of both suites, also across interleaved JIT dump lines', () => {
    const r = parseBootLog(LOG);
    expect(r.failures.map((f) => f.id)).toEqual([
      'test_bpf:1:TXA',
      'test_bpf:2:ALU_MOVSX | BPF_B',
      'test_bpf:3:LD_IND byte default X',
      'test_bpf:5:spaces in name  here',
      'test_bpf:313:BSWAP 16: 0x0123456789abcdef -> 0xefcd',
      'tail_calls:1:Tail call 2',
    ]);
    expect(r.failures[0]!.detail).toBe('jited:1 ret 0 != 2 (0x0 != 0x2)FAIL (1 times)');
    expect(r.failures[2]!.detail).toBe('FAIL to prog_create err=-22 len=3');
    expect(r.failures[4]!.detail).toBe('unknown opcode d7 FAIL to select_runtime err=-524');
  });

  test('a boot that died has no summary and names the panic', () => {
    const r = parseBootLog('test_bpf: #0 TAX \nKernel panic - not syncing: Attempted to kill init!\n');
    expect(r.main).toBeUndefined();
    expect(r.tailCalls).toBeUndefined();
    expect(r.panic).toBe('Kernel panic - not syncing: Attempted to kill init!');
  });
});

describe('JIT dumps', () => {
  // bpf_jit_dump(): pr_err("flen=.. proglen=.. pass=.. image=..") then print_hex_dump
  // with prefix "JIT code: ", offsets, 16 bytes per line in memory order.
  const dumpLog = [
    'jitgen-init: load test_bpf test_suite=test_bpf',
    'test_bpf: #7 name ',
    'flen=2 proglen=20 pass=2 image=00000000deadbeef from=insmod pid=1',
    'JIT code: 00000000: 27 bd ff f0 af be 00 0c 03 e0 00 08 00 00 00 00',
    'JIT code: 00000010: 24 02 00 01',
    'jited:1 10 PASS',
    'jitgen-init: load test_bpf test_suite=test_tail_calls',
    'flen=1 proglen=4 pass=2 image=0000000011111111 from=insmod pid=1',
    'JIT code: 00000000: 03 e0 00 08',
    'flen=1 proglen=8 pass=2 image=0000000022222222 from=insmod pid=1',
    'JIT code: 00000000: 00 00 00 00',
    'test_bpf: #0 Tail call leaf jited:1 71 PASS',
  ].join('\n');

  test('big endian: bytes in memory order make the words (addiu sp,sp,-16 = 0x27bdfff0)', () => {
    const d = parseJitDumps(dumpLog, 'be');
    expect(d.map((x) => [x.suite, x.index, x.insns, x.bytes, x.complete])).toEqual([
      ['test_bpf', 7, 2, 20, true],
      ['tail_calls', 0, 1, 4, true],
      ['tail_calls', 1, 1, 8, false],
    ]);
    expect(d[0]!.words).toEqual([0x27bdfff0, 0xafbe000c, 0x03e00008, 0x00000000, 0x24020001]);
  });

  test('little endian: the same bytes read the other way round', () => {
    const d = parseJitDumps('flen=1 proglen=4 pass=2 image=00 from=x pid=1\nJIT code: 00000000: f0 ff bd 27\n', 'le');
    expect(d[0]!.words).toEqual([0x27bdfff0]);
  });

  test('a gap in the offsets (lost console lines) marks the image incomplete', () => {
    const d = parseJitDumps('flen=1 proglen=32 pass=2 image=00 from=x pid=1\nJIT code: 00000000: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n' + 'JIT code: 00000020: 00 00 00 00\n', 'be');
    expect(d[0]!.complete).toBe(false);
  });
});

describe('image base from j words', () => {
  // j target = top 4 bits of the delay slot's address | (26-bit field << 2): an image at
  // 0xc0010000 jumping to +0x40 encodes 0x08000000 | (0xc0010040 >> 2 & 0x3ffffff) = 0x08004010;
  // the same image at 0xc0020000 encodes 0x08008010.
  const addiu = 0x27bdfff0;
  test('one consistent offset in the j words gives the kernel image base', () => {
    expect(inferImageBase([addiu, 0x08008010, 0x08008014], [addiu, 0x08004010, 0x08004014], 0xc0010000)).toBe(0xc0020000);
  });
  test('no base when another word differs, the offsets disagree, or nothing differs', () => {
    expect(inferImageBase([addiu + 1, 0x08008010], [addiu, 0x08004010], 0xc0010000)).toBeUndefined();
    expect(inferImageBase([0x08008010, 0x08009014], [0x08004010, 0x08004014], 0xc0010000)).toBeUndefined();
    expect(inferImageBase([addiu], [addiu], 0xc0010000)).toBeUndefined();
  });
});

describe('System.map of a 32-bit build', () => {
  test('sign-extended 64-bit addresses (as a 6.12 Malta build writes them) bind as 32-bit', () => {
    const dir = tmp();
    const map = join(dir, 'System.map');
    writeFileSync(map, 'ffffffff801a5778 T __bpf_call_base\nffffffff801b0000 T div64_u64\nffffffff8012abcd t jit_mod64\n');
    const b = bootBinding(map);
    expect(b.callBase).toBe(0x801a5778);
    expect(b.symbols.get('div64_u64')).toBe(0x801b0000);
    expect(b.symbols.get('jit_mod64')).toBe(0x8012abcd);
  });
});

describe('QEMU command and verdict', () => {
  test('R2 boots a 24Kf, R6 a mips32r6-generic; LE uses qemu-system-mipsel', () => {
    const be = qemuCommand(config('be-r2'), 'vmlinux', 'x.cpio', kernelCommandLine());
    expect(be.cmd).toBe('qemu-system-mips');
    expect(be.args.join(' ')).toBe('-M malta -cpu 24Kf -m 256 -kernel vmlinux -initrd x.cpio -append console=ttyS0 -nographic -no-reboot');
    const le = qemuCommand(config('le-r6'), 'v', 'i', kernelCommandLine({ jitDump: true }));
    expect(le.cmd).toBe('qemu-system-mipsel');
    expect(le.args.slice(2, 4)).toEqual(['-cpu', 'mips32r6-generic']);
    expect(le.args).toContain('console=ttyS0 sysctl.net.core.bpf_jit_enable=2');
  });

  test('a run passes only with both summaries, nothing failed and the bpf2bpf program right', () => {
    const base = { error: undefined, failed: 0, tail_calls: { passed: 10, failed: 0, jited: 10, total: 10 }, bpf2bpf: { returned: BPF2BPF_EXPECTED } } as unknown as BootTestResult;
    expect(bootTestPassed(base)).toBe(true);
    expect(bootTestPassed({ ...base, bpf2bpf: null })).toBe(false);
    expect(bootTestPassed({ ...base, bpf2bpf: { error: 'BPF_PROG_LOAD returned -524' } })).toBe(false);
    expect(bootTestPassed({ ...base, bpf2bpf: { returned: BPF2BPF_EXPECTED + 1 } })).toBe(false);
    expect(bootTestPassed({ ...base, failed: 23 })).toBe(false);
    expect(bootTestPassed({ ...base, tail_calls: { passed: 9, failed: 1, jited: 10, total: 10 } })).toBe(false);
    expect(bootTestPassed({ ...base, tail_calls: null })).toBe(false);
    expect(bootTestPassed({ ...base, error: 'timed out' })).toBe(false);
  });
});

describe('initramfs', () => {
  test('the list has the console device node, the init and the module', () => {
    expect(initramfsList({ init: '/b/init', modules: [{ name: 'test_bpf.ko', path: '/b/lib/test_bpf.ko' }] })).toBe(
      'dir /dev 0755 0 0\nnod /dev/console 0600 0 0 c 5 1\nfile /init /b/init 0755 0 0\nfile /test_bpf.ko /b/lib/test_bpf.ko 0644 0 0\n',
    );
    expect(() => initramfsList({ init: '/a b/init', modules: [] })).toThrow(/whitespace/);
  });

  test.skipIf(!haveTree)("the tree's gen_init_cpio packs it; cpio lists the entries; the bytes repeat", () => {
    const dir = tmp();
    writeFileSync(join(dir, 'init'), 'I');
    writeFileSync(join(dir, 'm.ko'), 'M');
    const gen = genInitCpio(baseTree, dir);
    const contents = { init: join(dir, 'init'), modules: [{ name: 'test_bpf.ko', path: join(dir, 'm.ko') }] };
    const a = readFileSync(packInitramfs(gen, contents, join(dir, 'a.cpio')));
    const b = readFileSync(packInitramfs(gen, contents, join(dir, 'b.cpio')));
    expect(a.equals(b)).toBe(true);
    const listing = execFileSync('cpio', ['-itv', '--quiet'], { input: a }).toString();
    expect(listing).toMatch(/^crw------- .* 5,\s*1 .* dev\/console$/m);
    expect(listing).toMatch(/^-rwxr-xr-x .* init$/m);
    expect(listing).toMatch(/test_bpf\.ko$/m);
  });
});

describe('/init', () => {
  const dir = tmp();
  const elfFlags = (f: string): string => execFileSync('readelf', ['-h', f]).toString();
  const disasm = (f: string, isa: string, endian: string): string =>
    execFileSync('mips-linux-gnu-objdump', ['-d', '-m', `mips:${isa}`, endian === 'be' ? '-EB' : '-EL', f]).toString();

  test('R2 big endian: static MIPS32 rel2 MSB, entry at __start, O32 syscalls', () => {
    const f = buildInit(config('be-r2'), join(dir, 'be-r2', 'init'));
    const h = elfFlags(f);
    expect(h).toMatch(/Data:\s+2's complement, big endian/);
    expect(h).toMatch(/Type:\s+EXEC/);
    expect(h).toMatch(/mips32r2/);
    expect(h).not.toMatch(/nan2008/);
    const entry = /Entry point address:\s+0x([0-9a-f]+)/.exec(h)![1]!;
    const syms = execFileSync('mips-linux-gnu-nm', [f]).toString();
    expect(syms).toMatch(new RegExp(`^0*${entry} T __start$`, 'm'));
    expect(disasm(f, 'isa32r2', 'be')).toMatch(/\tsyscall/);
    // No dynamic section, no interpreter: the kernel runs it with nothing else in the initramfs.
    expect(execFileSync('readelf', ['-l', f]).toString()).not.toMatch(/INTERP|DYNAMIC/);
  });

  test('R6 little endian: rel6 LSB with the 2008 NaN encoding, and no HI/LO instruction', () => {
    const f = buildInit(config('le-r6'), join(dir, 'le-r6', 'init'));
    const h = elfFlags(f);
    expect(h).toMatch(/little endian/);
    expect(h).toMatch(/mips32r6/);
    expect(h).toMatch(/nan2008/);
    const text = disasm(f, 'isa32r6', 'le');
    expect(text).toMatch(/\tsyscall/);
    expect(text).not.toMatch(/\t(mfhi|mflo|mthi|mtlo|mult|multu|madd|maddu|msub|msubu)\s/);
  });

  test('be-r6 and le-r2 build as well', () => {
    expect(elfFlags(buildInit(config('be-r6'), join(dir, 'be-r6', 'init')))).toMatch(/big endian[\s\S]*mips32r6/);
    expect(elfFlags(buildInit(config('le-r2'), join(dir, 'le-r2', 'init')))).toMatch(/little endian[\s\S]*mips32r2/);
  });
});

describe('boot-test CLI', () => {
  const cli = (...args: string[]) => spawnSync('node', [join(repoRoot, 'bin/jitgen.js'), ...args], { encoding: 'utf8' });

  test('without --mainline or --tree the series worktree is booted; without a series: usage error', () => {
    const none = join(mkdtempSync(join(tmpdir(), 'jitgen-noseries-')), 'worktree');
    expect(() => treeOf({}, none)).toThrow(UsageError);
    expect(() => treeOf({}, none)).toThrow(/run `jitgen patch --series` first, or give --tree DIR or --mainline/);
  });

  test('a bad --timeout or configuration is refused before anything is built', () => {
    expect(cli('boot-test', '--mainline', '--timeout', 'soon').status).toBe(2);
    const r = cli('boot-test', '--mainline', '--configs', 'be-r3');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown configuration 'be-r3'/);
  });
});
