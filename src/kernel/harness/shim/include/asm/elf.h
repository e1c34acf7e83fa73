/* jitgen harness shim: everything the JIT needs of <asm/elf.h> is in jitgen/kernel.h. */
#include <jitgen/kernel.h>
