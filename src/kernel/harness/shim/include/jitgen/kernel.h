/*
 * jitgen harness shim: the kernel environment a MIPS32 eBPF JIT needs to
 * compile on the host with gcc -m32, unmodified. Written for jitgen, not
 * copied from the kernel.
 *
 * Every linux/... and asm/... header of this directory includes only this
 * file: the JIT's translation units see no glibc header at all (the build
 * uses -nostdinc), because glibc defines both __BIG_ENDIAN and
 * __LITTLE_ENDIAN while the JIT tests `#ifdef __BIG_ENDIAN` for the
 * target's byte order.
 *
 * The build's generated header (jitgen/target.h, force-included) defines
 * JITGEN_BIG_ENDIAN, JITGEN_ISA_REV and the binding's struct offsets.
 */
#ifndef JITGEN_SHIM_KERNEL_H
#define JITGEN_SHIM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>

#include <jitgen/types.h>

/* Exactly one byte order macro, as the target's <asm/byteorder.h> gives. */
#if JITGEN_BIG_ENDIAN
#define __BIG_ENDIAN 4321
#define __BIG_ENDIAN_BITFIELD
#else
#define __LITTLE_ENDIAN 1234
#define __LITTLE_ENDIAN_BITFIELD
#endif

/*
 * <asm/bitfield.h> wants __MIPSEB__ or __MIPSEL__ to order the fields of
 * union mips_instruction. The host allocates bitfields from the least
 * significant bit, as a little-endian MIPS does, so the layout is right only
 * with __MIPSEL__; the emit path never reads that union either way.
 */
#define __MIPSEL__ 1

#define CONFIG_32BIT 1
#define CONFIG_BPF_JIT 1
#if JITGEN_ISA_REV >= 6
#define CONFIG_CPU_MIPSR6 1
#define CONFIG_CPU_MIPS32_R6 1
#else
#define CONFIG_CPU_MIPSR2 1
#define CONFIG_CPU_MIPS32_R2 1
#endif

/* ---- compiler annotations ---- */
#define __init
#define __initdata
#define __exit
#define __user
#define __percpu
#define __rcu
#define __iomem
#define __force
#define __must_check
#define __cold
#define notrace
#define __weak __attribute__((weak))
#define __maybe_unused __attribute__((unused))
#define __always_unused __attribute__((unused))
#define __always_inline inline __attribute__((always_inline))
#define noinline __attribute__((noinline))
#define __aligned(x) __attribute__((aligned(x)))
#define __packed __attribute__((packed))
#define fallthrough __attribute__((__fallthrough__))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)

/* ---- limits ---- */
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
#define INT_MAX ((int)(~0U >> 1))
#define INT_MIN (-INT_MAX - 1)
#define UINT_MAX (~0U)

/* ---- small helpers ---- */
#define BITS_PER_BYTE 8
#define BITS_PER_LONG 32
#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define GENMASK(h, l) (((~0UL) << (l)) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define min(a, b) ({ __typeof__(a) _jg_a = (a); __typeof__(b) _jg_b = (b); _jg_a < _jg_b ? _jg_a : _jg_b; })
#define max(a, b) ({ __typeof__(a) _jg_a = (a); __typeof__(b) _jg_b = (b); _jg_a > _jg_b ? _jg_a : _jg_b; })
#define min_t(t, a, b) ({ t _jg_a = (a); t _jg_b = (b); _jg_a < _jg_b ? _jg_a : _jg_b; })
#define max_t(t, a, b) ({ t _jg_a = (a); t _jg_b = (b); _jg_a > _jg_b ? _jg_a : _jg_b; })
#define swap(a, b) do { __typeof__(a) _jg_t = (a); (a) = (b); (b) = _jg_t; } while (0)
#define lower_32_bits(n) ((u32)((n) & 0xffffffff))
#define upper_32_bits(n) ((u32)(((u64)(n)) >> 32))
#define BUILD_BUG_ON(cond) ((void)sizeof(char[1 - 2 * !!(cond)]))
#define BUG() __builtin_trap()
void jitgen_panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
#define panic jitgen_panic
#define abs(x) ({ __typeof__(x) _jg_v = (x); _jg_v < 0 ? -_jg_v : _jg_v; })

/* IS_ENABLED(CONFIG_X): 1 when the option is defined to 1, else 0. */
#define __jg_placeholder_1 0,
#define __jg_second(ignored, val, ...) val
#define __jg_defined(x) __jg_defined1(x)
#define __jg_defined1(val) __jg_defined2(__jg_placeholder_##val)
#define __jg_defined2(arg1_or_junk) __jg_second(arg1_or_junk 1, 0)
#define IS_ENABLED(option) __jg_defined(option)
#define IS_BUILTIN(option) __jg_defined(option)
#define BUG_ON(cond) do { if (cond) BUG(); } while (0)

static inline unsigned int hweight32(unsigned int w) { return __builtin_popcount(w); }
static inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static inline int ffs(int x) { return __builtin_ffs(x); }
static inline unsigned long __ffs(unsigned long x) { return __builtin_ctzl(x); }
static inline unsigned long __fls(unsigned long x) { return 31 - __builtin_clzl(x); }
static inline int is_power_of_2(unsigned long n) { return n != 0 && (n & (n - 1)) == 0; }
static inline int ilog2(unsigned long n) { return 31 - __builtin_clzl(n); }

/* ---- messages: every one is captured per program by the driver ---- */
#define JITGEN_LOG_WARN 1
#define JITGEN_LOG_ERR 2
#define JITGEN_LOG_INFO 3
void jitgen_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define KERN_EMERG ""
#define KERN_ALERT ""
#define KERN_CRIT ""
#define KERN_ERR ""
#define KERN_WARNING ""
#define KERN_NOTICE ""
#define KERN_INFO ""
#define KERN_DEBUG ""
#define KERN_CONT ""
#define printk(fmt, ...) jitgen_log(JITGEN_LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...) jitgen_log(JITGEN_LOG_ERR, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) jitgen_log(JITGEN_LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) jitgen_log(JITGEN_LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...) jitgen_log(JITGEN_LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) do { } while (0)
/* _once: the kernel prints these once per boot; the harness wants every program's reason. */
#define pr_err_once pr_err
#define pr_warn_once pr_warn
#define pr_info_once pr_info
#define pr_err_ratelimited pr_err
#define WARN(cond, fmt, ...) ({ int _jg_c = !!(cond); if (_jg_c) jitgen_log(JITGEN_LOG_WARN, fmt, ##__VA_ARGS__); _jg_c; })
#define WARN_ONCE WARN
#define WARN_ON(cond) ({ int _jg_c = !!(cond); if (_jg_c) jitgen_log(JITGEN_LOG_WARN, "WARN_ON(%s) at %s:%d\n", #cond, __FILE__, __LINE__); _jg_c; })
#define WARN_ON_ONCE WARN_ON

/* ---- errors ---- */
#define EPERM 1
#define ENOENT 2
#define E2BIG 7
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EINVAL 22
#define ERANGE 34
#define ENOTSUPP 524
#define EOPNOTSUPP 95
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline bool IS_ERR(const void *p) { return IS_ERR_VALUE(p); }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline void *ERR_PTR(long e) { return (void *)e; }

/* ---- memory (the driver implements these with the host's allocator) ---- */
typedef unsigned int gfp_t;
#define GFP_KERNEL 0u
#define GFP_ATOMIC 0u
#define __GFP_NOWARN 0u
#define __GFP_ZERO 0u
void *jitgen_calloc(size_t n, size_t size);
void jitgen_free(const void *p);
#define kcalloc(n, size, gfp) jitgen_calloc((n), (size))
#define kzalloc(size, gfp) jitgen_calloc(1, (size))
#define kmalloc(size, gfp) jitgen_calloc(1, (size))
#define kmalloc_array(n, size, gfp) jitgen_calloc((n), (size))
#define vzalloc(size) jitgen_calloc(1, (size))
#define kfree(p) jitgen_free(p)
#define vfree(p) jitgen_free(p)
#define memset __builtin_memset
#define memcpy __builtin_memcpy

/* ---- caches: the host has nothing to flush ---- */
static inline void flush_icache_range(unsigned long start, unsigned long end) { (void)start; (void)end; }

/* ---- 64-bit arithmetic and atomics: the JIT takes their addresses (bound at link time) ---- */
typedef struct { s64 counter; } atomic64_t;
typedef struct { int counter; } atomic_t;
u64 div64_u64(u64 dividend, u64 divisor);
s64 div64_s64(s64 dividend, s64 divisor);
u64 div64_u64_rem(u64 dividend, u64 divisor, u64 *remainder);
void atomic64_add(s64 i, atomic64_t *v);
void atomic64_sub(s64 i, atomic64_t *v);
void atomic64_and(s64 i, atomic64_t *v);
void atomic64_or(s64 i, atomic64_t *v);
void atomic64_xor(s64 i, atomic64_t *v);
s64 atomic64_fetch_add(s64 i, atomic64_t *v);
s64 atomic64_fetch_sub(s64 i, atomic64_t *v);
s64 atomic64_fetch_and(s64 i, atomic64_t *v);
s64 atomic64_fetch_or(s64 i, atomic64_t *v);
s64 atomic64_fetch_xor(s64 i, atomic64_t *v);
s64 atomic64_xchg(atomic64_t *v, s64 n);
s64 atomic64_cmpxchg(atomic64_t *v, s64 o, s64 n);
void atomic_add(int i, atomic_t *v);
void atomic_sub(int i, atomic_t *v);
void atomic_and(int i, atomic_t *v);
void atomic_or(int i, atomic_t *v);
void atomic_xor(int i, atomic_t *v);
int atomic_fetch_add(int i, atomic_t *v);
int atomic_fetch_sub(int i, atomic_t *v);
int atomic_fetch_and(int i, atomic_t *v);
int atomic_fetch_or(int i, atomic_t *v);
int atomic_fetch_xor(int i, atomic_t *v);
int atomic_xchg(atomic_t *v, int n);
int atomic_cmpxchg(atomic_t *v, int o, int n);

/* ELF relocation types uasm records (MIPS psABI). */
#define R_MIPS_NONE 0
#define R_MIPS_32 2
#define R_MIPS_26 4
#define R_MIPS_HI16 5
#define R_MIPS_LO16 6
#define R_MIPS_PC16 10

/* CPU bugs of other cores than the targets' (the R4000 daddiu erratum). */
static inline int r4k_daddiu_bug(void) { return 0; }

/* BRK_BUG and friends: the tree's own uapi header. */
#include <asm/break.h>

#include <jitgen/bpf.h>

#endif /* JITGEN_SHIM_KERNEL_H */
