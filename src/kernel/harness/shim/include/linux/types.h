/* jitgen harness shim: everything the JIT needs of <linux/types.h> is in jitgen/kernel.h. */
#include <jitgen/kernel.h>
