/* jitgen harness shim: everything the JIT needs of <linux/compiler.h> is in jitgen/kernel.h. */
#include <jitgen/kernel.h>
