/*
 * berth-attach: relays between conmon's attach socket (AF_UNIX SOCK_SEQPACKET,
 * which Node's `net` cannot open) and this process's stdio, which berthd
 * reads and writes as ordinary pipes.
 *
 *   socket → stdout: each packet [pipe byte, data…] becomes a frame
 *                    [pipe byte][uint32 big-endian length][data]
 *   stdin  → socket: bytes as they come; EOF on stdin shuts down our write
 *                    side (conmon then closes the container's stdin)
 *
 * Exits 0 when conmon closes the socket, 1 on errors (message on stderr).
 * Usage: berth-attach SOCKET_PATH   (paths longer than sun_path are reached
 * through /proc/self/fd of the parent directory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int connect_path(const char *path) {
  struct sockaddr_un addr = {0};
  addr.sun_family = AF_UNIX;
  char target[sizeof(addr.sun_path) + 64];
  int dirfd = -1;
  if (strlen(path) >= sizeof(addr.sun_path)) {
    char *d = strdup(path), *b = strdup(path);
    dirfd = open(dirname(d), O_PATH | O_DIRECTORY);
    if (dirfd < 0) return -1;
    snprintf(target, sizeof(target), "/proc/self/fd/%d/%s", dirfd, basename(b));
    free(d);
    free(b);
  } else {
    snprintf(target, sizeof(target), "%s", path);
  }
  if (strlen(target) >= sizeof(addr.sun_path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, target);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) return -1;
  if (dirfd >= 0) close(dirfd);
  return fd;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: berth-attach SOCKET_PATH\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  int sock = connect_path(argv[1]);
  if (sock < 0) {
    fprintf(stderr, "berth-attach: connect %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  /* Tell the parent we are connected: a zero-length frame of pipe 0. */
  unsigned char hello[5] = {0, 0, 0, 0, 0};
  if (write_all(STDOUT_FILENO, hello, sizeof(hello)) < 0) return 1;

  static unsigned char pkt[65536 + 1];
  static unsigned char in[32768];
  struct pollfd fds[2] = {{.fd = sock, .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
  int nfds = 2;
  for (;;) {
    if (poll(fds, nfds, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = recv(sock, pkt, sizeof(pkt), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return 0;
      unsigned char hdr[5];
      uint32_t len = (uint32_t)(n - 1);
      hdr[0] = pkt[0];
      hdr[1] = (unsigned char)(len >> 24);
      hdr[2] = (unsigned char)(len >> 16);
      hdr[3] = (unsigned char)(len >> 8);
      hdr[4] = (unsigned char)len;
      if (write_all(STDOUT_FILENO, hdr, 5) < 0 || write_all(STDOUT_FILENO, pkt + 1, (size_t)len) < 0) return 0;
    }
    if (nfds == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(STDIN_FILENO, in, sizeof(in));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        shutdown(sock, SHUT_WR);
        nfds = 1;
      } else if (send(sock, in, (size_t)n, MSG_NOSIGNAL) < 0) {
        nfds = 1;
      }
    }
  }
}
