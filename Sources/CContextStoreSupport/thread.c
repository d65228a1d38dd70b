#define _GNU_SOURCE
#include "cs_thread.h"

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int cs_thread_set_nice(int value) {
    // On Linux, nice values belong to threads: PRIO_PROCESS with a thread id sets one.
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), value);
}
#else
int cs_thread_set_nice(int value) { (void)value; return 0; }
#endif
