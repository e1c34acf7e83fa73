/* jitgen harness shim: everything the JIT needs of <linux/math64.h> is in jitgen/kernel.h. */
#include <jitgen/kernel.h>
