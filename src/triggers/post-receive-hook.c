// The compiled post-receive hook: what the bash hook of hook-install.ts does for a server on this
// host over plain http, in a process that starts in a fraction of bash's time (no interpreter, no
// script to read and parse). `gantry hook install` copies it into the repository's hooks folder
// when the build made it, it runs here (`--hello` answers the marker) and the server is one the
// bash hook would send to itself at an address (127.0.0.0/8 or ::1; the bash hook serves
// `localhost`); otherwise it writes the bash or POSIX shell hook. It asks no name service, so the
// build links it statically where it can (no dynamic loader or shared library to map at each push).
//
// Behaviour, byte for byte the bash hook's:
// - in the repository ($GIT_DIR, else the current folder, physically resolved): its path;
// - the settings from gantry-hook.curlrc beside it (mode 0600, written by gantry hook install):
//   `url = "…"`, the token's `header = "Authorization: …"` line, and the repository's name from the
//   `# name = "…"` comment (curl skips it); the token is never on a command line;
// - the pusher: GL_USERNAME, GITEA_PUSHER_NAME, REMOTE_USER, USER, LOGNAME (the first not empty),
//   else the real uid's entry in /etc/passwd, else what `id -un` says;
//   the pusher's email: GITEA_PUSHER_EMAIL;
// - the body: post-receive's stdin lines with something other than white space, each a JSON
//   string's inside followed by \n; every string's quotes and backslashes escaped, its control
//   characters as \u00xx, its other bytes as they are (NUL bytes dropped, as bash's read drops
//   them); nothing sent when no line is left;
// - an HTTP/1.0 POST to the URL's path with Host, Content-Type, the token's header, Content-Length;
// - at most 5 s for the server from the connection's start to its answer (a connection, write or
//   read that takes longer is given up); a 2xx status is success, anything else said on the
//   pusher's terminal (`gantry: … (the push itself went through)`) with the answer's first 200
//   bytes, as are a server that is down (ECONNREFUSED), a name not found (ENOTFOUND) and a server
//   that does not answer in time. It always exits 0: the push has happened when post-receive runs.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MARKER "gantry post-receive hook"
#define CONFIG "gantry-hook.curlrc"
#define TIMEOUT_MS 5000
/** The settings file is a few lines; a larger one is not gantry's. */
#define CONFIG_MAX 65536
/** What is read of the server's answer at most (200 bytes of its body are shown). */
#define ANSWER_MAX (1024 * 1024)

struct str {
  char *p;
  size_t n, cap;
};

/** Out of memory: nothing more can be done, and the push stands. */
static void give_up(void) { _exit(0); }

static void put(struct str *s, const char *data, size_t n) {
  if (s->n + n + 1 > s->cap) {
    size_t cap = s->cap ? s->cap : 256;
    while (cap < s->n + n + 1) cap *= 2;
    char *p = realloc(s->p, cap);
    if (!p) give_up();
    s->p = p;
    s->cap = cap;
  }
  memcpy(s->p + s->n, data, n);
  s->n += n;
  s->p[s->n] = 0;
}

static void puts_(struct str *s, const char *text) { put(s, text, strlen(text)); }

/** A JSON string's inside: quotes and backslashes escaped, control characters as \u00xx. */
static void put_json(struct str *s, const char *data, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)data[i];
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      put(s, esc, 2);
    } else if (c < 0x20) {
      char esc[7];
      snprintf(esc, sizeof esc, "\\u%04x", c);
      put(s, esc, 6);
    } else {
      put(s, (const char *)&data[i], 1);
    }
  }
}

/** Says on the pusher's terminal what went wrong; the push itself stands. */
static void warn(const char *format, ...) {
  struct str line = {0};
  char *text = NULL;
  va_list args;
  va_start(args, format);
  int n = vasprintf(&text, format, args);
  va_end(args);
  if (n < 0) give_up();
  puts_(&line, "gantry: ");
  put(&line, text, (size_t)n);
  puts_(&line, " (the push itself went through)\n");
  for (size_t done = 0; done < line.n;) {
    ssize_t w = write(2, line.p + done, line.n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += (size_t)w;
  }
  free(text);
  free(line.p);
}

/** Reads all of fd (up to max bytes, 0 for no limit) into s; false on a read error. */
static int read_all(int fd, struct str *s, size_t max) {
  char chunk[16384];
  for (;;) {
    ssize_t r = read(fd, chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return 0;
    if (r == 0) return 1;
    put(s, chunk, (size_t)r);
    if (max && s->n > max) return 0;
  }
}

/** A value of curl's config as gantry writes it, `"…"` with \\ and \" escaped; NULL if not so. */
static char *unquote(const char *value) {
  size_t n = strlen(value);
  if (n < 2 || value[0] != '"' || value[n - 1] != '"') return NULL;
  struct str out = {0};
  puts_(&out, "");
  for (size_t i = 1; i < n - 1; i++) {
    if (value[i] == '\\' && i + 1 < n - 1 && (value[i + 1] == '\\' || value[i + 1] == '"')) i++;
    put(&out, &value[i], 1);
  }
  return out.p;
}

struct settings {
  char *url, *auth, *name;
};

/** The settings' lines (the last of each kind wins, as the bash hook reads them). */
static void parse_settings(char *text, struct settings *s) {
  for (char *line = text; line && *line;) {
    char *end = strchr(line, '\n');
    if (end) *end = 0;
    else break;  // a last line without its newline is not read, as bash's `read` does not
    if (strncmp(line, "url = \"", 7) == 0) {
      free(s->url);
      s->url = unquote(line + 6);
    } else if (strncmp(line, "header = \"Authorization: ", 25) == 0) {
      free(s->auth);
      s->auth = unquote(line + 9);
    } else if (strncmp(line, "# name = \"", 10) == 0) {
      free(s->name);
      s->name = unquote(line + 9);
    }
    line = end + 1;
  }
}

struct endpoint {
  char host[256], port[16];
  const char *path;
  /** The server's base URL as the messages name it: the URL without its /hooks/git. */
  char *server;
};

/** http://HOST[:PORT]/…/hooks/git, HOST a name, an IPv4 address or an IPv6 one in brackets. */
static int parse_url(const char *url, struct endpoint *e) {
  const char *suffix = "/hooks/git";
  size_t n = strlen(url), sn = strlen(suffix);
  if (strncmp(url, "http://", 7) != 0 || n < sn || strcmp(url + n - sn, suffix) != 0) return 0;
  e->server = strndup(url, n - sn);
  if (!e->server) give_up();
  const char *p = url + 7, *host_end;
  if (*p == '[') {
    host_end = strchr(p, ']');
    if (!host_end) return 0;
    p++;
  } else {
    host_end = p + strcspn(p, ":/");
  }
  size_t hn = (size_t)(host_end - p);
  if (hn == 0 || hn >= sizeof e->host) return 0;
  memcpy(e->host, p, hn);
  e->host[hn] = 0;
  p = host_end + (*host_end == ']');
  strcpy(e->port, "80");
  if (*p == ':') {
    size_t pn = strcspn(++p, "/");
    if (pn == 0 || pn >= sizeof e->port) return 0;
    memcpy(e->port, p, pn);
    e->port[pn] = 0;
    p += pn;
  }
  if (*p != '/') return 0;
  e->path = p;
  return 1;
}

/** The first of the variables that is set and not empty, else "". */
static const char *first_env(const char *const *names) {
  for (; *names; names++) {
    const char *v = getenv(*names);
    if (v && *v) return v;
  }
  return "";
}

/** The real uid's name in /etc/passwd, as the bash hook reads it (the first entry; NULL: none). */
static char *passwd_name(void) {
  int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct str text = {0};
  read_all(fd, &text, 0);
  close(fd);
  char uid[32];
  snprintf(uid, sizeof uid, "%u", (unsigned)getuid());
  char *found = NULL;
  for (char *line = text.p; line && !found;) {
    char *end = strchr(line, '\n');
    if (!end) break;
    *end = 0;
    // user:password:uid:…
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2) {
      char *field = c2 + 1;
      size_t fn = strcspn(field, ":");
      if (fn == strlen(uid) && strncmp(field, uid, fn) == 0) found = strndup(line, (size_t)(c1 - line));
    }
    line = end + 1;
  }
  free(text.p);
  return found && *found ? found : NULL;
}

extern char **environ;

/**
 * `id -un`'s answer without its trailing newlines, as the bash hook's $(id -un 2>/dev/null) takes it
 * (a user of a directory service: no passwd entry); NULL when it says nothing. A process, as in the
 * bash hook, rather than libc's getpwuid: this program uses nothing of libc's name services, so a
 * statically linked build depends on no shared library at all.
 */
static char *id_un(void) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0) return NULL;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  char *argv[] = {"id", "-un", NULL};
  pid_t pid;
  int spawned = posix_spawnp(&pid, "id", &actions, NULL, argv, environ) == 0;
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  struct str name = {0};
  if (spawned) read_all(out[0], &name, 4096);
  close(out[0]);
  if (spawned)
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
  while (name.n > 0 && name.p[name.n - 1] == '\n') name.p[--name.n] = 0;
  if (name.n == 0 || memchr(name.p, 0, name.n)) {
    free(name.p);
    return NULL;
  }
  return name.p;
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/** Waits for fd to be ready for `events` until the deadline; 0 when the time is up. */
static int wait_for(int fd, short events, long long deadline) {
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) return 0;
    struct pollfd p = {.fd = fd, .events = events};
    int r = poll(&p, 1, (int)left);
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

enum { CONNECTED, TIMED_OUT, FAILED };

/** Connects to one address before the deadline; errno says why not. */
static int connect_to(const struct sockaddr *addr, socklen_t len, long long deadline, int *out) {
  int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return FAILED;
  if (connect(fd, addr, len) == 0) {
    *out = fd;
    return CONNECTED;
  }
  if (errno != EINPROGRESS) {
    int e = errno;
    close(fd);
    errno = e;
    return FAILED;
  }
  if (!wait_for(fd, POLLOUT, deadline)) {
    close(fd);
    return TIMED_OUT;
  }
  int e = 0;
  socklen_t el = sizeof e;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0) e = errno;
  if (e) {
    close(fd);
    errno = e;
    return FAILED;
  }
  *out = fd;
  return CONNECTED;
}

/** What went wrong when no connection was made, in the words the bash hook uses. */
static const char *connect_error(int e) { return e == ECONNREFUSED ? "ECONNREFUSED" : strerror(e); }

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--hello") == 0) {
    // What `gantry hook install` checks before it installs this file: it runs on this machine.
    fputs(MARKER "\n", stdout);
    return 0;
  }
  // A server that closes early: its answer is still read (a write fails rather than end the hook).
  signal(SIGPIPE, SIG_IGN);
  const char *git_dir = getenv("GIT_DIR");
  if (!git_dir || !*git_dir) git_dir = ".";
  char *dir = chdir(git_dir) == 0 ? getcwd(NULL, 0) : NULL;
  if (!dir) {
    warn("no server to notify: cannot find the repository");
    return 0;
  }
  struct str config_path = {0};
  puts_(&config_path, dir);
  puts_(&config_path, "/" CONFIG);
  int config_fd = open(config_path.p, O_RDONLY | O_CLOEXEC);
  struct str config = {0};
  if (config_fd < 0 || !read_all(config_fd, &config, CONFIG_MAX)) {
    warn("no server to notify: cannot read %s", config_path.p);
    return 0;
  }
  close(config_fd);
  puts_(&config, "");
  struct settings settings = {0};
  parse_settings(config.p, &settings);
  struct endpoint to = {0};
  if (!settings.url || !parse_url(settings.url, &to)) {
    warn("no server to notify: no http URL in %s", config_path.p);
    return 0;
  }

  static const char *const pusher_vars[] = {"GL_USERNAME", "GITEA_PUSHER_NAME", "REMOTE_USER", "USER", "LOGNAME",
                                            NULL};
  const char *pusher = first_env(pusher_vars);
  if (!*pusher) {
    char *name = passwd_name();
    if (!name) name = id_un();
    if (name) pusher = name;
  }
  static const char *const email_vars[] = {"GITEA_PUSHER_EMAIL", NULL};
  const char *email = first_env(email_vars);

  // post-receive's stdin: "old new ref" lines.
  struct str input = {0};
  read_all(0, &input, 0);
  struct str updates = {0};
  struct str line = {0};
  for (size_t i = 0; i <= input.n; i++) {
    if (i < input.n && input.p[i] != '\n') {
      if (input.p[i]) put(&line, &input.p[i], 1);
      continue;
    }
    // A line ends at its newline; the last one without a newline counts when it is not empty.
    int has_text = 0;
    for (size_t j = 0; j < line.n && !has_text; j++)
      has_text = !(line.p[j] == ' ' || (line.p[j] >= '\t' && line.p[j] <= '\r'));
    if (has_text) {
      put_json(&updates, line.p, line.n);
      puts_(&updates, "\\n");
    }
    line.n = 0;
  }
  if (updates.n == 0) return 0;

  struct str body = {0};
  puts_(&body, "{\"repository\":{\"path\":\"");
  put_json(&body, dir, strlen(dir));
  puts_(&body, "\"");
  if (settings.name && *settings.name) {
    puts_(&body, ",\"full_name\":\"");
    put_json(&body, settings.name, strlen(settings.name));
    puts_(&body, "\"");
  }
  puts_(&body, "},\"updates\":\"");
  put(&body, updates.p, updates.n);
  puts_(&body, "\"");
  if (*pusher) {
    puts_(&body, ",\"pusher\":{\"name\":\"");
    put_json(&body, pusher, strlen(pusher));
    puts_(&body, "\"");
    if (*email) {
      puts_(&body, ",\"email\":\"");
      put_json(&body, email, strlen(email));
      puts_(&body, "\"");
    }
    puts_(&body, "}");
  }
  puts_(&body, "}");

  struct str request = {0};
  int v6 = strchr(to.host, ':') != NULL;
  char head[1024];
  snprintf(head, sizeof head, "POST %s HTTP/1.0\r\nHost: %s%s%s:%s\r\nContent-Type: application/json\r\n", to.path,
           v6 ? "[" : "", to.host, v6 ? "]" : "", to.port);
  puts_(&request, head);
  if (settings.auth && *settings.auth) {
    puts_(&request, settings.auth);
    puts_(&request, "\r\n");
  }
  snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", body.n);
  puts_(&request, head);
  put(&request, body.p, body.n);

  // The connection, the request and its answer within the time limit.
  long long deadline = now_ms() + TIMEOUT_MS;
  int fd = -1, state = FAILED, err = 0;
  uint16_t port = htons((uint16_t)atoi(to.port));
  struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = port};
  struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = port};
  if (inet_pton(AF_INET, to.host, &a4.sin_addr) == 1) {
    state = connect_to((struct sockaddr *)&a4, sizeof a4, deadline, &fd);
    err = errno;
  } else if (inet_pton(AF_INET6, to.host, &a6.sin6_addr) == 1) {
    state = connect_to((struct sockaddr *)&a6, sizeof a6, deadline, &fd);
    err = errno;
  } else {
    // gantry hook install writes this program for an address (the bash hook for a name): no name
    // service is asked, so nothing of libc's shared libraries is needed.
    warn("no server to notify: %s is not http to an address of this host", settings.url);
    return 0;
  }
  if (state == FAILED) {
    warn("could not notify the server at %s: %s", to.server, connect_error(err));
    return 0;
  }
  if (state == TIMED_OUT) {
    warn("could not notify the server at %s: no answer within %d s", to.server, TIMEOUT_MS / 1000);
    return 0;
  }
  for (size_t done = 0; done < request.n;) {
    ssize_t w = send(fd, request.p + done, request.n - done, MSG_NOSIGNAL);
    if (w > 0) {
      done += (size_t)w;
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else if (w < 0 && errno == EAGAIN) {
      if (!wait_for(fd, POLLOUT, deadline)) break;
    } else {
      break;  // the server closed: what it answered is still read
    }
  }

  // The answer: its status line, then (unless it is a 2xx) the rest to the end or the time limit.
  struct str answer = {0};
  puts_(&answer, "");
  int ended = 0;
  char *newline = NULL;
  while (!newline && !ended && answer.n < ANSWER_MAX) {
    if (!wait_for(fd, POLLIN, deadline)) break;
    char chunk[4096];
    ssize_t r = recv(fd, chunk, sizeof chunk, 0);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r <= 0) ended = 1;
    else put(&answer, chunk, (size_t)r);
    newline = memchr(answer.p, '\n', answer.n);
  }
  if (!newline) {
    warn("could not notify the server at %s: no answer within %d s", to.server, TIMEOUT_MS / 1000);
    return 0;
  }
  // "HTTP/x.y CODE reason": the code (NUL bytes dropped, as bash's read drops them).
  struct str status = {0};
  puts_(&status, "");
  for (char *c = answer.p; c < newline; c++)
    if (*c) put(&status, c, 1);
  char *code = status.p;
  if (strncmp(code, "HTTP/", 5) == 0) {
    char *space = strchr(code + 5, ' ');
    if (space) code = space + 1;
  }
  code[strcspn(code, " ")] = 0;
  size_t cn = strlen(code);
  if (cn > 0 && code[cn - 1] == '\r') code[--cn] = 0;
  if (cn == 3 && code[0] == '2') return 0;
  while (!ended && answer.n < ANSWER_MAX) {
    if (!wait_for(fd, POLLIN, deadline)) break;
    char chunk[4096];
    ssize_t r = recv(fd, chunk, sizeof chunk, 0);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r <= 0) ended = 1;
    else put(&answer, chunk, (size_t)r);
  }
  // The rest after the status line, to its first NUL; the body after the headers; 200 bytes of it.
  char *rest = memchr(answer.p, '\n', answer.n) + 1;
  char *headers_end = strstr(rest, "\r\n\r\n");
  if (headers_end) rest = headers_end + 4;
  warn("the server at %s answered %s: %.200s", to.server, code, rest);
  return 0;
}
