// libsystemd's journal API (headers from libsystemd-dev), loaded at run time.
//
// Only the journal reader child (`noa-agent journal-reader`) reads the journal, so the agent does not link
// libsystemd: linked, it and the libraries it pulls in (libgcrypt, libgpg-error, liblzma, libzstd, liblz4,
// libcap) were loaded into every agent process at start, about 0.8 MB of resident memory that only the
// reader uses. Each noa_sd_* function below has the signature and the return convention of its sd_* namesake
// (negative errno on failure); the first call dlopens libsystemd.so.0, and when it or a symbol is missing,
// every call fails with -ENOSYS (noa_sd_load_error says why). Call only these: the sd_* functions the header
// below declares are not linked, and using one fails at link time ("undefined symbol").
#ifndef NOA_CSYSTEMD_H
#define NOA_CSYSTEMD_H

#include <systemd/sd-journal.h>

/// NULL once libsystemd is loaded; else what dlopen or dlsym said (loads it first when it was not tried yet).
const char *noa_sd_load_error(void);

int noa_sd_journal_open(sd_journal **ret, int flags);
int noa_sd_journal_open_directory(sd_journal **ret, const char *path, int flags);
void noa_sd_journal_close(sd_journal *j);
int noa_sd_journal_set_data_threshold(sd_journal *j, size_t sz);
int noa_sd_journal_add_match(sd_journal *j, const void *data, size_t size);
int noa_sd_journal_add_disjunction(sd_journal *j);
int noa_sd_journal_add_conjunction(sd_journal *j);
int noa_sd_journal_seek_head(sd_journal *j);
int noa_sd_journal_seek_tail(sd_journal *j);
int noa_sd_journal_seek_cursor(sd_journal *j, const char *cursor);
int noa_sd_journal_test_cursor(sd_journal *j, const char *cursor);
int noa_sd_journal_next(sd_journal *j);
int noa_sd_journal_previous(sd_journal *j);
int noa_sd_journal_wait(sd_journal *j, uint64_t timeout_usec);
int noa_sd_journal_get_cursor(sd_journal *j, char **cursor);
int noa_sd_journal_get_realtime_usec(sd_journal *j, uint64_t *ret);
int noa_sd_journal_get_monotonic_usec(sd_journal *j, uint64_t *ret, sd_id128_t *ret_boot_id);
void noa_sd_journal_restart_data(sd_journal *j);
int noa_sd_journal_enumerate_available_data(sd_journal *j, const void **data, size_t *l);

#endif
