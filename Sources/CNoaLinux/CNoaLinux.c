#define _GNU_SOURCE
#include "CNoaLinux.h"
#include <string.h>
#include <sys/timex.h>

int noa_adjtimex_read(noa_timex *out) {
    struct timex tx;
    memset(&tx, 0, sizeof tx);  // modes = 0: query only, never adjust the clock
    int state = adjtimex(&tx);
    if (state < 0) return state;
    out->offset = tx.offset;
    out->freq = tx.freq;
    out->maxerror = tx.maxerror;
    out->esterror = tx.esterror;
    out->status = tx.status;
    out->constant = tx.constant;
    out->tick = tx.tick;
    out->ppsfreq = tx.ppsfreq;
    out->jitter = tx.jitter;
    out->shift = tx.shift;
    out->stabil = tx.stabil;
    out->jitcnt = tx.jitcnt;
    out->calcnt = tx.calcnt;
    out->errcnt = tx.errcnt;
    out->stbcnt = tx.stbcnt;
    out->tai = tx.tai;
    return state;
}
