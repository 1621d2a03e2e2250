/*
 * logs.c - a service's stdout and stderr, read by the daemon from one pipe
 * into LOGS/NAME.log, rotated at [log] size into NAME.log.1 ...; and the
 * `logs [-f] [-n N]` verb that reads them back and follows new output.
 * Everything runs on the daemon's loop with bounded buffers, and nothing is
 * fsync'ed: the kernel's writeback is enough, and spares the SD card.
 */
#include "daemon/logs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/ctl.h"
#include "common/log.h"
#include "daemon/ctl_server.h"

#define LOG_PIPE_SIZE (1024 * 1024) /* absorbs bursts while the daemon is busy */
#define LOG_LINE_MAX (16 * 1024) /* a longer line is cut (Docker cuts at 16K too) */
#define LOG_READ_BUDGET (256 * 1024) /* per wakeup: a chatty service cannot starve the loop */
#define LOG_FLUSH_MS 1000 /* a partial line (a prompt) waits at most this long */
#define LOG_DRAIN_MAX (4 * 1024 * 1024) /* read at close; a live writer cannot keep us there */
#define LOG_FOLLOW_MAX (1024 * 1024) /* a follower may lag this much, then it is dropped */
#define LOG_PUMP_HIGH (256 * 1024) /* history is queued to a client up to this much */
#define LOG_PUMP_RETRY_MS 20
#define LOG_CHUNK (32 * 1024) /* per reply frame, well under CTL_FRAME_MAX */
#define LOG_SCAN_BLOCK (64 * 1024)
#define LOG_PATH_MAX (NAME_MAX_LEN + 16) /* "NAME.log.99" */

/* NAME.log, the file being written, and its size budget. */
struct log_file {
	int dirfd; /* LOGS, our own descriptor */
	int fd; /* NAME.log; -1 when it could not be (re)opened */
	uint64_t size;
	uint64_t max_size;
	unsigned files; /* NAME.log plus files - 1 rotated ones */
	bool line_start; /* the file is empty or ends with '\n' */
	char name[NAME_MAX_LEN + 1];
};

/* What is left of the files to send: NAME.log.(files-1) ... NAME.log. */
struct log_part {
	int fd;
	off_t off, end; /* END: the size when opened; later writes come live */
};

struct log_cursor {
	struct log_part *part; /* oldest first */
	size_t n, i; /* I: the part being read */
};

struct log_sink;
struct log_reader;

/* One per service name with a sink or followers.  Followers attach here, not
 * to a sink, so they follow the service across its restarts. */
struct log_feed {
	struct log_feed *next;
	const struct daemon *d;
	char name[NAME_MAX_LEN + 1];
	struct log_sink *sink;
	struct log_reader *readers;
};

/* The capture of one instance. */
struct log_sink {
	struct log_feed *feed;
	struct loop *loop;
	int fd; /* the pipe's read end; -1 after EOF */
	struct log_file *file; /* NULL: the file could not be opened, output only goes to followers */
	bool write_failed; /* reported; cleared by the next good write */
	struct loop_timer flush;
	size_t len; /* of a partial line in BUF */
	char buf[LOG_LINE_MAX];
};

/* One `logs` request. */
struct log_reader {
	struct log_reader *next; /* in feed->readers while following */
	struct log_feed *feed; /* set while following */
	struct loop *loop;
	struct ctl_conn *c;
	struct log_cursor cur; /* history not yet sent */
	struct loop_timer pump;
	bool follow;
	bool live; /* history sent: new output goes straight to the client */
	char *queue; /* new output that came while the history was sent */
	size_t qlen;
	char name[NAME_MAX_LEN + 1];
};

/* Every feed of the process.  Only the daemon's loop touches it; it is a
 * registry of that loop (like its epoll table), keyed by daemon and name. */
static struct log_feed *log_feeds;

/* ---- files ---- */

/* "NAME.log" for index 0, "NAME.log.K" otherwise. */
static void log_file_path(char buf[LOG_PATH_MAX], const char *name, unsigned k)
{
	if (k == 0)
		snprintf(buf, LOG_PATH_MAX, "%s.log", name);
	else
		snprintf(buf, LOG_PATH_MAX, "%s.log.%u", name, k);
}

/* Shift the files of NAME by one: the oldest (index files-1) is removed,
 * .k becomes .k+1 and NAME.log becomes NAME.log.1.  With FILES = 1 this
 * removes NAME.log: the file starts again from empty.  Renames and unlinks,
 * never truncation, so a reader holding a file keeps what it had. */
int log_rotate_files(int dirfd, const char *name, unsigned files)
{
	char from[LOG_PATH_MAX], to[LOG_PATH_MAX];
	int r = 0;

	if (files == 0)
		files = 1;
	log_file_path(to, name, files - 1);
	if (unlinkat(dirfd, to, 0) < 0 && errno != ENOENT)
		r = -errno;
	for (unsigned k = files - 1; k >= 1; k--) {
		log_file_path(from, name, k - 1);
		log_file_path(to, name, k);
		if (renameat(dirfd, from, dirfd, to) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	return r;
}

/* (Re)open NAME.log for appending and learn its size. */
static int log_file_reopen(struct log_file *f)
{
	char path[LOG_PATH_MAX];
	struct stat st;
	char last;
	int fd;

	log_file_path(path, f->name, 0);
	/* O_NOFOLLOW and the S_ISREG check: LOGS is ours, but a planted link or
	 * FIFO must not redirect a service's output or block the daemon. */
	fd = openat(f->dirfd, path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0640);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = S_ISREG(st.st_mode) ? errno : EINVAL;
		close(fd);
		return -e;
	}
	if (f->fd >= 0)
		close(f->fd);
	f->fd = fd;
	f->size = (uint64_t)st.st_size;
	/* Whether the last run left a partial line, so ours starts on a new one. */
	f->line_start = st.st_size == 0 || (pread(fd, &last, 1, st.st_size - 1) == 1 && last == '\n');
	return 0;
}

/* Open LOGS/NAME.log (DIRFD is duplicated, the caller keeps its own). */
int log_file_open(int dirfd, const char *name, uint64_t max_size, unsigned files, struct log_file **out)
{
	struct log_file *f;
	int r;

	if (strlen(name) > NAME_MAX_LEN || strchr(name, '/'))
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fd = -1;
	f->max_size = max_size ? max_size : 1;
	f->files = files ? files : 1;
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (f->dirfd < 0) {
		r = -errno;
		free(f);
		return r;
	}
	r = log_file_reopen(f);
	if (r < 0) {
		log_file_close(f);
		return r;
	}
	*out = f;
	return 0;
}

/* Whether the next byte written starts a line. */
bool log_file_line_start(const struct log_file *f)
{
	return f->line_start;
}

/* Close and free F. */
void log_file_close(struct log_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f);
}

/* Rotate and start a new NAME.log. */
static int log_file_rotate(struct log_file *f)
{
	int r, r2;

	close(f->fd);
	f->fd = -1;
	r = log_rotate_files(f->dirfd, f->name, f->files);
	r2 = log_file_reopen(f);
	return r < 0 ? r : r2;
}

/* Write all of DATA to the open file. */
static int log_file_write_all(struct log_file *f, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(f->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		f->size += (uint64_t)n;
		f->line_start = data[n - 1] == '\n';
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Append DATA, rotating before a line that would not fit: every file stays
 * within max_size and ends on a line boundary, except where one line alone
 * is longer than a file (it is cut).  Returns 0, or the first error (what
 * could not be written is lost: a service never waits for its log). */
int log_file_write(struct log_file *f, const char *data, size_t len)
{
	bool stuck = false; /* rotation failed: append past the limit rather than lose output */
	int r, first = 0;

	while (len > 0) {
		size_t n = len;

		if (f->fd < 0 && (r = log_file_reopen(f)) < 0)
			return first ? first : r;
		if (!stuck && f->size + len > f->max_size) {
			uint64_t room = f->max_size > f->size ? f->max_size - f->size : 0;
			const char *nl = room ? memrchr(data, '\n', (size_t)room) : NULL;

			if (nl) {
				n = (size_t)(nl + 1 - data);
			} else if (f->size > 0) {
				r = log_file_rotate(f);
				if (r < 0 && !first)
					first = r;
				/* Never rotate in a loop: a failed rotation (or a file
				 * that is not empty after it) takes the rest as it is. */
				if (r < 0 || f->size > 0)
					stuck = true;
				continue;
			} else {
				n = (size_t)room;
			}
		}
		r = log_file_write_all(f, data, n);
		if (r < 0 && !first)
			first = r;
		data += n;
		len -= n;
	}
	return first;
}

/* ---- reading back ---- */

/* Close what is left of CUR. */
static void log_cursor_release(struct log_cursor *cur)
{
	for (size_t i = 0; i < cur->n; i++)
		if (cur->part[i].fd >= 0)
			close(cur->part[i].fd);
	free(cur->part);
	memset(cur, 0, sizeof(*cur));
}

/* Move CUR to the start of the last LINES lines of everything it holds.  A
 * final '\n' ends the last line; text after the last '\n' is a line too.
 * Reads backwards block by block, only as far as needed. */
static int log_cursor_seek_lines(struct log_cursor *cur, long long lines)
{
	cleanup_free char *buf = NULL;
	bool first = true;

	if (lines == 0) {
		cur->i = cur->n;
		return 0;
	}
	buf = malloc(LOG_SCAN_BLOCK);
	if (!buf)
		return -ENOMEM;
	for (size_t p = cur->n; p-- > 0;) {
		struct log_part *pt = &cur->part[p];
		off_t pos = pt->end;

		while (pos > 0) {
			size_t len = pos > LOG_SCAN_BLOCK ? LOG_SCAN_BLOCK : (size_t)pos;
			ssize_t got;

			pos -= (off_t)len;
			do
				got = pread(pt->fd, buf, len, pos);
			while (got < 0 && errno == EINTR);
			if (got != (ssize_t)len)
				return got < 0 ? -errno : -EIO;
			for (size_t j = len; j-- > 0;) {
				if (buf[j] != '\n') {
					first = false;
					continue;
				}
				if (first) {
					first = false;
					continue;
				}
				if (--lines == 0) {
					cur->i = p;
					pt->off = pos + (off_t)j + 1;
					return 0;
				}
			}
		}
	}
	return 0; /* fewer lines than asked for: all of them */
}

/* Open the files of NAME, oldest first, positioned LINES lines before the
 * end (LINES < 0: at the beginning).  Missing files are skipped. */
static int log_cursor_open(int dirfd, const char *name, unsigned files, long long lines,
			   struct log_cursor *cur)
{
	char path[LOG_PATH_MAX];
	int r;

	memset(cur, 0, sizeof(*cur));
	if (files == 0)
		files = 1;
	cur->part = calloc(files, sizeof(*cur->part));
	if (!cur->part)
		return -ENOMEM;
	for (unsigned k = files; k-- > 0;) {
		struct stat st;
		int fd;

		log_file_path(path, name, k);
		fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			r = -errno;
			log_cursor_release(cur);
			return r;
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			continue;
		}
		cur->part[cur->n++] = (struct log_part){.fd = fd, .off = 0, .end = st.st_size};
	}
	if (lines >= 0 && (r = log_cursor_seek_lines(cur, lines)) < 0) {
		log_cursor_release(cur);
		return r;
	}
	/* What lies before the start is not needed any more. */
	for (size_t i = 0; i < cur->i; i++) {
		close(cur->part[i].fd);
		cur->part[i].fd = -1;
	}
	return 0;
}

/* The next bytes of CUR into BUF: their count, 0 at the end, or -errno. */
static ssize_t log_cursor_read(struct log_cursor *cur, char *buf, size_t size)
{
	while (cur->i < cur->n) {
		struct log_part *pt = &cur->part[cur->i];

		if (pt->off < pt->end) {
			size_t want = (size_t)(pt->end - pt->off) < size ? (size_t)(pt->end - pt->off) : size;
			ssize_t got = pread(pt->fd, buf, want, pt->off);

			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				return -errno;
			if (got > 0) {
				pt->off += got;
				return got;
			}
			/* Shorter than it was: nothing more here. */
		}
		close(pt->fd);
		pt->fd = -1;
		cur->i++;
	}
	return 0;
}

/* Pass the last LINES lines of NAME's files (LINES < 0: all), oldest first,
 * to FN in pieces; FN returns non-zero to stop.  Returns 0 or -errno. */
int log_tail(int dirfd, const char *name, unsigned files, long long lines,
	     int (*fn)(const char *buf, size_t len, void *arg), void *arg)
{
	struct log_cursor cur;
	cleanup_free char *buf = malloc(LOG_SCAN_BLOCK);
	ssize_t n;
	int r;

	if (!buf)
		return -ENOMEM;
	if ((r = log_cursor_open(dirfd, name, files, lines, &cur)) < 0)
		return r;
	while ((n = log_cursor_read(&cur, buf, LOG_SCAN_BLOCK)) > 0)
		if (fn(buf, (size_t)n, arg))
			break;
	log_cursor_release(&cur);
	return n < 0 ? (int)n : 0;
}

/* ---- feeds and followers ---- */

/* The feed of NAME, created when CREATE. */
static struct log_feed *feed_get(const struct daemon *d, const char *name, bool create)
{
	struct log_feed *f;

	for (f = log_feeds; f; f = f->next)
		if (f->d == d && strcmp(f->name, name) == 0)
			return f;
	if (!create)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->d = d;
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->next = log_feeds;
	log_feeds = f;
	return f;
}

/* Free F once it has neither a sink nor followers. */
static void feed_put(struct log_feed *f)
{
	if (f->sink || f->readers)
		return;
	for (struct log_feed **p = &log_feeds; *p; p = &(*p)->next) {
		if (*p == f) {
			*p = f->next;
			break;
		}
	}
	free(f);
}

/* Queue LEN bytes to the client in frames. */
static void reader_write(struct log_reader *r, char type, const char *data, size_t len)
{
	while (len > 0) {
		size_t n = len < LOG_CHUNK ? len : LOG_CHUNK;

		ctl_write(r->c, type, data, n);
		data += n;
		len -= n;
	}
}

/* Stop following, drop what is held and free R. */
static void reader_free(struct log_reader *r)
{
	if (r->feed) {
		for (struct log_reader **p = &r->feed->readers; *p; p = &(*p)->next) {
			if (*p == r) {
				*p = r->next;
				break;
			}
		}
		feed_put(r->feed);
	}
	loop_timer_cancel(r->loop, &r->pump);
	log_cursor_release(&r->cur);
	free(r->queue);
	free(r);
}

/* The client went away before the reply ended.  ctl_server runs this from
 * its own loop callbacks only, never inside our ctl_*() calls. */
static void reader_on_close(struct ctl_conn *c, void *data)
{
	(void)c;
	reader_free(data);
}

/* End the reply with STATUS, after an optional note on stderr, and free R:
 * after ctl_finish() the connection is not ours and on_close will not run. */
static void reader_finish(struct log_reader *r, int status, const char *note)
{
	if (note)
		reader_write(r, CTL_ERR, note, strlen(note));
	ctl_finish(r->c, status);
	reader_free(r);
}

/* A follower that does not keep up is let go: the daemon does not buffer
 * without bound for a client that stopped reading.  Frees R. */
static void reader_drop(struct log_reader *r)
{
	char note[128];

	snprintf(note, sizeof(note), "pistack: %s: unable to follow the log: the client reads too slowly\n",
		 r->name);
	reader_finish(r, 1, note);
}

/* Send history while the connection has room, at most LOG_PUMP_HIGH per
 * call (the loop goes on meanwhile); then go live, or finish (freeing R). */
static void reader_pump(struct log_reader *r)
{
	char buf[LOG_CHUNK];
	size_t sent = 0;

	while (!r->live) {
		size_t pending = ctl_pending(r->c);
		ssize_t n;

		if (pending >= LOG_PUMP_HIGH || sent >= LOG_PUMP_HIGH) {
			/* ctl_server.h has no writable callback: look again once the
			 * loop had a turn (soon if the client keeps up). */
			loop_timer_arm(r->loop, &r->pump,
				       pending >= LOG_PUMP_HIGH / 2 ? LOG_PUMP_RETRY_MS : 0);
			return;
		}
		n = log_cursor_read(&r->cur, buf, sizeof(buf));
		if (n > 0) {
			reader_write(r, CTL_OUT, buf, (size_t)n);
			sent += (size_t)n;
			continue;
		}
		if (n < 0) {
			char note[160];
			snprintf(note, sizeof(note), "pistack: %s: unable to read the log: %s\n", r->name,
				 strerror((int)-n));
			reader_finish(r, 1, note);
			return;
		}
		log_cursor_release(&r->cur);
		if (!r->follow) {
			reader_finish(r, 0, NULL);
			return;
		}
		r->live = true;
		if (r->qlen)
			reader_write(r, CTL_OUT, r->queue, r->qlen);
		free(r->queue);
		r->queue = NULL;
		r->qlen = 0;
	}
}

/* The pump timer. */
static void reader_pump_timer(struct loop *l, void *data)
{
	(void)l;
	reader_pump(data);
}

/* New output of the service for follower R (which may be freed). */
static void reader_deliver(struct log_reader *r, const char *data, size_t len)
{
	if (!r->live) {
		char *q;

		if (r->qlen + len > LOG_FOLLOW_MAX || !(q = realloc(r->queue, r->qlen + len))) {
			reader_drop(r);
			return;
		}
		memcpy(q + r->qlen, data, len);
		r->queue = q;
		r->qlen += len;
		return;
	}
	if (ctl_pending(r->c) > LOG_FOLLOW_MAX) {
		reader_drop(r);
		return;
	}
	reader_write(r, CTL_OUT, data, len);
}

/* Give output to every follower of F. */
static void feed_publish(struct log_feed *f, const char *data, size_t len)
{
	struct log_reader *r = f->readers, *next;

	/* A follower may be dropped (freed) while it is served; the next one
	 * cannot go meanwhile. */
	for (; r; r = next) {
		next = r->next;
		reader_deliver(r, data, len);
	}
}

/* ---- capture ---- */

/* See logs.h. */
int log_pipe(int *read_fd, int *write_fd, struct error *err)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return error_set(err, errno, "create the log pipe");
	/* Only our end is non-blocking: the service blocks on a full pipe (so
	 * nothing is lost while the daemon is busy) and never sees EAGAIN. */
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return error_set(err, e, "make the log pipe non-blocking");
	}
	/* Best effort (pipe-max-size, user pipe quotas): pages are allocated only
	 * as the pipe fills, so an idle service costs nothing for it. */
	(void)fcntl(p[0], F_SETPIPE_SZ, LOG_PIPE_SIZE);
	*read_fd = p[0];
	*write_fd = p[1];
	return 0;
}

/* Write DATA to the file and to the followers. */
static void sink_emit(struct log_sink *s, const char *data, size_t len)
{
	if (len == 0)
		return;
	if (s->file) {
		int r = log_file_write(s->file, data, len);
		if (r < 0 && !s->write_failed) {
			log_msg("%s: unable to write its log: %s (output is lost until it works again)",
				s->feed->name, strerror(-r));
			s->write_failed = true;
		} else if (r == 0) {
			s->write_failed = false;
		}
	}
	feed_publish(s->feed, data, len);
}

/* Write the complete lines in the buffer; a line that fills it is cut. */
static void sink_lines(struct log_sink *s)
{
	const char *nl = memrchr(s->buf, '\n', s->len);
	size_t n = nl ? (size_t)(nl + 1 - s->buf) : (s->len == sizeof(s->buf) ? s->len : 0);

	if (n == 0)
		return;
	sink_emit(s, s->buf, n);
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
}

/* Write a partial line as it is. */
static void sink_flush(struct log_sink *s)
{
	loop_timer_cancel(s->loop, &s->flush);
	sink_emit(s, s->buf, s->len);
	s->len = 0;
}

/* The flush timer: a partial line has waited long enough. */
static void sink_flush_timer(struct loop *l, void *data)
{
	(void)l;
	sink_flush(data);
}

/* Every writer is gone: stop watching (the sink stays until log_sink_close). */
static void sink_eof(struct log_sink *s)
{
	sink_flush(s);
	loop_del(s->loop, s->fd);
	close(s->fd);
	s->fd = -1;
}

/* Read up to BUDGET bytes from the pipe. */
static void sink_read(struct log_sink *s, size_t budget)
{
	size_t total = 0;

	while (s->fd >= 0 && total < budget) {
		ssize_t n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			sink_eof(s);
			break;
		}
		s->len += (size_t)n;
		total += (size_t)n;
		sink_lines(s);
	}
	/* Armed once per partial line, so a slow trickle cannot delay it forever. */
	if (s->len > 0 && s->flush.when_ms == 0)
		loop_timer_arm(s->loop, &s->flush, LOG_FLUSH_MS);
}

/* The pipe is readable (or every writer closed it). */
static void sink_readable(struct loop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)fd;
	(void)events;
	sink_read(data, LOG_READ_BUDGET);
}

/* Open (creating) the logs directory. */
static int logs_dir_open(const char *dir, bool create)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		/* Parents as usual; the directory itself is not for everyone:
		 * services may print secrets. */
		int r = fs_mkdir_parents(dir, 0750, NULL, 0);
		if (r < 0) {
			errno = -r;
			return -1;
		}
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return fd;
}

/* The line a start leaves in the log, so runs can be told apart. */
static void sink_mark_start(struct log_sink *s, const char *name)
{
	char stamp[48], line[128];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (!localtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm))
		snprintf(stamp, sizeof(stamp), "@%lld", (long long)now);
	n = snprintf(line, sizeof(line), "%spistack: %s: started %s\n",
		     s->file && !log_file_line_start(s->file) ? "\n" : "", name, stamp);
	sink_emit(s, line, (size_t)n);
}

/* See logs.h.  When the file cannot be opened the pipe is still drained
 * (a service must never block because its log cannot be written) and the
 * error is returned for the caller to report. */
int log_sink_open(struct service_rt *rt, int read_fd, struct error *err)
{
	struct daemon *d = rt->d;
	const char *dir = d->cfg.global.logs;
	struct log_sink *s;
	int r = 0, dirfd;

	if (rt->log)
		log_sink_close(rt);
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(read_fd);
		return error_set(err, ENOMEM, "capture the output of '%s'", rt->name);
	}
	s->loop = d->loop;
	s->fd = read_fd;
	s->flush.fn = sink_flush_timer;
	s->flush.data = s;
	s->feed = feed_get(d, rt->name, true);
	if (!s->feed) {
		close(read_fd);
		free(s);
		return error_set(err, ENOMEM, "capture the output of '%s'", rt->name);
	}
	if (loop_add(d->loop, read_fd, EPOLLIN, sink_readable, s) < 0) {
		r = error_set(err, errno, "watch the log pipe of '%s'", rt->name);
		close(read_fd);
		feed_put(s->feed);
		free(s);
		return r;
	}
	s->feed->sink = s;
	rt->log = s;

	dirfd = logs_dir_open(dir, true);
	if (dirfd < 0) {
		r = error_set(err, errno, "open the log directory '%s'", dir);
	} else {
		r = log_file_open(dirfd, rt->name, rt->cfg->log_size, (unsigned)rt->cfg->log_files, &s->file);
		if (r < 0)
			r = error_set(err, -r, "open the log '%s/%s.log'", dir, rt->name);
		close(dirfd);
	}
	/* A re-adopted instance is the same run: nothing to mark. */
	if (!rt->adopted)
		sink_mark_start(s, rt->name);
	return r;
}

/* See logs.h. */
void log_sink_close(struct service_rt *rt)
{
	struct log_sink *s = rt->log;
	struct log_feed *f;

	if (!s)
		return;
	rt->log = NULL;
	if (s->fd >= 0)
		sink_read(s, LOG_DRAIN_MAX);
	if (s->fd >= 0) {
		loop_del(s->loop, s->fd);
		close(s->fd);
	}
	sink_flush(s);
	log_file_close(s->file);
	f = s->feed;
	f->sink = NULL;
	feed_put(f);
	free(s);
}

/* ---- the verb ---- */

/* Reply an error line and end with STATUS (before any reader exists). */
static void logs_fail(struct ctl_conn *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void logs_fail(struct ctl_conn *c, int status, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line))
		n = (int)sizeof(line) - 1;
	if (n > 0)
		ctl_write(c, CTL_ERR, line, (size_t)n);
	ctl_finish(c, status);
}

/* Parse N of -n: a decimal count. */
static bool logs_parse_count(const char *s, long long *out)
{
	long long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (LLONG_MAX - 9) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

/* See logs.h. */
void verb_logs(struct daemon *d, struct ctl_conn *c, int argc, char **argv)
{
	static const char usage[] = "usage: pistack logs [-f] [-n N] NAME\n";
	const char *name = NULL;
	long long lines = -1;
	bool follow = false, opts_done = false;
	struct service_rt *rt;
	struct log_reader *r;
	int dirfd, ret;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!opts_done && strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (!opts_done && (strcmp(a, "-f") == 0 || strcmp(a, "--follow") == 0)) {
			follow = true;
		} else if (!opts_done && strncmp(a, "-n", 2) == 0) {
			const char *v = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : "");
			if (!logs_parse_count(v, &lines)) {
				logs_fail(
					c, 2,
					"pistack: logs: unable to use '%.32s' as a line count: expected a number\n%s",
					v, usage);
				return;
			}
		} else if (!opts_done && a[0] == '-' && a[1]) {
			logs_fail(c, 2, "pistack: logs: unknown option '%.32s'\n%s", a, usage);
			return;
		} else if (!name) {
			name = a;
		} else {
			logs_fail(c, 2, "%s", usage);
			return;
		}
	}
	if (!name) {
		logs_fail(c, 2, "%s", usage);
		return;
	}
	rt = value_is_name(name) ? daemon_find(d, name) : NULL;
	if (!rt) {
		logs_fail(c, 1, "pistack: %.64s: unable to find service '%.64s'\n", name, name);
		return;
	}

	r = calloc(1, sizeof(*r));
	if (!r) {
		logs_fail(c, 1, "pistack: %s: unable to read the log: %s\n", rt->name, strerror(ENOMEM));
		return;
	}
	r->loop = d->loop;
	r->c = c;
	r->follow = follow;
	r->pump.fn = reader_pump_timer;
	r->pump.data = r;
	snprintf(r->name, sizeof(r->name), "%s", rt->name);

	/* Opening the files and joining the feed happen in one loop iteration:
	 * the sink writes nothing in between, so no line is lost or doubled. */
	dirfd = logs_dir_open(d->cfg.global.logs, false);
	if (dirfd < 0 && errno != ENOENT) {
		ret = -errno;
	} else if (dirfd < 0) {
		ret = 0; /* no log written yet */
	} else {
		/* As many files as the service's [log] files keeps. */
		ret = log_cursor_open(dirfd, rt->name, (unsigned)rt->cfg->log_files, lines, &r->cur);
		close(dirfd);
	}
	if (ret < 0) {
		free(r);
		logs_fail(c, 1, "pistack: %s: unable to read the log in '%s': %s\n", rt->name,
			  d->cfg.global.logs, strerror(-ret));
		return;
	}
	if (follow) {
		r->feed = feed_get(d, rt->name, true);
		if (!r->feed) {
			log_cursor_release(&r->cur);
			free(r);
			logs_fail(c, 1, "pistack: %s: unable to follow the log: %s\n", rt->name,
				  strerror(ENOMEM));
			return;
		}
		r->next = r->feed->readers;
		r->feed->readers = r;
	}
	/* From here R is freed by reader_finish() (the reply ended) or by
	 * reader_on_close() (the client left first), whichever comes first. */
	ctl_keep(c, reader_on_close, r);
	reader_pump(r);
}
