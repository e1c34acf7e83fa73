/* jitgen harness shim: everything the JIT needs of <linux/errno.h> is in jitgen/kernel.h. */
#include <jitgen/kernel.h>
