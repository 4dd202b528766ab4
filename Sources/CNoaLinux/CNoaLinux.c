#define _GNU_SOURCE
#include "CNoaLinux.h"
#include <string.h>
#include <sys/timex.h>
#include <sys/resource.h>

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

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
int noa_malloc_stats_read(noa_malloc_stats *out) {
    struct mallinfo2 info = mallinfo2();
    out->arena = info.arena;
    out->mapped = info.hblkhd;
    out->in_use = info.uordblks + info.hblkhd;  // uordblks counts only the arena chunks in use
    out->free = info.fordblks;
    out->top_releasable = info.keepcost;
    out->mapped_blocks = info.hblks;
    out->free_chunks = info.ordblks;
    return 0;
}
#else
int noa_malloc_stats_read(noa_malloc_stats *out) {
    memset(out, 0, sizeof *out);
    return -1;
}
#endif

// ---- StatsD listeners ---------------------------------------------------------------------------------------
#include <errno.h>
#include <netdb.h>
#include <malloc.h>
#include <poll.h>
#include <time.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <unistd.h>

int noa_bind_inet(int socktype, const char *host, int port, int backlog, int *bound_port) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    char portText[16];
    snprintf(portText, sizeof portText, "%d", port);
    if (getaddrinfo(host, portText, &hints, &res) != 0 || res == NULL) {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(res->ai_family, socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) { freeaddrinfo(res); return -1; }
    int one = 1;
    if (socktype == SOCK_STREAM) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (res->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || (socktype == SOCK_STREAM && listen(fd, backlog) < 0)) {
        int saved = errno;
        close(fd);
        freeaddrinfo(res);
        errno = saved;
        return -1;
    }
    freeaddrinfo(res);
    struct sockaddr_storage bound;
    socklen_t len = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &len) == 0 && bound_port) {
        if (bound.ss_family == AF_INET) *bound_port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
        else *bound_port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
    }
    return fd;
}

int noa_bind_unixgram(const char *path) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) { errno = ENAMETOOLONG; return -1; }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int noa_set_receive_buffer(int fd, int bytes) {
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) < 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);  // capped at net.core.rmem_max
    }
    int granted = 0;
    socklen_t len = sizeof granted;
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &len) < 0) return -1;
    return granted;
}

uint64_t noa_socket_inode(int fd) {
    struct stat st;
    if (fstat(fd, &st) < 0) return 0;
    return (uint64_t)st.st_ino;
}

struct noa_rx_batch {
    unsigned count, size, control_size;
    int received;
    int drained;  /* the last read was short: the queue was empty, poll before reading again */
    int pause_us;  /* the current pause, adapted between 100 us and the caller's longest */
    size_t cycle_bytes;  /* what the reads since the last pause took off the queue, with a per-datagram overhead */
    struct mmsghdr *messages;
    struct iovec *iovecs;
    unsigned char *buffers;
    unsigned char *controls;
};

noa_rx_batch *noa_rx_batch_create(unsigned count, unsigned size, int with_credentials) {
    noa_rx_batch *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->count = count;
    b->size = size;
    b->control_size = with_credentials ? CMSG_SPACE(sizeof(struct ucred)) : 0;
    b->messages = calloc(count, sizeof *b->messages);
    b->iovecs = calloc(count, sizeof *b->iovecs);
    b->buffers = malloc((size_t)count * size);
    b->controls = b->control_size ? calloc(count, b->control_size) : NULL;
    if (!b->messages || !b->iovecs || !b->buffers || (b->control_size && !b->controls)) {
        noa_rx_batch_destroy(b);
        return NULL;
    }
    /* Set up once: the kernel reads the headers and iovecs and writes back only msg_len, msg_flags and
       msg_controllen (noa_rx_try resets the last one). */
    for (unsigned i = 0; i < count; i++) {
        b->iovecs[i].iov_base = b->buffers + (size_t)i * size;
        b->iovecs[i].iov_len = size;
        b->messages[i].msg_hdr.msg_iov = &b->iovecs[i];
        b->messages[i].msg_hdr.msg_iovlen = 1;
        if (b->control_size) b->messages[i].msg_hdr.msg_control = b->controls + (size_t)i * b->control_size;
    }
    return b;
}

unsigned noa_rx_batch_capacity(const noa_rx_batch *b) { return b->count; }

void noa_rx_batch_destroy(noa_rx_batch *b) {
    if (!b) return;
    free(b->messages);
    free(b->iovecs);
    free(b->buffers);
    free(b->controls);
    free(b);
}

static int noa_rx_try(noa_rx_batch *b, int fd) {
    /* Only what the last receive changed: the kernel shrinks msg_controllen to what it wrote. */
    if (b->control_size) {
        for (unsigned i = 0; i < b->count; i++) b->messages[i].msg_hdr.msg_controllen = b->control_size;
    }
    return recvmmsg(fd, b->messages, b->count, MSG_DONTWAIT, NULL);
}

int noa_rx_batch_receive(noa_rx_batch *b, int fd, int wake_fd, int wait_us, size_t budget) {
    b->received = 0;
    for (;;) {
        if (b->drained && wait_us > 0) {
            /* The queue was just emptied: pause, so that the next read finds a burst rather than one datagram,
               and read without polling first. On a busy socket this is the only wake-up per pause; the eventfd
               still ends the pause at once on stop. The pause halves when the last cycle took more than
               `budget` off the queue (the socket must hold what arrives during a pause) and doubles back towards
               `wait_us` when it took less than a quarter of it. */
            if (b->pause_us <= 0 || b->pause_us > wait_us) b->pause_us = wait_us;
            if (b->cycle_bytes > budget && b->pause_us > 100) b->pause_us /= 2;
            else if (b->cycle_bytes < budget / 4 && b->pause_us < wait_us)
                b->pause_us = b->pause_us * 2 < wait_us ? b->pause_us * 2 : wait_us;
            b->cycle_bytes = 0;
            struct pollfd wake = {.fd = wake_fd, .events = POLLIN};
            struct timespec pause = {.tv_sec = b->pause_us / 1000000, .tv_nsec = (long)(b->pause_us % 1000000) * 1000};
            if (ppoll(&wake, 1, &pause, NULL) > 0) return 0;
            b->drained = 0;
        }
        if (!b->drained) {
            int n = noa_rx_try(b, fd);
            if (n > 0) {
                b->received = n;
                b->drained = (unsigned)n < b->count;
                for (int i = 0; i < n; i++) b->cycle_bytes += b->messages[i].msg_len + 1024;
                return n;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
        }
        /* Nothing queued (even after a pause): sleep until something arrives, then read it at once. */
        b->drained = 0;
        struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = wake_fd, .events = POLLIN}};
        int ready = poll(fds, 2, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (fds[1].revents) return 0;
        if (fds[0].revents & (POLLERR | POLLNVAL)) { errno = EBADF; return -1; }
    }
}

const void *noa_rx_batch_data(const noa_rx_batch *b, unsigned i) { return b->buffers + (size_t)i * b->size; }

unsigned noa_rx_batch_length(const noa_rx_batch *b, unsigned i) { return b->messages[i].msg_len; }

int noa_rx_batch_truncated(const noa_rx_batch *b, unsigned i) {
    return (b->messages[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
}

int32_t noa_rx_batch_pid(const noa_rx_batch *b, unsigned i) {
    struct msghdr *h = (struct msghdr *)&b->messages[i].msg_hdr;
    if (!b->control_size) return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof cred);
            return cred.pid;
        }
    }
    return -1;
}

int noa_eventfd_create(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

int noa_eventfd_signal(int fd) {
    uint64_t one = 1;
    return write(fd, &one, sizeof one) == sizeof one ? 0 : -1;
}

int noa_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int noa_epoll_add(int epfd, int fd, uint64_t tag) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = tag;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int noa_epoll_wait(int epfd, uint64_t *tags, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event ready[64];
    if (max > 64) max = 64;
    int n;
    do { n = epoll_wait(epfd, ready, max, timeout_ms); } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) {
        tags[i] = ready[i].data.u64;
        events[i] = ready[i].events;
    }
    return n;
}

int noa_accept_nonblocking(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK); }

void noa_thread_set_name(const char *name) {
    char short_name[16];
    strncpy(short_name, name, 15);
    short_name[15] = 0;
    pthread_setname_np(pthread_self(), short_name);
}

// ---- The journal reader's child process ---------------------------------------------------------------------
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>

extern char **environ;

int noa_pipe_cloexec(int fds[2], int size) {
    if (pipe2(fds, O_CLOEXEC) < 0) return -1;
    if (size > 0) fcntl(fds[0], F_SETPIPE_SZ, size);  // best effort: a smaller pipe only means more wakeups
    return 0;
}

int noa_spawn_with_stdout(const char *path, char *const argv[], char *const envp[], int stdout_fd, int32_t *pid) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int r = posix_spawn_file_actions_init(&actions);
    if (r != 0) return r;
    r = posix_spawnattr_init(&attributes);
    if (r != 0) { posix_spawn_file_actions_destroy(&actions); return r; }
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    // The agent blocks or ignores signals for its own handling (SIGTERM, SIGHUP, SIGPIPE): the child starts clean.
    if ((r = posix_spawnattr_setsigmask(&attributes, &none)) == 0 &&
        (r = posix_spawnattr_setsigdefault(&attributes, &all)) == 0 &&
        (r = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) == 0 &&
        (r = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) == 0 &&
        (r = posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1)) == 0 &&
        (r = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) == 0) {
        pid_t child = 0;
        r = posix_spawn(&child, path, &actions, &attributes, argv, envp ? envp : environ);
        if (r == 0) *pid = child;
    }
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return r;
}

int noa_set_parent_death_signal(int signal) { return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0); }

int noa_malloc_trim(void) { return malloc_trim(0); }

// ---- Start-up pages -----------------------------------------------------------------------------------------
#include <elf.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/mman.h>

struct noa_release_state { uintptr_t vdso; long pages; long page_size; };

/// Whether the object's dynamic section asks for text relocations: then its "read-only" segments hold written
/// (copied-on-write) pages that MADV_DONTNEED would revert to the file's bytes, so it is left alone.
static int noa_has_text_relocations(const struct dl_phdr_info *info) {
    for (int i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type != PT_DYNAMIC) continue;
        const ElfW(Dyn) *dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
        for (; dyn->d_tag != DT_NULL; dyn++) {
            if (dyn->d_tag == DT_TEXTREL) return 1;
            if (dyn->d_tag == DT_FLAGS && (dyn->d_un.d_val & DF_TEXTREL)) return 1;
        }
    }
    return 0;
}

static int noa_release_object(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct noa_release_state *state = data;
    // The vDSO is the kernel's, not a file mapping; an object with text relocations has written pages.
    if (info->dlpi_phnum == 0 || (uintptr_t)info->dlpi_addr == state->vdso || noa_has_text_relocations(info)) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        // Only segments that were never writable: code, constants, unwind tables, symbol tables. RELRO lives in
        // a writable PT_LOAD (relocated, then made read-only) and is skipped with the rest of the data.
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || ph->p_memsz != ph->p_filesz) continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
        uintptr_t mask = (uintptr_t)state->page_size - 1;
        // Whole pages inside the segment only: a page shared with a neighbouring writable segment stays.
        start = (start + mask) & ~mask;
        end &= ~mask;
        if (end <= start) continue;
        if (madvise((void *)start, end - start, MADV_DONTNEED) == 0) {
            state->pages += (long)((end - start) / state->page_size);
        }
    }
    return 0;
}

long noa_release_readonly_pages(void) {
    struct noa_release_state state = { (uintptr_t)getauxval(AT_SYSINFO_EHDR), 0, sysconf(_SC_PAGESIZE) };
    dl_iterate_phdr(noa_release_object, &state);
    return state.pages;
}

// ---- processes source ----------------------------------------------------------------------------------------

int noa_open_files_limit(int pid, uint64_t *soft) {
    struct rlimit limit;
    if (prlimit(pid, RLIMIT_NOFILE, NULL, &limit) != 0) return -1;
    *soft = limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)limit.rlim_cur;
    return 0;
}
