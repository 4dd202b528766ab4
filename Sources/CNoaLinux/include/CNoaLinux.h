// Linux calls that Swift's Glibc module does not expose: <sys/timex.h> is not in it, and recvmmsg/sendmmsg
// need _GNU_SOURCE. Each wrapper flattens the kernel struct into plain fields so Swift never depends on a layout.
#ifndef C_NOA_LINUX_H
#define C_NOA_LINUX_H

#include <stdint.h>

/// The fields of `struct timex` that node_exporter's timex collector reports, from adjtimex(2) with modes = 0.
typedef struct noa_timex {
    int64_t offset, freq, maxerror, esterror, constant, tick, ppsfreq, jitter, stabil, jitcnt, calcnt, errcnt, stbcnt;
    int32_t status, shift, tai;
} noa_timex;

/// A read-only adjtimex(2) query. Returns the clock state (TIME_OK .. TIME_ERROR) or -1 with errno set.
int noa_adjtimex_read(noa_timex *out);

#endif
