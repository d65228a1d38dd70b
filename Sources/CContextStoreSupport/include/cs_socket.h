#ifndef CS_SOCKET_H
#define CS_SOCKET_H
#include <sys/types.h>

/// Accepts a connection on the listening socket `fd` with close-on-exec set (Linux:
/// accept4). Returns the new descriptor, or -1 (errno set).
int cs_accept_cloexec(int fd);

/// The user id of the process at the other end of the Unix socket `fd` (Linux:
/// SO_PEERCRED). Returns 0 and sets *uid, or -1 (errno set) where the system cannot say.
int cs_peer_uid(int fd, uid_t *uid);

#endif
