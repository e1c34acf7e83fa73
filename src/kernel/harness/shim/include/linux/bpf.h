/* jitgen harness shim: everything the JIT needs of <linux/bpf.h> is in jitgen/kernel.h. */
#include <jitgen/kernel.h>
