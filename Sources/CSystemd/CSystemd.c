// See include/CSystemd.h: libsystemd's journal functions, resolved with dlopen on first use.
#define _GNU_SOURCE
#include "CSystemd.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

static struct {
    int (*open)(sd_journal **, int);
    int (*open_directory)(sd_journal **, const char *, int);
    void (*close)(sd_journal *);
    int (*set_data_threshold)(sd_journal *, size_t);
    int (*add_match)(sd_journal *, const void *, size_t);
    int (*add_disjunction)(sd_journal *);
    int (*add_conjunction)(sd_journal *);
    int (*seek_head)(sd_journal *);
    int (*seek_tail)(sd_journal *);
    int (*seek_cursor)(sd_journal *, const char *);
    int (*test_cursor)(sd_journal *, const char *);
    int (*next)(sd_journal *);
    int (*previous)(sd_journal *);
    int (*wait)(sd_journal *, uint64_t);
    int (*get_cursor)(sd_journal *, char **);
    int (*get_realtime_usec)(sd_journal *, uint64_t *);
    int (*get_monotonic_usec)(sd_journal *, uint64_t *, sd_id128_t *);
    void (*restart_data)(sd_journal *);
    int (*enumerate_available_data)(sd_journal *, const void **, size_t *);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[256];

static void load(void) {
    void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
#define RESOLVE(field, name)                                                                  \
    do {                                                                                      \
        *(void **)(&fn.field) = dlsym(h, name);                                               \
        if (!fn.field) {                                                                      \
            snprintf(load_error, sizeof load_error, "libsystemd.so.0 has no %s", name);       \
            return;                                                                           \
        }                                                                                     \
    } while (0)
    RESOLVE(open, "sd_journal_open");
    RESOLVE(open_directory, "sd_journal_open_directory");
    RESOLVE(close, "sd_journal_close");
    RESOLVE(set_data_threshold, "sd_journal_set_data_threshold");
    RESOLVE(add_match, "sd_journal_add_match");
    RESOLVE(add_disjunction, "sd_journal_add_disjunction");
    RESOLVE(add_conjunction, "sd_journal_add_conjunction");
    RESOLVE(seek_head, "sd_journal_seek_head");
    RESOLVE(seek_tail, "sd_journal_seek_tail");
    RESOLVE(seek_cursor, "sd_journal_seek_cursor");
    RESOLVE(test_cursor, "sd_journal_test_cursor");
    RESOLVE(next, "sd_journal_next");
    RESOLVE(previous, "sd_journal_previous");
    RESOLVE(wait, "sd_journal_wait");
    RESOLVE(get_cursor, "sd_journal_get_cursor");
    RESOLVE(get_realtime_usec, "sd_journal_get_realtime_usec");
    RESOLVE(get_monotonic_usec, "sd_journal_get_monotonic_usec");
    RESOLVE(restart_data, "sd_journal_restart_data");
    RESOLVE(enumerate_available_data, "sd_journal_enumerate_available_data");
#undef RESOLVE
    loaded = 1;
}

static int ready(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *noa_sd_load_error(void) { return ready() ? NULL : load_error; }

#define CALL(field, ...) (ready() ? fn.field(__VA_ARGS__) : -ENOSYS)

int noa_sd_journal_open(sd_journal **ret, int flags) { return CALL(open, ret, flags); }
int noa_sd_journal_open_directory(sd_journal **ret, const char *path, int flags) {
    return CALL(open_directory, ret, path, flags);
}
void noa_sd_journal_close(sd_journal *j) {
    if (ready()) fn.close(j);
}
int noa_sd_journal_set_data_threshold(sd_journal *j, size_t sz) { return CALL(set_data_threshold, j, sz); }
int noa_sd_journal_add_match(sd_journal *j, const void *data, size_t size) { return CALL(add_match, j, data, size); }
int noa_sd_journal_add_disjunction(sd_journal *j) { return CALL(add_disjunction, j); }
int noa_sd_journal_add_conjunction(sd_journal *j) { return CALL(add_conjunction, j); }
int noa_sd_journal_seek_head(sd_journal *j) { return CALL(seek_head, j); }
int noa_sd_journal_seek_tail(sd_journal *j) { return CALL(seek_tail, j); }
int noa_sd_journal_seek_cursor(sd_journal *j, const char *cursor) { return CALL(seek_cursor, j, cursor); }
int noa_sd_journal_test_cursor(sd_journal *j, const char *cursor) { return CALL(test_cursor, j, cursor); }
int noa_sd_journal_next(sd_journal *j) { return CALL(next, j); }
int noa_sd_journal_previous(sd_journal *j) { return CALL(previous, j); }
int noa_sd_journal_wait(sd_journal *j, uint64_t timeout_usec) { return CALL(wait, j, timeout_usec); }
int noa_sd_journal_get_cursor(sd_journal *j, char **cursor) { return CALL(get_cursor, j, cursor); }
int noa_sd_journal_get_realtime_usec(sd_journal *j, uint64_t *ret) { return CALL(get_realtime_usec, j, ret); }
int noa_sd_journal_get_monotonic_usec(sd_journal *j, uint64_t *ret, sd_id128_t *ret_boot_id) {
    return CALL(get_monotonic_usec, j, ret, ret_boot_id);
}
void noa_sd_journal_restart_data(sd_journal *j) {
    if (ready()) fn.restart_data(j);
}
int noa_sd_journal_enumerate_available_data(sd_journal *j, const void **data, size_t *l) {
    return CALL(enumerate_available_data, j, data, l);
}
