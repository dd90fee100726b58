/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where the kernel and user-space builds of the shared sources
 * (core/ and opmodules/) differ. Nothing else in the shared code may test
 * __KERNEL__: logic is written once against the names defined here.
 */
#ifndef NFIPS_COMPAT_H
#define NFIPS_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/timekeeping.h>
#include <linux/processor.h>
#include <linux/module.h>
#include <linux/fs.h>

/* Shared code allocates only in .init/.build, which run in process context. */
#define nfips_zalloc(size)	kzalloc(size, GFP_KERNEL)
#define nfips_free(p)		kfree(p)
/* Large tables (an automaton): vmalloc when contiguous pages are scarce. */
#define nfips_kvzalloc(size)	kvzalloc(size, GFP_KERNEL)
#define nfips_kvfree(p)		kvfree(p)
/* x86-64's memchr() is lib/string.c's byte loop: ac searches by words. */
#define NFIPS_FAST_MEMCHR	0

/*
 * Read the whole regular file @path, at most @max bytes, for an op's .init
 * (process context). The kernel opens it with the credentials, root and
 * working directory of the process that loads the config (the netlink
 * request runs in nfipsctl's context). NULL with -errno in *@ret: -ENOENT,
 * -EACCES, -EFBIG (larger than @max), -EINVAL (not a regular file, or
 * empty), ... Free the bytes with nfips_file_free().
 *
 * Not kernel_read_file_from_path(): its LSM hook wants a reading id (firmware,
 * module, policy, ...), and with READING_UNKNOWN 6.12's IPE WARNs. O_NONBLOCK
 * so that a FIFO is refused, not waited on.
 */
static inline void *nfips_file_read(const char *path, size_t max, size_t *len,
				    int *ret)
{
	struct file *f;
	void *buf = NULL;
	loff_t size, pos = 0;
	ssize_t n;

	f = filp_open(path, O_RDONLY | O_NONBLOCK, 0);
	if (IS_ERR(f)) {
		*ret = (int)PTR_ERR(f);
		return NULL;
	}
	size = i_size_read(file_inode(f));
	if (!S_ISREG(file_inode(f)->i_mode) || size <= 0) {
		*ret = -EINVAL;
		goto out;
	}
	if (size > max) {
		*ret = -EFBIG;
		goto out;
	}
	buf = kvmalloc(size, GFP_KERNEL);
	if (!buf) {
		*ret = -ENOMEM;
		goto out;
	}
	while (pos < size) {
		n = kernel_read(f, buf + pos, size - pos, &pos);
		if (n <= 0) {
			*ret = n < 0 ? (int)n : -EIO;	/* shrank meanwhile */
			kvfree(buf);
			buf = NULL;
			goto out;
		}
	}
	*len = (size_t)size;
out:
	filp_close(f, NULL);
	return buf;
}

static inline void nfips_file_free(void *buf)
{
	kvfree(buf);
}

#define nfips_cpu_relax()	cpu_relax()
/* Between ops of a chain: workers run chains in process context only. */
#define nfips_cond_resched()	cond_resched()

static inline u64 nfips_now_ns(void)
{
	return ktime_get_ns();
}

/*
 * Op, chain and rule counters: every packet bumps several of them, from
 * whichever CPU its worker runs on. Per CPU, summed on read, so that no cache
 * line bounces between CPUs on the hot path (issue 14). Made by
 * nfips_counter_init() where policies and op instances are built (process
 * context), freed by nfips_counter_destroy() (NULL-safe: a half-built one can
 * be destroyed). Only read for statistics: a sum taken while others add is
 * some value between the sums before and after, as with any live counter.
 *
 * 64-bit: this_cpu_add() is one instruction, safe against preemption and
 * interrupts, and an aligned u64 is read whole from another CPU. 32-bit: a
 * u64 could be read torn while its CPU adds, so each CPU's share is an
 * atomic64_t (still CPU-local, so it does not bounce either).
 */
#if BITS_PER_LONG == 64
struct nfips_counter {
	u64 __percpu *pcpu;
};

static inline void nfips_counter_add(struct nfips_counter *c, u64 v)
{
	this_cpu_add(*c->pcpu, v);
}

static inline u64 nfips_counter_read(const struct nfips_counter *c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(c->pcpu, cpu));
	return sum;
}
#else
struct nfips_counter {
	atomic64_t __percpu *pcpu;
};

static inline void nfips_counter_add(struct nfips_counter *c, u64 v)
{
	/* Migrating between the address and the add only lands it on
	 * another CPU's share: atomic there too. */
	atomic64_add(v, raw_cpu_ptr(c->pcpu));
}

static inline u64 nfips_counter_read(const struct nfips_counter *c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += atomic64_read(per_cpu_ptr(c->pcpu, cpu));
	return sum;
}
#endif

/* Zeroed on every CPU (alloc_percpu zeroes). 0 or -ENOMEM. */
static inline int nfips_counter_init(struct nfips_counter *c)
{
	c->pcpu = alloc_percpu(typeof(*c->pcpu));
	return c->pcpu ? 0 : -ENOMEM;
}

static inline void nfips_counter_destroy(struct nfips_counter *c)
{
	free_percpu(c->pcpu);
	c->pcpu = NULL;
}

#define NFIPS_THIS_MODULE	THIS_MODULE
/* Core functions that op-modules call are exported by nfips.ko. */
#define NFIPS_EXPORT(sym)	EXPORT_SYMBOL_GPL(sym)

/*
 * Registration glue of an op-module source (opmodules/op_<type>.c defining
 * nfips_op_<type>_ops): a kernel module that registers the type with nfips.ko
 * and can be autoloaded as "nfips-op-<type>".
 */
struct nfips_op_ops;
int nfips_op_register(struct nfips_op_ops *ops);
void nfips_op_unregister(struct nfips_op_ops *ops);

#define NFIPS_OP_MODULE(type)						\
	static int __init nfips_op_##type##_mod_init(void)		\
	{								\
		return nfips_op_register(&nfips_op_##type##_ops);	\
	}								\
	static void __exit nfips_op_##type##_mod_exit(void)		\
	{								\
		nfips_op_unregister(&nfips_op_##type##_ops);		\
	}								\
	module_init(nfips_op_##type##_mod_init);			\
	module_exit(nfips_op_##type##_mod_exit);			\
	MODULE_LICENSE("GPL");						\
	MODULE_DESCRIPTION("nfips op-module " #type);			\
	MODULE_ALIAS("nfips-op-" #type)

#else /* user space */

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <stdarg.h>
#include <ctype.h>
#include <errno.h>
#include <time.h>
#include <sys/stat.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define nfips_zalloc(size)	calloc(1, size)
#define nfips_free(p)		free(p)
#define nfips_kvzalloc(size)	calloc(1, size)
#define nfips_kvfree(p)		free(p)
/* glibc's memchr() is SIMD: faster than ac's word-at-a-time search. */
#define NFIPS_FAST_MEMCHR	1

/*
 * The kernel's nfips_file_read() in user space, with the same errors: a
 * directory, a FIFO or an empty file is -EINVAL there (kernel_read_file()),
 * so here too. fopen(), not open(): the fuzz harnesses redirect it into
 * their file jail (tests/fuzz/build.mk).
 */
static inline void *nfips_file_read(const char *path, size_t max, size_t *len,
				    int *ret)
{
	struct stat st;
	void *buf = NULL;
	FILE *f;

	*ret = 0;
	f = fopen(path, "re");
	if (!f) {
		*ret = -errno;
		return NULL;
	}
	if (fstat(fileno(f), &st)) {
		*ret = -errno;
	} else if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
		*ret = -EINVAL;
	} else if ((unsigned long long)st.st_size > max) {
		*ret = -EFBIG;
	} else {
		buf = malloc((size_t)st.st_size);
		if (!buf)
			*ret = -ENOMEM;
		else if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
			*ret = -EIO;
		else
			*len = (size_t)st.st_size;
	}
	fclose(f);
	if (*ret) {
		free(buf);
		return NULL;
	}
	return buf;
}

static inline void nfips_file_free(void *buf)
{
	free(buf);
}

/* nfipsd's workers are threads the scheduler preempts anyway. */
#define nfips_cond_resched()	do { } while (0)

#if defined(__x86_64__) || defined(__i386__)
#define nfips_cpu_relax()	__builtin_ia32_pause()
#else
#define nfips_cpu_relax()	do { } while (0)
#endif

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef min
#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#endif
#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif

/* The kernel's strscpy(): always terminates, -E2BIG when truncated. */
static inline long strscpy(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size);

	if (!size)
		return -E2BIG;
	if (n == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, n + 1);
	return (long)n;
}

static inline u64 nfips_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

struct nfips_counter {
	u64 v;
};

static inline void nfips_counter_add(struct nfips_counter *c, u64 v)
{
	__atomic_fetch_add(&c->v, v, __ATOMIC_RELAXED);
}

static inline u64 nfips_counter_read(const struct nfips_counter *c)
{
	return __atomic_load_n(&c->v, __ATOMIC_RELAXED);
}

/* Storage is the struct itself here (zeroed with it): nothing to make. */
static inline int nfips_counter_init(struct nfips_counter *c)
{
	(void)c;
	return 0;
}

static inline void nfips_counter_destroy(struct nfips_counter *c)
{
	(void)c;
}

#define NFIPS_THIS_MODULE	NULL
#define NFIPS_EXPORT(sym)	_Static_assert(1, #sym)
struct module;

/*
 * Registration glue in user space: the plugin exports one function that
 * nfipsd finds with dlsym("nfips_op_plugin_<type>"). Distinct names let the
 * unit tests link every op-module into one binary.
 */
struct nfips_op_ops;
#define NFIPS_OP_MODULE(type)						\
	const struct nfips_op_ops *nfips_op_plugin_##type(void);	\
	const struct nfips_op_ops *nfips_op_plugin_##type(void)		\
	{								\
		return &nfips_op_##type##_ops;				\
	}

#endif /* __KERNEL__ */

/* Big-endian reads; the caller has checked the bounds. */
static inline u16 nfips_get_be16(const u8 *p)
{
	return (u16)((p[0] << 8) | p[1]);
}

static inline u32 nfips_get_be32(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

#endif /* NFIPS_COMPAT_H */
