/*
 * rootfs_debian.c - build the root filesystem of `rootfs = debian:PKG,...`
 * with mmdebstrap into STATE/rootfs/KEY: the key of a package list, the
 * host's apt sources and release, a lock per key, a temporary directory
 * renamed into place only when complete.  Runs as root in the caller (the
 * CLI); mmdebstrap runs in a child with a private mount namespace.
 */
#include "isolate/rootfs_debian.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "isolate/rootfs.h"

/* What mmdebstrap is asked for, besides the packages.  Part of every KEY's
 * hash: changing it names new trees instead of reusing ones built otherwise.
 * minbase: only Essential and apt.  Documentation, manual pages and
 * translations are left out (about a quarter of a minbase tree), as Debian's
 * "slim" images do; the copyright files stay.  unsafe-io: dpkg skips its
 * fsync per file; the whole tree is synced once before it is renamed. */
static const char *const rootfs_debian_options[] = {
	"--variant=minbase",
	"--mode=root",
	"--format=directory",
	"--aptopt=Acquire::Languages \"none\"",
	"--dpkgopt=force-unsafe-io",
	"--dpkgopt=path-exclude=/usr/share/man/*",
	"--dpkgopt=path-exclude=/usr/share/info/*",
	"--dpkgopt=path-exclude=/usr/share/locale/*",
	"--dpkgopt=path-include=/usr/share/locale/locale.alias",
	"--dpkgopt=path-exclude=/usr/share/doc/*",
	"--dpkgopt=path-include=/usr/share/doc/*/copyright",
};

#define PACKAGE_NAME_MAX 100

/* See rootfs_debian.h. */
bool rootfs_debian_package_valid(const char *name)
{
	size_t len = strlen(name);

	if (len < 2 || len > PACKAGE_NAME_MAX ||
	    !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* qsort() comparison of two strings. */
static int rootfs_debian_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* See rootfs_debian.h. */
int rootfs_debian_normalise(char *const *packages, size_t n, struct strv *out, struct error *err)
{
	struct strv sorted = {NULL, 0};
	size_t j = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return error_set(err, EINVAL, "build rootfs 'debian:': no package named");
	for (size_t i = 0; i < n; i++) {
		if (!packages[i] || !rootfs_debian_package_valid(packages[i])) {
			/* Cut and made printable: the name may be anything. */
			char shown[40];
			size_t k = 0;

			strv_release(&sorted);
			for (const char *p = packages[i] ? packages[i] : ""; *p && k < sizeof(shown) - 1; p++)
				shown[k++] = (*p > ' ' && *p < 127) ? *p : '?';
			shown[k] = '\0';
			return error_set(err, EINVAL,
					 "build rootfs 'debian:...': '%s' is no Debian package name", shown);
		}
		if (strv_push(&sorted, packages[i]) < 0) {
			strv_release(&sorted);
			return error_set(err, ENOMEM, "build rootfs 'debian:...'");
		}
	}
	/* Sorted and unique: the same set always names the same tree. */
	qsort(sorted.v, sorted.n, sizeof(*sorted.v), rootfs_debian_strcmp);
	for (size_t i = 0; i < sorted.n; i++) {
		if (j > 0 && strcmp(sorted.v[j - 1], sorted.v[i]) == 0)
			free(sorted.v[i]);
		else
			sorted.v[j++] = sorted.v[i];
	}
	sorted.n = j;
	sorted.v[j] = NULL;
	*out = sorted;
	return 0;
}

/* See rootfs_debian.h. */
int rootfs_debian_key(char *const *packages, size_t n, char *key, size_t size, struct error *err)
{
	struct strv sorted;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	cleanup_free char *recipe = NULL;
	size_t len = 0, o = 0;
	FILE *f;
	int r;

	if (size <= ROOTFS_DEBIAN_KEY_MAX)
		return error_set(err, ENAMETOOLONG, "name rootfs 'debian:...'");
	if ((r = rootfs_debian_normalise(packages, n, &sorted, err)) < 0)
		return r;
	/* The hash covers the options and the list: "OPT\n...\n\npkg,pkg". */
	f = open_memstream(&recipe, &len);
	if (!f) {
		strv_release(&sorted);
		return error_set(err, ENOMEM, "name rootfs 'debian:...'");
	}
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_debian_options); i++)
		fprintf(f, "%s\n", rootfs_debian_options[i]);
	fputc('\n', f);
	for (size_t i = 0; i < sorted.n; i++)
		fprintf(f, "%s%s", i ? "," : "", sorted.v[i]);
	if (fclose(f) != 0 || EVP_Digest(recipe, len, md, &md_len, EVP_sha256(), NULL) != 1) {
		strv_release(&sorted);
		return error_set(err, ENOMEM, "name rootfs 'debian:...'");
	}
	/* '_' joins the names: it never occurs in one. */
	for (size_t i = 0; i < sorted.n && o < ROOTFS_DEBIAN_READABLE_MAX; i++) {
		if (i)
			key[o++] = '_';
		for (const char *p = sorted.v[i]; *p && o < ROOTFS_DEBIAN_READABLE_MAX; p++)
			key[o++] = *p;
	}
	strv_release(&sorted);
	key[o++] = '-';
	for (unsigned i = 0; i < ROOTFS_DEBIAN_HASH_HEX / 2; i++)
		o += (size_t)snprintf(key + o, size - o, "%02x", md[i]);
	key[o] = '\0';
	return 0;
}

/* See rootfs_debian.h. */
void rootfs_debian_spec_text(const struct strv *packages, char *buf, size_t size)
{
	size_t o = (size_t)snprintf(buf, size, "debian:");

	for (size_t i = 0; i < packages->n && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? "," : "", packages->v[i]);
	/* Cut: say so. */
	if (o >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

/* See rootfs_debian.h. */
int rootfs_debian_path(const char *state, const struct rootfs_spec *spec, char *path, size_t size,
		       struct error *err)
{
	char key[ROOTFS_DEBIAN_KEY_MAX + 1];
	int r;

	if ((r = rootfs_debian_key(spec->packages.v, spec->packages.n, key, sizeof(key), err)) < 0)
		return r;
	if ((size_t)snprintf(path, size, "%s/rootfs/%s", state, key) >= size)
		return error_set(err, ENAMETOOLONG, "name rootfs '%s/rootfs/%s'", state, key);
	return 0;
}

/* See rootfs_debian.h.  The directory exists only once complete: it is
 * renamed into place at the end of a build. */
bool rootfs_debian_is_built(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* See rootfs_debian.h. */
bool rootfs_debian_codename(const char *text, char *out, size_t size)
{
	static const char name[] = "VERSION_CODENAME=";

	for (const char *line = text; line && *line;
	     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *v;
		size_t len;

		if (strncmp(line, name, strlen(name)) != 0)
			continue;
		v = line + strlen(name);
		len = strcspn(v, "\n");
		/* os-release(5): a value may be quoted. */
		if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0])
			v++, len -= 2;
		/* A word of [a-z0-9.-] not starting with '-': it becomes an
		 * argument of mmdebstrap. */
		if (len == 0 || len >= size || v[0] == '-' || v[0] == '.')
			return false;
		for (size_t i = 0; i < len; i++)
			if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '-' ||
			      v[i] == '.'))
				return false;
		memcpy(out, v, len);
		out[len] = '\0';
		return true;
	}
	return false;
}

/* See rootfs_debian.h. */
bool rootfs_debian_sources_has_entry(const char *text)
{
	for (const char *line = text; line && *line;
	     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *p = line + strspn(line, " \t");

		if ((strncmp(p, "deb", 3) == 0 && (p[3] == ' ' || p[3] == '\t')) ||
		    (strncmp(p, "deb-src", 7) == 0 && (p[7] == ' ' || p[7] == '\t')))
			return true;
	}
	return false;
}

/* A whole small file (at most 64 KiB), or NULL. */
static char *rootfs_debian_read(const char *path)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	size_t len = 0;
	ssize_t n;

	if (fd < 0 || !(buf = malloc(65536 + 1)))
		return NULL;
	while (len < 65536 && (n = read(fd, buf + len, 65536 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

/* The release of the host (its codename) into SUITE: mmdebstrap picks the
 * Essential packages of that suite from the host's sources. */
static int rootfs_debian_suite(char *suite, size_t size, struct error *err)
{
	cleanup_free char *text = rootfs_debian_read("/etc/os-release");

	if (!text)
		text = rootfs_debian_read("/usr/lib/os-release");
	if (!text)
		return error_set(err, errno ? errno : ENOENT, "read '/etc/os-release'");
	if (!rootfs_debian_codename(text, suite, size))
		return error_set(err, 0, "read '/etc/os-release': no VERSION_CODENAME: not a Debian release");
	return 0;
}

/* Append a copy of S to ARGV; -ENOMEM. */
static int rootfs_debian_arg(struct strv *argv, const char *s)
{
	return strv_push(argv, s) < 0 ? -ENOMEM : 0;
}

/* The host's apt sources as mmdebstrap's MIRROR arguments: sources.list when
 * it has an entry, then sources.list.d/ *.list and *.sources (the names apt
 * reads), sorted.  None: mmdebstrap's default mirror. */
static int rootfs_debian_sources(struct strv *argv)
{
	static const char dir[] = "/etc/apt/sources.list.d";
	cleanup_free char *main_list = rootfs_debian_read("/etc/apt/sources.list");
	struct dirent **names = NULL;
	char path[PATH_MAX];
	struct stat st;
	int n, r = 0;

	if (main_list && rootfs_debian_sources_has_entry(main_list) &&
	    (r = rootfs_debian_arg(argv, "/etc/apt/sources.list")) < 0)
		return r;
	n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		bool list = len > 5 && strcmp(name + len - 5, ".list") == 0;
		bool sources = len > 8 && strcmp(name + len - 8, ".sources") == 0;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		/* apt ignores other names; mmdebstrap warns about empty files. */
		if (r == 0 && name[0] != '.' && (list || sources) && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode) && st.st_size > 0)
			r = rootfs_debian_arg(argv, path);
		free(names[i]);
	}
	free(names);
	return r;
}

/* The command line of mmdebstrap building PACKAGES into TARGET. */
static int rootfs_debian_argv(const struct strv *packages, const char *target, struct strv *argv,
			      struct error *err)
{
	struct strv sources = {NULL, 0};
	char suite[64];
	cleanup_free char *include = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if ((r = rootfs_debian_suite(suite, sizeof(suite), err)) < 0)
		return r;
	f = open_memstream(&include, &len);
	if (!f)
		return error_set(err, ENOMEM, "build rootfs");
	fputs("--include=", f);
	for (size_t i = 0; i < packages->n; i++)
		fprintf(f, "%s%s", i ? "," : "", packages->v[i]);
	if (fclose(f) != 0)
		return error_set(err, ENOMEM, "build rootfs");
	r = rootfs_debian_sources(&sources);
	/* --verbose: apt's and dpkg's own lines, one per package, for the
	 * progress line and the log. */
	if (r < 0 || rootfs_debian_arg(argv, "mmdebstrap") < 0 || rootfs_debian_arg(argv, "--verbose") < 0)
		goto nomem;
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_debian_options); i++)
		if (rootfs_debian_arg(argv, rootfs_debian_options[i]) < 0)
			goto nomem;
	/* The host's source files are used as they are: the signed-by value
	 * mmdebstrap would work out (with gpg, slowly) is only for mirrors
	 * given as URLs. */
	if (sources.n && rootfs_debian_arg(argv, "--skip=check/signed-by") < 0)
		goto nomem;
	if (rootfs_debian_arg(argv, include) < 0 || rootfs_debian_arg(argv, suite) < 0 ||
	    rootfs_debian_arg(argv, target) < 0)
		goto nomem;
	for (size_t i = 0; i < sources.n; i++)
		if (rootfs_debian_arg(argv, sources.v[i]) < 0)
			goto nomem;
	strv_release(&sources);
	return 0;
nomem:
	strv_release(&sources);
	return error_set(err, ENOMEM, "build rootfs");
}

/* In the child: a private mount namespace, so whatever mmdebstrap mounts in
 * the tree (/proc, /sys, /dev nodes) vanishes with it even if it is killed
 * and can never pin or expose host mounts through the half-built tree; the
 * lock stays held by mmdebstrap and its children until they all end. */
static void rootfs_debian_child(char *const *argv, int out, int lock, pid_t parent)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* Stopped when pistack goes: nothing would read its output. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(125);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		dprintf(out, "E: pistack: unable to make a private mount namespace: %s\n", strerror(errno));
		_exit(125);
	}
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(out, STDERR_FILENO) < 0)
		_exit(125);
	/* Inherited across exec: flock belongs to the open file. */
	fcntl(lock, F_SETFD, 0);
	/* Neither pistack's signal mask nor the signals it ignores while it
	 * waits (SIGINT, SIGQUIT, as system() does) belong to mmdebstrap. */
	{
		static const int sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE};
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
			signal(sigs[i], SIG_DFL);
	}
	execvp(argv[0], argv);
	{
		int e = errno;

		dprintf(STDERR_FILENO, "E: pistack: unable to run 'mmdebstrap': %s%s\n", strerror(e),
			e == ENOENT ? " (install it: apt install mmdebstrap)" : "");
		_exit(e == ENOENT ? 127 : 126);
	}
}

/* SRC into DST (SIZE > 0 bytes), cut when longer. */
static void rootfs_debian_copy(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Read the child's output from FD until it ends: each line goes to the log,
 * to the progress callback, and the first error ("E: ...": the cause, the
 * later ones are its consequences), or else the last line, into LAST. */
static void rootfs_debian_relay(struct rootfs_debian_build *b, int fd, int log, char *last, size_t size)
{
	char buf[4096], line[1024];
	size_t used = 0;
	bool had_error = false;
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (log >= 0 && write(log, buf, (size_t)n) < 0)
			log = -1;
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];

			/* apt redraws its progress with '\r': a line too. */
			if (c != '\n' && c != '\r') {
				if (used < sizeof(line) - 1)
					line[used++] = c;
				continue;
			}
			line[used] = '\0';
			used = 0;
			if (!line[0])
				continue;
			if (b->progress)
				b->progress(b->data, line);
			if (!had_error) {
				rootfs_debian_copy(last, size, line);
				had_error = strncmp(line, "E: ", 3) == 0;
			}
		}
	}
	if (used) {
		line[used] = '\0';
		if (b->progress)
			b->progress(b->data, line);
		if (!had_error)
			rootfs_debian_copy(last, size, line);
	}
}

/* Run mmdebstrap into STATE/rootfs/TMP; 0 when it succeeded. */
static int rootfs_debian_run(struct rootfs_debian_build *b, const char *target, int lock, const char *shown,
			     struct error *err)
{
	struct strv argv = {NULL, 0};
	cleanup_close int log = -1;
	char last[200] = "";
	int pipefd[2], status = 0, r;
	pid_t parent = getpid(), pid;

	if ((r = rootfs_debian_argv(&b->spec->packages, target, &argv, err)) < 0)
		goto out;
	log = open(b->log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (log < 0) {
		r = error_set(err, errno, "write '%s'", b->log);
		goto out;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r = error_set(err, errno, "build rootfs '%s'", shown);
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = error_set(err, errno, "build rootfs '%s'", shown);
		close(pipefd[0]);
		close(pipefd[1]);
		goto out;
	}
	if (pid == 0)
		rootfs_debian_child(argv.v, pipefd[1], lock, parent);
	close(pipefd[1]);
	rootfs_debian_relay(b, pipefd[0], log, last, sizeof(last));
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		r = 0;
	} else if (WIFSIGNALED(status)) {
		r = error_set(err, 0, "build rootfs '%s': mmdebstrap was killed by signal %d; see '%s'",
			      shown, WTERMSIG(status), b->log);
	} else {
		r = error_set(err, 0, "build rootfs '%s': mmdebstrap failed (exit status %d): %s; see '%s'",
			      shown, WEXITSTATUS(status), last[0] ? last : "no output", b->log);
	}
out:
	strv_release(&argv);
	return r;
}

/* Make the tree at DIR/TMP durable, check it, and rename it to DIR/KEY. */
static int rootfs_debian_commit(int dirfd, const char *tmp, const char *key, const char *shown,
				struct error *err)
{
	struct stat st;
	char passwd[NAME_MAX + 16];

	snprintf(passwd, sizeof(passwd), "%s/etc/passwd", tmp);
	if (fstatat(dirfd, passwd, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return error_set(err, 0, "build rootfs '%s': mmdebstrap made no etc/passwd", shown);
	/* Synced before the rename: after a power cut, a tree under its KEY is a
	 * whole one, never files the rename outran. */
	if (syncfs(dirfd) < 0)
		return error_set(err, errno, "build rootfs '%s': sync", shown);
	if (renameat(dirfd, tmp, dirfd, key) < 0)
		return error_set(err, errno, "build rootfs '%s': rename '%s' to '%s'", shown, tmp, key);
	fsync(dirfd);
	return 0;
}

/* See rootfs_debian.h. */
int rootfs_debian_build(struct rootfs_debian_build *b, struct error *err)
{
	char key[ROOTFS_DEBIAN_KEY_MAX + 1], dir[PATH_MAX], shown[256], failed[PATH_MAX];
	char lockname[ROOTFS_DEBIAN_KEY_MAX + 8], tmpname[ROOTFS_DEBIAN_KEY_MAX + 8], target[PATH_MAX];
	cleanup_close int dirfd = -1, lock = -1;
	struct error ignored;
	int r;

	b->waited = false;
	if (b->spec->kind != ROOTFS_DEBIAN)
		return error_set(err, EINVAL, "build rootfs: not a debian: rootfs");
	rootfs_debian_spec_text(&b->spec->packages, shown, sizeof(shown));
	if ((r = rootfs_debian_key(b->spec->packages.v, b->spec->packages.n, key, sizeof(key), err)) < 0)
		return r;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/rootfs", b->state) >= sizeof(dir) ||
	    (size_t)snprintf(b->path, sizeof(b->path), "%s/%s", dir, key) >= sizeof(b->path) ||
	    (size_t)snprintf(b->log, sizeof(b->log), "%s/%s.log", dir, key) >= sizeof(b->log) ||
	    (size_t)snprintf(target, sizeof(target), "%s/.%s.tmp", dir, key) >= sizeof(target))
		return error_set(err, ENAMETOOLONG, "build rootfs '%s' in '%s'", shown, b->state);
	snprintf(lockname, sizeof(lockname), ".%s.lock", key);
	snprintf(tmpname, sizeof(tmpname), ".%s.tmp", key);
	/* Root's alone: the trees hold set-uid programs, however old. */
	r = fs_mkdir_parents(dir, 0700, failed, sizeof(failed));
	if (r < 0)
		return error_set(err, -r, "create directory '%s'", r == -ENAMETOOLONG ? dir : failed);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return error_set(err, errno, "open '%s'", dir);
	lock = openat(dirfd, lockname, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0)
		return error_set(err, errno, "lock '%s/%s'", dir, lockname);
	/* One build per KEY at a time; the next one finds it built. */
	if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return error_set(err, errno, "lock '%s/%s'", dir, lockname);
		b->waited = true;
		if (b->progress)
			b->progress(b->data, "waiting for another build of the same root filesystem");
		while (flock(lock, LOCK_EX) < 0)
			if (errno != EINTR)
				return error_set(err, errno, "lock '%s/%s'", dir, lockname);
	}
	if (rootfs_debian_is_built(b->path))
		return 1;
	/* Under the lock, a temporary directory is a crashed build's. */
	if ((r = rootfs_remove(dir, tmpname, err)) < 0) {
		error_prefix(err, "remove the half-built rootfs '%s'", shown);
		return r;
	}
	if (mkdirat(dirfd, tmpname, 0755) < 0)
		return error_set(err, errno, "create directory '%s'", target);
	r = rootfs_debian_run(b, target, lock, shown, err);
	if (r == 0)
		r = rootfs_debian_commit(dirfd, tmpname, key, shown, err);
	if (r < 0)
		rootfs_remove(dir, tmpname, &ignored);
	return r;
}
