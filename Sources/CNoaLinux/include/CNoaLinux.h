// Linux calls that Swift's Glibc module does not expose: <sys/timex.h> is not in it, and recvmmsg/sendmmsg
// need _GNU_SOURCE. Each wrapper flattens the kernel struct into plain fields so Swift never depends on a layout.
#ifndef C_NOA_LINUX_H
#define C_NOA_LINUX_H

#include <stddef.h>
#include <stdint.h>

/// The fields of `struct timex` that node_exporter's timex collector reports, from adjtimex(2) with modes = 0.
typedef struct noa_timex {
    int64_t offset, freq, maxerror, esterror, constant, tick, ppsfreq, jitter, stabil, jitcnt, calcnt, errcnt, stbcnt;
    int32_t status, shift, tai;
} noa_timex;

/// A read-only adjtimex(2) query. Returns the clock state (TIME_OK .. TIME_ERROR) or -1 with errno set.
int noa_adjtimex_read(noa_timex *out);


/// The C allocator's own figures (glibc mallinfo2(3), which walks every arena under its lock: call it per scrape,
/// not per item). Bytes: `arena` from brk/sbrk, `mapped` in mmap'ed blocks, `in_use` handed out, `free` held
/// by the allocator but not in use (what fragmentation and trimming decide), `top_releasable` at the heap top.
typedef struct noa_malloc_stats {
    uint64_t arena, mapped, in_use, free, top_releasable;
    uint64_t mapped_blocks, free_chunks;
} noa_malloc_stats;

/// Fills `out`; returns 0, or -1 where the C library has no mallinfo2 (musl).
int noa_malloc_stats_read(noa_malloc_stats *out);

// ---- StatsD listeners: sockets, recvmmsg batches with credentials, epoll. -----------------------------------

/// Binds a numeric IPv4/IPv6 address (`host` such as "127.0.0.1" or "::1", no brackets) for `socktype`
/// (SOCK_DGRAM or SOCK_STREAM; TCP also gets SO_REUSEADDR and listen(backlog)). Returns the fd (close-on-exec,
/// blocking) and stores the bound port (useful with port 0), or -1 with errno set (EAI errors map to EINVAL).
int noa_bind_inet(int socktype, const char *host, int port, int backlog, int *bound_port);

/// Creates a Unix datagram socket bound at `path` (which must not exist) with SO_PASSCRED on. Returns the fd or
/// -1 with errno set (ENAMETOOLONG when the path does not fit sun_path).
int noa_bind_unixgram(const char *path);

/// Asks for a receive buffer of `bytes`: SO_RCVBUFFORCE first (works for root / CAP_NET_ADMIN, ignores
/// rmem_max), then SO_RCVBUF. Returns the size the kernel granted as read back with getsockopt (the kernel
/// doubles the request for its bookkeeping), or -1 with errno set.
int noa_set_receive_buffer(int fd, int bytes);

/// The inode of a socket (st_ino of fstat), which /proc/net/udp lists; 0 on error.
uint64_t noa_socket_inode(int fd);

/// An opaque batch of receive buffers for recvmmsg(2): `count` messages of `size` bytes each, plus room for
/// SCM_CREDENTIALS control messages when `with_credentials` is set.
typedef struct noa_rx_batch noa_rx_batch;

noa_rx_batch *noa_rx_batch_create(unsigned count, unsigned size, int with_credentials);
void noa_rx_batch_destroy(noa_rx_batch *batch);
/// The most datagrams one receive returns (the `count` it was created with).
unsigned noa_rx_batch_capacity(const noa_rx_batch *batch);

/// Receives up to `count` datagrams from `fd`. Never spins: it reads with a non-blocking recvmmsg and, when
/// nothing is queued, polls `fd` and `wake_fd` (an eventfd) without a timeout. When `wait_us` > 0, each time a
/// read empties the queue (it returns fewer than `count`) the next call first pauses (cut short by `wake_fd`),
/// so one wake-up drains everything that arrived meanwhile: on a busy socket the wake-ups, not the copies, are
/// most of a receiver's CPU. The pause is at most `wait_us` microseconds and is halved while a cycle takes more
/// than `budget` bytes (datagram lengths plus 1 KiB each for the kernel's overhead) off the queue, so that the
/// socket's receive buffer holds what arrives during a pause. Returns the number of messages received (>= 1),
/// 0 when `wake_fd` became readable (stop requested), or -1 with errno set.
int noa_rx_batch_receive(noa_rx_batch *batch, int fd, int wake_fd, int wait_us, size_t budget);

/// Message `i` of the last receive: its bytes, length, whether the kernel truncated it (MSG_TRUNC: the datagram
/// was larger than the buffer), and the sender pid from SCM_CREDENTIALS (-1 when absent).
const void *noa_rx_batch_data(const noa_rx_batch *batch, unsigned i);
unsigned noa_rx_batch_length(const noa_rx_batch *batch, unsigned i);
int noa_rx_batch_truncated(const noa_rx_batch *batch, unsigned i);
int32_t noa_rx_batch_pid(const noa_rx_batch *batch, unsigned i);

/// An eventfd for waking a listener thread (EFD_CLOEXEC | EFD_NONBLOCK), and a write of 1 to it.
int noa_eventfd_create(void);
int noa_eventfd_signal(int fd);

/// epoll, flattened: add `fd` for EPOLLIN (plus EPOLLRDHUP) with `tag` as its data; wait fills `tags` and
/// `events` (EPOLLIN/EPOLLHUP/EPOLLERR bits) for up to `max` ready descriptors. Returns the count or -1.
int noa_epoll_create(void);
int noa_epoll_add(int epfd, int fd, uint64_t tag);
int noa_epoll_wait(int epfd, uint64_t *tags, uint32_t *events, int max, int timeout_ms);

/// Names the calling thread (first 15 bytes), as `top -H` shows it.
void noa_thread_set_name(const char *name);

/// accept4 with SOCK_CLOEXEC | SOCK_NONBLOCK; -1 with errno (EAGAIN when nothing is pending).
int noa_accept_nonblocking(int fd);


// ---- The journal reader's child process (NoaJournal). -----------------------------------------------------

/// A pipe with both ends close-on-exec (pipe2 needs _GNU_SOURCE), so a child spawned by another thread at the
/// same moment can't inherit it. When `size` > 0 the pipe's capacity is raised to it (F_SETPIPE_SZ, best
/// effort: the kernel caps it at /proc/sys/fs/pipe-max-size). Returns 0, or -1 with errno set.
int noa_pipe_cloexec(int fds[2], int size);

/// posix_spawn of `path` with `argv` and `envp` (NULL-terminated; `envp` NULL: the parent's environment): stdin from /dev/null,
/// stdout onto `stdout_fd`, stderr inherited, every other descriptor closed (closefrom 3), so the child holds no
/// listening socket or file of the agent's. Signal mask and dispositions reset to defaults. Returns 0 and the pid,
/// or an errno value (posix_spawn does not set errno).
int noa_spawn_with_stdout(const char *path, char *const argv[], char *const envp[], int stdout_fd, int32_t *pid);

/// prctl(PR_SET_PDEATHSIG, signal): the kernel sends `signal` to this process when the thread that spawned it
/// exits (prctl is variadic, which Swift can't call). Returns 0, or -1 with errno set.
int noa_set_parent_death_signal(int signal);

/// Returns the free memory of every malloc arena to the kernel (glibc's malloc_trim(0)); 1 when some was released.
int noa_malloc_trim(void);

/// Unmaps, from this process's page tables only, the never-writable file-backed segments of every loaded object
/// (the executable's and the shared libraries' code, constants, unwind and symbol tables) with
/// madvise(MADV_DONTNEED). The pages stay in the page cache: whatever runs next maps its pages again with a minor
/// fault, so the resident set becomes what the agent runs from then on instead of everything start-up touched.
/// Writable segments (data, RELRO), the vDSO and objects with text relocations are left alone. Returns the number
/// of pages advised (mapped or not).
long noa_release_readonly_pages(void);

/// The soft RLIMIT_NOFILE of process `pid` (prlimit, which Glibc declares only under _GNU_SOURCE): one system call
/// where /proc/<pid>/limits costs an open, a read of sixteen formatted lines and a close. Returns 0 and sets `soft`
/// (UINT64_MAX for unlimited), or -1 with errno set (EPERM for another user's process when not root).
int noa_open_files_limit(int pid, uint64_t *soft);

#endif
