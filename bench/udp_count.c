// The ceiling for bench/statsd_throughput.py: a bare recvmmsg(2) loop that counts StatsD lines and does nothing
// else with them.
//
//   udp_count HOST PORT
//
// Binds HOST:PORT (32 MiB receive buffer), and on SIGUSR1 prints `lines=N datagrams=M` to stdout; exits on
// SIGTERM/SIGINT. Lines are counted like a StatsD server splits a datagram: newline-separated, empty ones skipped.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define SIZE 65536

static volatile sig_atomic_t report, quit;
static void on_usr1(int s) { (void)s; report = 1; }
static void on_term(int s) { (void)s; quit = 1; }

static unsigned long long count_lines(const char *p, unsigned len) {
    unsigned long long lines = 0;
    unsigned start = 0;
    for (unsigned i = 0; i <= len; i++) {
        if (i == len || p[i] == '\n') {
            if (i > start) lines++;
            start = i + 1;
        }
    }
    return lines;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
        return 64;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &addr.sin_addr);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int rcvbuf = 32 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("udp_count: bind");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    static char buffers[BATCH][SIZE];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    unsigned long long lines = 0, datagrams = 0;
    printf("ready\n");
    fflush(stdout);
    while (!quit) {
        if (report) {
            report = 0;
            printf("lines=%llu datagrams=%llu\n", lines, datagrams);
            fflush(stdout);
        }
        for (int i = 0; i < BATCH; i++) {
            iov[i].iov_base = buffers[i];
            iov[i].iov_len = SIZE;
            memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR) { perror("udp_count: recvmmsg"); return 1; }
            struct pollfd p = {.fd = fd, .events = POLLIN};
            poll(&p, 1, 100);  // wakes for signals too (EINTR)
            continue;
        }
        for (int i = 0; i < n; i++) lines += count_lines(buffers[i], msgs[i].msg_len);
        datagrams += n;
    }
    return 0;
}
