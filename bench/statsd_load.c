// StatsD UDP load generator for bench/statsd_throughput.py: sends counter lines `bench.counter.N:1|c` at a
// bounded rate for a fixed duration with sendmmsg(2), then prints what it sent.
//
//   statsd_load HOST PORT LINES_PER_SECOND SECONDS LINES_PER_DATAGRAM [METRICS]
//
// Pacing: every 1 ms the sender catches up to rate * elapsed lines, in sendmmsg batches of up to 64 datagrams,
// so a short stall is made up rather than lost and the average rate is exact. Output (stdout, one line):
//   sent_lines=N sent_datagrams=M elapsed_s=S send_errors=E
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_DATAGRAM 1400

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s HOST PORT LINES_PER_SECOND SECONDS LINES_PER_DATAGRAM [METRICS]\n", argv[0]);
        return 64;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    double rate = atof(argv[3]);
    double seconds = atof(argv[4]);
    int per_datagram = atoi(argv[5]);
    int metrics = argc > 6 ? atoi(argv[6]) : 100;
    if (port <= 0 || rate <= 0 || seconds <= 0 || per_datagram < 1 || per_datagram > 50 || metrics < 1) {
        fprintf(stderr, "statsd_load: bad arguments\n");
        return 64;
    }

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "statsd_load: %s is not an IPv4 address\n", host);
        return 64;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("statsd_load: socket");
        return 1;
    }
    int sndbuf = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);

    static char buffers[BATCH][MAX_DATAGRAM];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);

    unsigned long long sent_lines = 0, sent_datagrams = 0, errors = 0, next_metric = 0;
    double start = now_s(), end = start + seconds;
    for (;;) {
        double t = now_s();
        if (t >= end) break;
        unsigned long long due = (unsigned long long)((t - start) * rate);
        while (sent_lines + per_datagram <= due) {
            int n = 0;
            while (n < BATCH && sent_lines + (unsigned long long)(n + 1) * per_datagram <= due) {
                int len = 0;
                for (int l = 0; l < per_datagram; l++) {
                    len += snprintf(buffers[n] + len, MAX_DATAGRAM - len, "%sbench.counter.%llu:1|c",
                                    l ? "\n" : "", next_metric);
                    next_metric = (next_metric + 1) % metrics;
                }
                iov[n].iov_base = buffers[n];
                iov[n].iov_len = len;
                msgs[n].msg_hdr.msg_iov = &iov[n];
                msgs[n].msg_hdr.msg_iovlen = 1;
                n++;
            }
            int done = sendmmsg(fd, msgs, n, 0);
            if (done < 0) {
                errors++;
                if (errno == ENOBUFS || errno == EAGAIN) continue;
                if (errno == ECONNREFUSED) done = n;  // nobody listening yet: counted as sent and lost
                else { perror("statsd_load: sendmmsg"); return 1; }
            }
            sent_datagrams += done;
            sent_lines += (unsigned long long)done * per_datagram;
        }
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    printf("sent_lines=%llu sent_datagrams=%llu elapsed_s=%.3f send_errors=%llu\n", sent_lines, sent_datagrams,
           now_s() - start, errors);
    return 0;
}
