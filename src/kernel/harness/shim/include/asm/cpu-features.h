/*
 * jitgen harness shim: the CPU features a kernel built for MIPS32 release 2
 * or release 6 reports on a CPU of that release (the Malta 24Kf and
 * mips32r6-generic QEMU models), as compile-time constants. R6 removed the
 * MIPS II..V encodings (branch-likely, HI/LO multiply, ...), so the
 * "mips_2"/"mips32r1"/"mips32r2" families are false there.
 */
#ifndef JITGEN_SHIM_ASM_CPU_FEATURES_H
#define JITGEN_SHIM_ASM_CPU_FEATURES_H
#include <jitgen/kernel.h>
#include <asm/isa-rev.h>

#define JITGEN_PRE_R6 (MIPS_ISA_REV < 6)
#define cpu_has_mips_1 JITGEN_PRE_R6
#define cpu_has_mips_2 JITGEN_PRE_R6
#define cpu_has_mips_3 0
#define cpu_has_mips_4 0
#define cpu_has_mips_5 0
#define cpu_has_mips32r1 JITGEN_PRE_R6
#define cpu_has_mips32r2 JITGEN_PRE_R6
#define cpu_has_mips32r5 0
#define cpu_has_mips32r6 (MIPS_ISA_REV >= 6)
#define cpu_has_mips64r1 0
#define cpu_has_mips64r2 0
#define cpu_has_mips64r5 0
#define cpu_has_mips64r6 0
#define cpu_has_mips_r2 cpu_has_mips32r2
#define cpu_has_mips_r5 0
#define cpu_has_mips_r6 cpu_has_mips32r6
#define cpu_has_mips32 (cpu_has_mips32r1 | cpu_has_mips32r2 | cpu_has_mips32r6)
#define cpu_has_mips64 0
#define cpu_has_mips_r (cpu_has_mips32 | cpu_has_mips64)
#define cpu_has_mips_r2_r6 (cpu_has_mips_r2 | cpu_has_mips_r6)
#define cpu_has_mips_4_5 (cpu_has_mips_4 | cpu_has_mips_5)
#define cpu_has_mips_3_4_5 (cpu_has_mips_3 | cpu_has_mips_4_5)
#define cpu_has_mips_2_3_4_5 (cpu_has_mips_2 | cpu_has_mips_3_4_5)
#define cpu_has_mips_5_r (cpu_has_mips_5 | cpu_has_mips_r)
#define cpu_has_mips_4_5_r (cpu_has_mips_4 | cpu_has_mips_5_r)
#define cpu_has_mips_3_4_5_r (cpu_has_mips_3 | cpu_has_mips_4_5_r)
#define cpu_has_mips_2_3_4_5_r (cpu_has_mips_2 | cpu_has_mips_3_4_5_r)
#define cpu_has_64bits 0
#define cpu_has_llsc 1
#define cpu_has_rixi 0
#define cpu_has_loongson_mmi 0
#define cpu_has_loongson_cam 0
#define cpu_has_loongson_ext 0
#define cpu_has_loongson_ext2 0
#define cpu_has_mmips 0
#define cpu_has_bp_ghist 0

#endif /* JITGEN_SHIM_ASM_CPU_FEATURES_H */
