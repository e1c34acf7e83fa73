/* jitgen harness shim: everything the JIT needs of <asm/cacheflush.h> is in jitgen/kernel.h. */
#include <jitgen/kernel.h>
