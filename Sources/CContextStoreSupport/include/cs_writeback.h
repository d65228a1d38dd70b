#ifndef CS_WRITEBACK_H
#define CS_WRITEBACK_H

/// Asks the kernel to start writing the file's dirty pages back now, without waiting for
/// them (Linux: sync_file_range with SYNC_FILE_RANGE_WRITE; elsewhere a no-op). It makes
/// nothing durable: a later fsync/fdatasync still does that, and finds less to wait for.
/// Returns 0 on success, -1 on failure (errno set).
int cs_start_writeback(int fd);

#endif
