/* jitgen harness shim: everything the JIT needs of <asm/bitops.h> is in jitgen/kernel.h. */
#include <jitgen/kernel.h>
