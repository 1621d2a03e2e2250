/*
 * tls_dir.c - a signature of the certificate directory (names, sizes, times
 * and inodes of its .crt and .key files) that the gateway master polls to
 * reload certificates when any of them changes.
 */
#include "gateway/tls_internal.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* Mix LEN bytes at P into the FNV-1a hash *H. */
static void tls_hash(uint64_t *h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++) {
		*h ^= b[i];
		*h *= FNV_PRIME;
	}
}

/* Mix one 64-bit number into *H. */
static void tls_hash_u64(uint64_t *h, uint64_t v)
{
	tls_hash(h, &v, sizeof(v));
}

/* Keep the files the loader reads: NAME.crt and NAME.key, not hidden. */
static int tls_sig_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 &&
		(strcmp(d->d_name + n - 4, ".crt") == 0 || strcmp(d->d_name + n - 4, ".key") == 0);
}

/* Hash what identifies the content of CERTS_DIR's certificate files; see tls.h. */
int tls_dir_signature(const char *certs_dir, uint64_t *sig, struct error *err)
{
	struct dirent **files = NULL;
	uint64_t h = FNV_OFFSET;
	char path[PATH_MAX];
	struct stat st;
	int n;

	n = scandir(certs_dir, &files, tls_sig_filter, alphasort);
	if (n < 0)
		return error_set(err, errno, "read directory '%s'", certs_dir);
	for (int i = 0; i < n; i++) {
		/* The NUL separates names: "ab"+"c" and "a"+"bc" differ. */
		tls_hash(&h, files[i]->d_name, strlen(files[i]->d_name) + 1);
		snprintf(path, sizeof(path), "%s/%s", certs_dir, files[i]->d_name);
		/* stat(), not lstat(): certificate tools replace the target of a symbolic link. */
		if (stat(path, &st) < 0) {
			tls_hash_u64(&h, (uint64_t)errno);
		} else {
			tls_hash_u64(&h, (uint64_t)st.st_dev);
			tls_hash_u64(&h, (uint64_t)st.st_ino);
			tls_hash_u64(&h, (uint64_t)st.st_size);
			tls_hash_u64(&h, (uint64_t)st.st_mode);
			tls_hash_u64(&h, (uint64_t)st.st_mtim.tv_sec);
			tls_hash_u64(&h, (uint64_t)st.st_mtim.tv_nsec);
			tls_hash_u64(&h, (uint64_t)st.st_ctim.tv_sec);
			tls_hash_u64(&h, (uint64_t)st.st_ctim.tv_nsec);
		}
		free(files[i]);
	}
	free(files);
	tls_hash_u64(&h, (uint64_t)n);
	*sig = h;
	return 0;
}
