// libsystemd's journal API (libsystemd-dev), for NoaJournal's reader over sd_journal.
#include <systemd/sd-journal.h>
