// The compiled spawn helper: what helper.ts does, in a process of ≈ 1 MiB instead of a Node.js one.
// `gantry serve` (src/spawner/spawner.ts) starts it once; it starts the server's child processes
// (git, the sandbox's bubblewrap, the steps) and relays their output, exits and errors. A child
// starts in this process's memory until its exec (no page table copied, as posix_spawn does): a
// start costs little beyond the exec itself, and never the server's event loop.
//
// Protocol (both ends on one machine, so native byte order): frames on the helper's stdin
// (requests) and stdout (replies), each [u32 length of what follows][u8 type][u32 id][fields];
// a string is [u32 length][bytes]. Requests:
//   1 spawn     [u8 flags: 1 detached][str command][str cwd, "" for none][u32 n][str arg]×n
//               [u32 n][str "NAME=value"]×n [u32 n][u8 kind: 0 pipe, 1 ignore, 2 path [str path]]×n
//   2 stdin     [bytes]           3 stdin-end          4 kill [i32 signal number][u8 1: its group]
//   (a group kill reaches a detached child's process group, also after it exited: what it left
//   running in its group while its output is still read, and for a while after its `close`)
// Replies:
//   1 spawned   [u32 pid]
//   2 error     [i32 errno][u8 0 spawn, 1 open][str path opened][str description]
//   3 data      [u8 fd][bytes]    4 end [u8 fd]
//   5 exit      [i32 code][i32 signal, 0 for none]
//   6 close     [i32 code][i32 signal]: exited and every output pipe at its end (Node's `close`)
//   7 hello     (id 0) first, once it runs: the server sends nothing before it (a helper that
//               cannot run on this machine never says it, and the server starts processes itself)
//
// As Node.js does: the command is looked for on the PATH of the environment given (libuv's rules);
// an exec that fails comes back as an error through a close-on-exec pipe, not as an exit 127; a
// detached child leads a session of its own; each child starts with default signal handlers and
// no signal blocked; a child holds its own stdio and nothing else of this process. Everything
// this process opens is close-on-exec. It ends when its stdin closes (the server gone), killing
// nothing: what was started with `--die-with-parent` ends with it.
//
// `spawn-helper --sandbox` is a job's launcher (src/sandbox/bubblewrap.ts): the command of the
// job's one bubblewrap sandbox, the parent of the job's processes inside it. It is not dumpable (a
// step's environment, secrets included, passes through its memory: no process of the job reads it
// through /proc or ptrace without CAP_SYS_PTRACE), and the server reads all it says as the job's.
// It is the sandbox's PID 1: the kernel drops every signal a job's process sends it but SIGCHLD
// (the only one it handles: SIGINT and SIGPIPE are ignored), and the loop that reaps its children
// takes every process a step leaves behind too.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum { REQ_SPAWN = 1, REQ_STDIN = 2, REQ_STDIN_END = 3, REQ_KILL = 4 };
enum { REP_SPAWNED = 1, REP_ERROR = 2, REP_DATA = 3, REP_END = 4, REP_EXIT = 5, REP_CLOSE = 6, REP_HELLO = 7 };
enum { STDIO_PIPE = 0, STDIO_IGNORE = 1, STDIO_PATH = 2 };

/** The largest request taken (an environment of a few MiB fits many times). */
#define MAX_FRAME (256u * 1024 * 1024)
/** Children's output is not read while this many bytes of replies wait for the server. */
#define REPLY_CAP (1024u * 1024)
#define CHUNK 65536

struct buf {
  char *data;
  size_t start, end, cap;
};

static void die(void) { _exit(70); }

static void reserve(struct buf *b, size_t more) {
  if (b->start > 0 && b->start == b->end) b->start = b->end = 0;
  if (b->end + more <= b->cap) return;
  if (b->start > 0) {
    memmove(b->data, b->data + b->start, b->end - b->start);
    b->end -= b->start;
    b->start = 0;
    if (b->end + more <= b->cap) return;
  }
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->end + more) cap *= 2;
  char *data = realloc(b->data, cap);
  if (!data) die();
  b->data = data;
  b->cap = cap;
}

static size_t pending(const struct buf *b) { return b->end - b->start; }

static void drop(struct buf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

struct out {
  int fd;  /* read end of the pipe, -1 once at its end */
  int num; /* the child's descriptor */
};

struct child {
  uint32_t id;
  pid_t pid;
  int detached;
  int exited, code, signal;
  int in_fd; /* write end of the child's stdin pipe, -1 when none or closed */
  int in_ending;
  struct buf in;
  struct out *outs;
  int nouts, open_outs;
  struct child *next;
};

static struct child *children;

/** Detached children closed lately (id and process group): a group kill still reaches what they
 * left running. A pgid stays taken while its group has a member, so one seen here is never another
 * group's while it has one; the oldest are forgotten. */
#define CLOSED_GROUPS 64
static struct {
  uint32_t id;
  pid_t pgid;
} closed_groups[CLOSED_GROUPS];
static unsigned closed_next;
static int req_fd, rep_fd, sig_pipe[2];
static struct buf requests, replies;

// ---- replies -------------------------------------------------------------------------------

static void put(struct buf *b, const void *p, size_t n) {
  reserve(b, n);
  memcpy(b->data + b->end, p, n);
  b->end += n;
}
static void put_u32(struct buf *b, uint32_t v) { put(b, &v, 4); }
static void put_i32(struct buf *b, int32_t v) { put(b, &v, 4); }
static void put_u8(struct buf *b, uint8_t v) { put(b, &v, 1); }
static void put_str(struct buf *b, const char *s) {
  uint32_t n = (uint32_t)strlen(s);
  put_u32(b, n);
  put(b, s, n);
}

/** Starts a reply frame; finish() writes its length. Its place is kept from the buffer's start,
 * which stays where it is however the buffer grows or moves. */
static size_t begin(uint8_t type, uint32_t id) {
  reserve(&replies, 9);
  size_t at = replies.end - replies.start;
  put_u32(&replies, 0);
  put_u8(&replies, type);
  put_u32(&replies, id);
  return at;
}
static void finish(size_t at) {
  uint32_t n = (uint32_t)(replies.end - replies.start - at - 4);
  memcpy(replies.data + replies.start + at, &n, 4);
}

static void reply_status(uint8_t type, uint32_t id, int code, int signal) {
  size_t at = begin(type, id);
  put_i32(&replies, code);
  put_i32(&replies, signal);
  finish(at);
}

static void reply_error(uint32_t id, int err, int what, const char *path) {
  size_t at = begin(REP_ERROR, id);
  put_i32(&replies, err);
  put_u8(&replies, (uint8_t)what);
  put_str(&replies, path ? path : "");
  put_str(&replies, strerror(err));
  finish(at);
}

/** Writes what it can of the replies without blocking; the server gone, this process goes. */
static void flush_replies(void) {
  while (pending(&replies) > 0) {
    ssize_t n = write(rep_fd, replies.data + replies.start, pending(&replies));
    if (n > 0) {
      replies.start += (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else {
      _exit(0);
    }
  }
  replies.start = replies.end = 0;
}

// ---- children --------------------------------------------------------------------------------

static struct child *by_id(uint32_t id) {
  for (struct child *c = children; c; c = c->next)
    if (c->id == id) return c;
  return NULL;
}

static void close_stdin(struct child *c) {
  if (c->in_fd >= 0) close(c->in_fd);
  c->in_fd = -1;
  drop(&c->in);
}

/** Gone and every pipe at its end: `close`, and it is forgotten. */
static void maybe_close(struct child *c) {
  if (!c->exited || c->open_outs > 0) return;
  close_stdin(c);
  reply_status(REP_CLOSE, c->id, c->code, c->signal);
  if (c->detached) {
    closed_groups[closed_next % CLOSED_GROUPS].id = c->id;
    closed_groups[closed_next % CLOSED_GROUPS].pgid = c->pid;
    closed_next++;
  }
  for (struct child **p = &children; *p; p = &(*p)->next) {
    if (*p == c) {
      *p = c->next;
      break;
    }
  }
  free(c->outs);
  free(c);
}

static void reap(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;
    for (struct child *c = children; c; c = c->next) {
      if (c->pid != pid || c->exited) continue;
      c->exited = 1;
      if (WIFSIGNALED(status)) {
        c->code = -1;
        c->signal = WTERMSIG(status);
      } else {
        c->code = WEXITSTATUS(status);
        c->signal = 0;
      }
      // As Node.js does at the exit: what was not written to its stdin is not.
      close_stdin(c);
      reply_status(REP_EXIT, c->id, c->code, c->signal);
      maybe_close(c);
      break;
    }
  }
}

static void read_output(struct child *c, struct out *o) {
  reserve(&replies, 13 + CHUNK);
  size_t at = replies.end;
  ssize_t n;
  do n = read(o->fd, replies.data + at + 10, CHUNK);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (n > 0) {
    uint32_t len = (uint32_t)(n + 6);
    uint8_t type = REP_DATA, fd = (uint8_t)o->num;
    memcpy(replies.data + at, &len, 4);
    memcpy(replies.data + at + 4, &type, 1);
    memcpy(replies.data + at + 5, &c->id, 4);
    memcpy(replies.data + at + 9, &fd, 1);
    replies.end += 10 + (size_t)n;
    return;
  }
  // Its end (or an error, which is its end too).
  close(o->fd);
  o->fd = -1;
  c->open_outs--;
  size_t e = begin(REP_END, c->id);
  put_u8(&replies, (uint8_t)o->num);
  finish(e);
  maybe_close(c);
}

static void write_input(struct child *c) {
  while (pending(&c->in) > 0) {
    ssize_t n = write(c->in_fd, c->in.data + c->in.start, pending(&c->in));
    if (n > 0) {
      c->in.start += (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else {
      // It closed its stdin (EPIPE): the rest is dropped, as Node.js drops it.
      close_stdin(c);
      return;
    }
  }
  c->in.start = c->in.end = 0;
  if (c->in_ending) close_stdin(c);
}

// ---- spawn -----------------------------------------------------------------------------------

/** A request's fields, read in turn; `bad` once one runs past the frame. */
struct reader {
  const char *p, *end;
  int bad;
};

static uint32_t get_u32(struct reader *r) {
  uint32_t v = 0;
  if (r->end - r->p < 4) {
    r->bad = 1;
    return 0;
  }
  memcpy(&v, r->p, 4);
  r->p += 4;
  return v;
}
static uint8_t get_u8(struct reader *r) {
  if (r->end - r->p < 1) {
    r->bad = 1;
    return 0;
  }
  return (uint8_t)*r->p++;
}
/** A string, copied and NUL-terminated (NULL when bad; one holding a NUL is bad too). */
static char *get_str(struct reader *r) {
  uint32_t n = get_u32(r);
  if (r->bad || (size_t)(r->end - r->p) < n || memchr(r->p, 0, n)) {
    r->bad = 1;
    return NULL;
  }
  char *s = malloc((size_t)n + 1);
  if (!s) die();
  memcpy(s, r->p, n);
  s[n] = 0;
  r->p += n;
  return s;
}

static char **get_list(struct reader *r, const char *first) {
  uint32_t n = get_u32(r);
  if (r->bad || n > (size_t)(r->end - r->p) / 4) {
    r->bad = 1;
    return NULL;
  }
  size_t skip = first ? 1 : 0;
  char **list = calloc((size_t)n + skip + 1, sizeof *list);
  if (!list) die();
  if (first) list[0] = (char *)first;
  for (uint32_t i = 0; i < n && !r->bad; i++) list[i + skip] = get_str(r);
  return list;
}

static void free_list(char **list, int skip) {
  if (!list) return;
  for (char **p = list + skip; *p; p++) free(*p);
  free(list);
}

/** libuv's search: a name without a slash on the environment's PATH, EACCES if only that was seen. */
static void exec_in_path(const char *file, char **argv, char **envp) {
  if (strchr(file, '/')) {
    execve(file, argv, envp);
    return;
  }
  const char *path = "/usr/bin:/bin";
  for (char **e = envp; *e; e++) {
    if (strncmp(*e, "PATH=", 5) == 0) {
      path = *e + 5;
      break;
    }
  }
  size_t flen = strlen(file);
  int seen_eacces = 0;
  char full[PATH_MAX];
  for (const char *p = path;; p++) {
    const char *colon = strchr(p, ':');
    size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
    if (dlen + 1 + flen + 1 <= sizeof full) {
      size_t at = 0;
      if (dlen == 0) {
        full[at++] = '.';
      } else {
        memcpy(full, p, dlen);
        at = dlen;
      }
      full[at++] = '/';
      memcpy(full + at, file, flen + 1);
      execve(full, argv, envp);
      if (errno == EACCES) seen_eacces = 1;
      else if (errno != ENOENT && errno != ENOTDIR) return;
    }
    if (!colon) break;
    p = colon;
  }
  errno = seen_eacces ? EACCES : ENOENT;
}

/** In the child: its stdio, its session, its folder, then the command; on failure errno to `err_fd`. */
static void child_init(int *src, int n, int err_fd, int detached, const char *cwd, const char *file,
                       char **argv, char **envp) {
  int e;
  sigset_t none;
  sigemptyset(&none);
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (detached && setsid() < 0) goto fail;
  // Every descriptor to be placed below n moved above first, so that no dup2 overwrites another.
  if (err_fd < n && (err_fd = fcntl(err_fd, F_DUPFD_CLOEXEC, n)) < 0) goto fail;
  for (int i = 0; i < n; i++)
    if (src[i] < n && src[i] != i && (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, n)) < 0) goto fail;
  for (int i = 0; i < n; i++) {
    if (src[i] == i) {
      if (fcntl(i, F_SETFD, 0) < 0) goto fail;
    } else if (dup2(src[i], i) < 0) {
      goto fail;
    }
  }
  if (cwd[0] && chdir(cwd) < 0) goto fail;
  exec_in_path(file, argv, envp);
fail:
  e = errno;
  while (write(err_fd, &e, sizeof e) < 0 && errno == EINTR) {
  }
  _exit(127);
}

/** What child_start starts a child with (read by the child from this process's memory). */
struct start {
  const int *src;
  int n, err_fd, detached;
  const char *cwd, *file;
  char **argv, **envp;
};

/**
 * The stack a child runs on until its exec. It runs in this process's memory (CLONE_VM, with this
 * process suspended until it has exec'd or exited: CLONE_VFORK), so a start copies no page tables:
 * a fork's copy was ≈ 40 % of a process's start here. One stack: this process starts one at a time.
 */
static char child_stack[64 * 1024] __attribute__((aligned(16)));

/** In the child: child_init on a copy of the descriptors (it renumbers them; the caller's stay). */
static int child_start(void *arg) {
  const struct start *s = arg;
  int src[256];
  memcpy(src, s->src, (size_t)s->n * sizeof *src);
  child_init(src, s->n, s->err_fd, s->detached, s->cwd, s->file, s->argv, s->envp);
  return 127;
}

static void spawn_child(uint32_t id, struct reader *r) {
  uint8_t flags = get_u8(r);
  char *file = get_str(r);
  char *cwd = get_str(r);
  char **argv = get_list(r, file);
  char **envp = get_list(r, NULL);
  uint32_t n = get_u32(r); /* a child's descriptors: their numbers travel as one byte */
  if (r->bad || n > 256) {
    // Only a broken server sends this: it is told, and nothing starts.
    reply_error(id, EINVAL, 0, "");
    reply_status(REP_CLOSE, id, -EINVAL, 0);
    goto done_strings;
  }
  // At least the three standard descriptors: none of this process's own reaches the child.
  int count = n < 3 ? 3 : (int)n;
  int *src = calloc((size_t)count, sizeof *src);
  int *mine = calloc((size_t)count, sizeof *mine); /* this process's end of each pipe, or -1 */
  if (!src || !mine) die();
  for (int i = 0; i < count; i++) src[i] = mine[i] = -1;
  int fail = 0, what = 0;
  char *failed_path = NULL;
  for (int i = 0; i < count; i++) {
    uint8_t kind = i < (int)n ? get_u8(r) : STDIO_IGNORE;
    if (kind == STDIO_PATH) {
      char *path = get_str(r);
      if (r->bad) break;
      if (fail) {
        free(path);
        continue;
      }
      src[i] = open(path, O_RDONLY | O_CLOEXEC);
      if (src[i] < 0) {
        fail = errno;
        what = 1;
        failed_path = path;
      } else {
        free(path);
      }
    } else if (fail) {
      continue;
    } else if (kind == STDIO_PIPE) {
      int p[2];
      if (pipe2(p, O_CLOEXEC) < 0) {
        fail = errno;
        continue;
      }
      src[i] = i == 0 ? p[0] : p[1];
      mine[i] = i == 0 ? p[1] : p[0];
      fcntl(mine[i], F_SETFL, O_NONBLOCK);
    } else {
      src[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
      if (src[i] < 0) fail = errno;
    }
  }
  if (r->bad) fail = EINVAL;
  int err_pipe[2] = {-1, -1};
  pid_t pid = -1;
  if (!fail && pipe2(err_pipe, O_CLOEXEC) < 0) fail = errno;
  if (!fail) {
    // No handler of this process runs in the child between its start and its exec (it has a table
    // of handlers of its own: no CLONE_SIGHAND, and child_init sets each to its default).
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    struct start start = {src, count, err_pipe[1], flags & 1, cwd, file, argv, envp};
    pid = clone(child_start, child_stack + sizeof child_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
    int started = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(err_pipe[1]);
    if (pid < 0) {
      fail = started;
    } else {
      int e = 0;
      ssize_t got;
      do got = read(err_pipe[0], &e, sizeof e);
      while (got < 0 && errno == EINTR);
      if (got == (ssize_t)sizeof e) {
        // It never ran: reaped here, before the SIGCHLD loop could take it for a child that ran.
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        fail = e;
        pid = -1;
      }
    }
    close(err_pipe[0]);
  }
  for (int i = 0; i < count; i++)
    if (src[i] >= 0) close(src[i]);
  if (fail) {
    for (int i = 0; i < count; i++)
      if (mine[i] >= 0) close(mine[i]);
    reply_error(id, fail, what, failed_path);
    // Node.js closes a child that failed to start with the negated errno as its code.
    reply_status(REP_CLOSE, id, -fail, 0);
  } else {
    struct child *c = calloc(1, sizeof *c);
    if (!c) die();
    c->id = id;
    c->pid = pid;
    c->detached = flags & 1;
    c->in_fd = mine[0];
    c->outs = calloc((size_t)count, sizeof *c->outs);
    if (!c->outs) die();
    for (int i = 1; i < count; i++) {
      if (mine[i] < 0) continue;
      c->outs[c->nouts].fd = mine[i];
      c->outs[c->nouts].num = i;
      c->nouts++;
      c->open_outs++;
    }
    c->next = children;
    children = c;
    size_t at = begin(REP_SPAWNED, id);
    put_u32(&replies, (uint32_t)pid);
    finish(at);
  }
  free(failed_path);
  free(src);
  free(mine);
done_strings:
  free_list(argv, 1);
  free_list(envp, 0);
  free(file);
  free(cwd);
}

// ---- requests --------------------------------------------------------------------------------

static void handle(const char *frame, uint32_t len) {
  struct reader r = {frame, frame + len, 0};
  uint8_t type = get_u8(&r);
  uint32_t id = get_u32(&r);
  if (r.bad) return;
  if (type == REQ_SPAWN) {
    spawn_child(id, &r);
    return;
  }
  struct child *c = by_id(id);
  if (!c && type == REQ_KILL) {
    int32_t sig = (int32_t)get_u32(&r);
    if (r.bad || get_u8(&r) != 1) return;
    for (unsigned i = 0; i < CLOSED_GROUPS; i++)
      if (closed_groups[i].pgid > 0 && closed_groups[i].id == id) kill(-closed_groups[i].pgid, sig);
    return;
  }
  if (!c) return;
  if (type == REQ_STDIN) {
    if (c->in_fd < 0 || c->in_ending) return;
    put(&c->in, r.p, (size_t)(r.end - r.p));
    write_input(c);
  } else if (type == REQ_STDIN_END) {
    c->in_ending = 1;
    if (c->in_fd >= 0) write_input(c);
  } else if (type == REQ_KILL) {
    int32_t sig = (int32_t)get_u32(&r);
    int group = !r.bad && r.p < r.end && get_u8(&r) == 1;
    // Only a child not reaped yet: its pid is not anyone else's. Its group (a detached child's) is
    // its own while the child is known here, exited or not: the pgid stays taken while it has members.
    if (group && c->detached) kill(-c->pid, sig);
    else if (!r.bad && !c->exited) kill(c->pid, sig);
  }
}

static void read_requests(void) {
  reserve(&requests, CHUNK);
  ssize_t n = read(req_fd, requests.data + requests.end, requests.cap - requests.end);
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return;
  // The server is gone: so is its helper. Its children are left as they are.
  if (n <= 0) _exit(0);
  requests.end += (size_t)n;
  while (pending(&requests) >= 4) {
    uint32_t len;
    memcpy(&len, requests.data + requests.start, 4);
    if (len > MAX_FRAME) _exit(65);
    if (pending(&requests) - 4 < len) {
      reserve(&requests, (size_t)len + 4 - pending(&requests));
      return;
    }
    handle(requests.data + requests.start + 4, len);
    requests.start += 4 + (size_t)len;
  }
}

// ---- main ------------------------------------------------------------------------------------

static void on_sigchld(int s) {
  (void)s;
  int saved = errno;
  char b = 0;
  (void)!write(sig_pipe[1], &b, 1);
  errno = saved;
}

/** The descriptor moved above the standard ones, close-on-exec, and its old place on /dev/null. */
static int move_up(int fd, int flags) {
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (moved < 0) die();
  int null = open("/dev/null", O_RDWR);
  if (null < 0 || dup2(null, fd) < 0) die();
  if (null != fd) close(null);
  fcntl(moved, F_SETFL, fcntl(moved, F_GETFL) | flags);
  return moved;
}

/** Every descriptor this process inherited past the standard three made close-on-exec: a child
 * gets its own stdio and nothing the server happened to leave open. */
static void close_inherited_on_exec(void) {
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    int own = dirfd(d);
    for (struct dirent *e; (e = readdir(d));) {
      int fd = atoi(e->d_name);
      if (fd > 2 && fd != own) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    closedir(d);
    return;
  }
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536) max = 65536;
  for (int fd = 3; fd < max; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int main(int argc, char **argv) {
  close_inherited_on_exec();
  if (argc > 1 && strcmp(argv[1], "--sandbox") == 0) {
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) die();
    // Named in ps and /proc/PID/comm for what it is, not `4` (it is exec'd from /proc/self/fd/4).
    prctl(PR_SET_NAME, "gantry-launcher", 0, 0, 0);
  }
  req_fd = move_up(0, O_NONBLOCK);
  rep_fd = move_up(1, O_NONBLOCK);
  if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) die();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGCHLD, &sa, NULL) < 0) die();
  // A closed pipe is an error to handle, not a death; a terminal's Ctrl-C is for the server,
  // which ends this process by closing its stdin (a child gets default handlers back).
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  finish(begin(REP_HELLO, 0));

  struct pollfd *fds = NULL;
  struct out **owners = NULL;
  struct child **owner_children = NULL;
  size_t cap = 0;
  for (;;) {
    size_t n = 0, need = 3;
    for (struct child *c = children; c; c = c->next) need += (size_t)c->nouts + 1;
    if (need > cap) {
      cap = need * 2;
      fds = realloc(fds, cap * sizeof *fds);
      owners = realloc(owners, cap * sizeof *owners);
      owner_children = realloc(owner_children, cap * sizeof *owner_children);
      if (!fds || !owners || !owner_children) die();
    }
    fds[n++] = (struct pollfd){req_fd, POLLIN, 0};
    fds[n++] = (struct pollfd){sig_pipe[0], POLLIN, 0};
    fds[n++] = (struct pollfd){rep_fd, pending(&replies) > 0 ? POLLOUT : 0, 0};
    int reading = pending(&replies) < REPLY_CAP;
    for (struct child *c = children; c; c = c->next) {
      if (c->in_fd >= 0 && pending(&c->in) > 0) {
        owners[n] = NULL;
        owner_children[n] = c;
        fds[n++] = (struct pollfd){c->in_fd, POLLOUT, 0};
      }
      for (int i = 0; reading && i < c->nouts; i++) {
        if (c->outs[i].fd < 0) continue;
        owners[n] = &c->outs[i];
        owner_children[n] = c;
        fds[n++] = (struct pollfd){c->outs[i].fd, POLLIN, 0};
      }
    }
    int ready = poll(fds, n, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      die();
    }
    if (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) flush_replies();
    // Children's pipes before the exits, so that a child's own output is relayed ahead of its exit
    // when both are ready; a child is freed only once every one of its pipes is at its end.
    for (size_t i = 3; i < n; i++) {
      if (!fds[i].revents) continue;
      if (owners[i]) {
        read_output(owner_children[i], owners[i]);
      } else if (owner_children[i]->in_fd == fds[i].fd) {
        write_input(owner_children[i]);
      }
    }
    if (fds[1].revents & POLLIN) {
      char drain[64];
      while (read(sig_pipe[0], drain, sizeof drain) > 0) {
      }
      reap();
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) read_requests();
    flush_replies();
  }
}
