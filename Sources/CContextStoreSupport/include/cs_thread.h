#ifndef CS_THREAD_H
#define CS_THREAD_H

/// Lowers the calling thread's scheduling priority to nice `value` (Linux: per thread;
/// elsewhere a no-op). Returns 0 on success, -1 on failure (errno set).
int cs_thread_set_nice(int value);

#endif
