/*
 * jitgen corpus shim: <linux/filter.h> (uapi) includes <linux/compiler.h>
 * but uses nothing from it.
 */
#ifndef JITGEN_SHIM_LINUX_COMPILER_H
#define JITGEN_SHIM_LINUX_COMPILER_H
#endif
