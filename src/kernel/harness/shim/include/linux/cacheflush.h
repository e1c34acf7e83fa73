/* jitgen harness shim: everything the JIT needs of <linux/cacheflush.h> is in jitgen/kernel.h. */
#include <jitgen/kernel.h>
