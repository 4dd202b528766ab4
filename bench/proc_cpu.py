"""CPU time of a process for the benchmarks, from the scheduler's own account."""
import os


def cpu_ns(pid):
    """CPU time of every thread of `pid` in nanoseconds: the first field of /proc/PID/task/*/schedstat (utime and
    stime come in 10 ms ticks, too coarse for steps that cost a few dozen milliseconds). A thread that exits
    between two reads is not counted, so threads that come and go make a process look cheaper, never dearer."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total
