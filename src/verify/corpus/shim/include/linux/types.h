/*
 * jitgen corpus shim: the uapi integer types that <linux/bpf.h> and
 * <linux/filter.h> of the kernel tree expect from <linux/types.h>.
 * Written for jitgen; the kernel's own header needs the arch uapi tree.
 */
#ifndef JITGEN_SHIM_LINUX_TYPES_H
#define JITGEN_SHIM_LINUX_TYPES_H

#include <stdint.h>

typedef uint8_t __u8;
typedef int8_t __s8;
typedef uint16_t __u16;
typedef int16_t __s16;
typedef uint32_t __u32;
typedef int32_t __s32;
typedef uint64_t __u64;
typedef int64_t __s64;

/* Byte-order annotations only matter to sparse. */
typedef __u16 __le16;
typedef __u16 __be16;
typedef __u32 __le32;
typedef __u32 __be32;
typedef __u64 __le64;
typedef __u64 __be64;
typedef __u16 __sum16;
typedef __u32 __wsum;

#define __aligned_u64 __u64 __attribute__((aligned(8)))
#define __aligned_be64 __be64 __attribute__((aligned(8)))
#define __aligned_le64 __le64 __attribute__((aligned(8)))

#define __bitwise
#define __force
#define __user

#endif
