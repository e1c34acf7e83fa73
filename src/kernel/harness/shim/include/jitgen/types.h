/*
 * jitgen harness shim: kernel integer types for a 32-bit target (gcc -m32:
 * int, long and pointers are 32 bits). Shared by the JIT's translation units
 * and the driver, so it uses nothing but the compiler's own types.
 */
#ifndef JITGEN_SHIM_TYPES_H
#define JITGEN_SHIM_TYPES_H

typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef signed short __s16;
typedef unsigned int __u32;
typedef signed int __s32;
typedef unsigned long long __u64;
typedef signed long long __s64;
typedef __u16 __le16;
typedef __u16 __be16;
typedef __u32 __le32;
typedef __u32 __be32;
typedef __u64 __le64;
typedef __u64 __be64;
typedef __u16 __sum16;
typedef __u32 __wsum;
#define __aligned_u64 __u64 __attribute__((aligned(8)))
#define __bitwise

typedef __u8 u8;
typedef __s8 s8;
typedef __u16 u16;
typedef __s16 s16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;

_Static_assert(sizeof(long) == 4 && sizeof(void *) == 4, "the harness must be built with -m32 (a 32-bit target)");

#endif /* JITGEN_SHIM_TYPES_H */
