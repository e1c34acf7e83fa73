/*
 * jitgen corpus shim: the kernel environment that the test table of
 * lib/test_bpf.c needs, so that the table and its fill_helper generators
 * compile on the host exactly as written in the tree.
 *
 * Written for jitgen (not copied from the kernel). Bump SHIM_VERSION in
 * src/verify/corpus/build.ts when this file changes: the cache key holds it.
 *
 * The build defines JITGEN_BIG_ENDIAN to 1 or 0 for the target byte order.
 */
#ifndef JITGEN_SHIM_KERNEL_H
#define JITGEN_SHIM_KERNEL_H

/* Every host header comes first: glibc's <endian.h> defines both
 * __BIG_ENDIAN and __LITTLE_ENDIAN, and test_bpf.c tests `#ifdef
 * __BIG_ENDIAN` for the target byte order, so both are redefined below. */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#undef __BIG_ENDIAN
#undef __LITTLE_ENDIAN
#if JITGEN_BIG_ENDIAN
#define __BIG_ENDIAN 4321
#define __BIG_ENDIAN_BITFIELD
#else
#define __LITTLE_ENDIAN 1234
#define __LITTLE_ENDIAN_BITFIELD
#endif

/* The table describes a 32-bit kernel (MIPS32): tests under CONFIG_32BIT
 * exist there, and `long` is 32 bits when built with -m32. */
#define CONFIG_32BIT 1

/* Kernel integer types. */
typedef __u8 u8;
typedef __s8 s8;
typedef __u16 u16;
typedef __s16 s16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;

#define U8_MAX ((u8)~0U)
#define S8_MAX ((s8)(U8_MAX >> 1))
#define S8_MIN ((s8)(-S8_MAX - 1))
#define U16_MAX ((u16)~0U)
#define S16_MAX ((s16)(U16_MAX >> 1))
#define S16_MIN ((s16)(-S16_MAX - 1))
#define U32_MAX ((u32)~0U)
#define S32_MAX ((s32)(U32_MAX >> 1))
#define S32_MIN ((s32)(-S32_MAX - 1))
#define U64_MAX ((u64)~0ULL)
#define S64_MAX ((s64)(U64_MAX >> 1))
#define S64_MIN ((s64)(-S64_MAX - 1))

/* Annotations and small helpers of the kernel's compiler headers. */
#define __init
#define __initconst
#define __initdata
#define __exit
#undef __always_inline
#define __always_inline inline __attribute__((always_inline))
#define notrace
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define struct_size(p, member, n) \
	(sizeof(*(p)) + sizeof((p)->member[0]) * (size_t)(n))

/* Error numbers the table uses, as the kernel numbers them (the generic
 * ones, equal on MIPS). <errno.h> is not used: with -m32 it needs the
 * host's i386 asm/ headers, which multilib does not always install. */
#define ENOMEM 12
#define EFAULT 14
#define EINVAL 22
#define ENOTSUPP 524

/* Byte order of the target; constant expressions, as the table uses them
 * in static initialisers. */
#if JITGEN_BIG_ENDIAN
#define cpu_to_be16(x) ((u16)(x))
#define cpu_to_be32(x) ((u32)(x))
#define cpu_to_be64(x) ((u64)(x))
#define cpu_to_le16(x) ((u16)__builtin_bswap16(x))
#define cpu_to_le32(x) ((u32)__builtin_bswap32(x))
#define cpu_to_le64(x) ((u64)__builtin_bswap64(x))
#else
#define cpu_to_be16(x) ((u16)__builtin_bswap16(x))
#define cpu_to_be32(x) ((u32)__builtin_bswap32(x))
#define cpu_to_be64(x) ((u64)__builtin_bswap64(x))
#define cpu_to_le16(x) ((u16)(x))
#define cpu_to_le32(x) ((u32)(x))
#define cpu_to_le64(x) ((u64)(x))
#endif
#define be16_to_cpu(x) cpu_to_be16(x)
#define be32_to_cpu(x) cpu_to_be32(x)
#define be64_to_cpu(x) cpu_to_be64(x)
#define le16_to_cpu(x) cpu_to_le16(x)
#define le32_to_cpu(x) cpu_to_le32(x)
#define le64_to_cpu(x) cpu_to_le64(x)
#define htons(x) cpu_to_be16(x)
#define ntohs(x) cpu_to_be16(x)
#define htonl(x) cpu_to_be32(x)
#define ntohl(x) cpu_to_be32(x)

/* Allocation: zeroed, so a generator that leaves a hole gives the same
 * bytes on every run. */
#define GFP_KERNEL 0
static inline void *kmalloc(size_t size, int flags)
{
	(void)flags;
	return calloc(1, size ? size : 1);
}
static inline void *kzalloc(size_t size, int flags)
{
	return kmalloc(size, flags);
}
static inline void *kmalloc_array(size_t n, size_t size, int flags)
{
	return kmalloc(n * size, flags);
}
static inline void *kcalloc(size_t n, size_t size, int flags)
{
	return kmalloc(n * size, flags);
}
static inline void kfree(const void *p)
{
	free((void *)p);
}

/* Messages of the generators go to stderr, never into the output stream. */
#define pr_fmt(fmt) "test_bpf: " fmt
#define pr_info(...) fprintf(stderr, __VA_ARGS__)
#define pr_err(...) fprintf(stderr, __VA_ARGS__)
#define pr_warn(...) fprintf(stderr, __VA_ARGS__)
#define pr_cont(...) fprintf(stderr, __VA_ARGS__)

/* A generator that overflows its buffer must stop the import, loudly. */
#define BUG_ON(cond)							\
	do {								\
		if (cond) {						\
			fprintf(stderr, "BUG_ON(%s) at %s:%d\n", #cond,	\
				__FILE__, __LINE__);			\
			exit(4);					\
		}							\
	} while (0)
#define WARN_ON(cond) ({ bool jitgen_w = (cond); if (jitgen_w)	\
	fprintf(stderr, "WARN_ON(%s) at %s:%d\n", #cond, __FILE__, __LINE__); \
	jitgen_w; })

/* 64-bit division as <linux/math64.h> defines it; exact on every arch. */
static inline u64 div64_u64(u64 dividend, u64 divisor)
{
	return dividend / divisor;
}
static inline u64 div64_u64_rem(u64 dividend, u64 divisor, u64 *remainder)
{
	*remainder = dividend % divisor;
	return dividend / divisor;
}
static inline s64 div64_s64(s64 dividend, s64 divisor)
{
	return dividend / divisor;
}
static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}
/* do_div(n, base): n becomes the quotient; the value is the remainder. */
#define do_div(n, base) \
	({ u32 jitgen_rem = (u32)((n) % (base)); (n) /= (base); jitgen_rem; })

/*
 * The kernel's seeded PRNG (prandom_seed_state + prandom_u32_state, the
 * state-passing API test_bpf uses): L'Ecuyer's four-component combined
 * Tausworthe generator "LFSR113". Component j keeps a state word s whose
 * low `keep` bits are ignored; one step is
 *   s' = ((s & mask) << d) ^ (((s << a) ^ s) >> b)
 * and the output is the xor of the four words. Seeding folds a 64-bit seed
 * into one word and raises each component above its minimum (an all-zero
 * high part would be a fixed point). No warm-up: 6.1 and 6.12 seed the
 * state directly in prandom_seed_state.
 */
struct rnd_state {
	u32 s1, s2, s3, s4;
};

struct jitgen_taus_param {
	u32 a, b, mask, d, min;
};

static const struct jitgen_taus_param jitgen_taus[4] = {
	{ 6, 13, 0xfffffffeU, 18, 2 },
	{ 2, 27, 0xfffffff8U, 2, 8 },
	{ 13, 21, 0xfffffff0U, 7, 16 },
	{ 3, 12, 0xffffff80U, 13, 128 },
};

static inline u32 jitgen_taus_step(u32 s, const struct jitgen_taus_param *p)
{
	return ((s & p->mask) << p->d) ^ (((s << p->a) ^ s) >> p->b);
}

static inline void prandom_seed_state(struct rnd_state *state, u64 seed)
{
	u32 folded = (u32)((seed >> 32) ^ (seed << 10) ^ seed);
	u32 *words[4] = { &state->s1, &state->s2, &state->s3, &state->s4 };
	int j;

	for (j = 0; j < 4; j++)
		*words[j] = folded < jitgen_taus[j].min ?
			    folded + jitgen_taus[j].min : folded;
}

static inline u32 prandom_u32_state(struct rnd_state *state)
{
	u32 *words[4] = { &state->s1, &state->s2, &state->s3, &state->s4 };
	u32 out = 0;
	int j;

	for (j = 0; j < 4; j++) {
		*words[j] = jitgen_taus_step(*words[j], &jitgen_taus[j]);
		out ^= *words[j];
	}
	return out;
}

#endif
