// The host harness: a kernel MIPS32 BPF JIT's C (mainline's, or jitgen's rendered C)
// compiled with gcc -m32 against the tree's uasm and jitgen's shims, run on programs.
export { buildHarness, targetHeader, HARNESS_CFLAGS, defaultHarnessCache, type BuildOptions, type CustomJitSources, type HarnessBuild, type JitSources } from './build.ts';
export { harnessJit, type HarnessImage, type HarnessOptions } from './run.ts';
export { mainlineReport, kernelBoundCorpus, HARNESS_CORPORA, type MainlineReport, type ConfigResult, type ProgramResult } from './mainline.ts';
