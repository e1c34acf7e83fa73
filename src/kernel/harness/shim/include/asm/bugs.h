/* jitgen harness shim: everything the JIT needs of <asm/bugs.h> is in jitgen/kernel.h. */
#include <jitgen/kernel.h>
