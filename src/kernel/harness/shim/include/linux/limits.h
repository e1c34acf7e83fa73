/* jitgen harness shim: everything the JIT needs of <linux/limits.h> is in jitgen/kernel.h. */
#include <jitgen/kernel.h>
