/* jitgen harness shim: the target's ISA release, from the build configuration. */
#ifndef JITGEN_SHIM_ASM_ISA_REV_H
#define JITGEN_SHIM_ASM_ISA_REV_H
#include <jitgen/kernel.h>
#define MIPS_ISA_REV JITGEN_ISA_REV
#endif
