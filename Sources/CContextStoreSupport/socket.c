#define _GNU_SOURCE
#include "cs_socket.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

int cs_accept_cloexec(int fd) {
#ifdef __linux__
    return accept4(fd, NULL, NULL, SOCK_CLOEXEC);
#else
    int c = accept(fd, NULL, NULL);
    if (c >= 0) fcntl(c, F_SETFD, FD_CLOEXEC);
    return c;
#endif
}

int cs_peer_uid(int fd, uid_t *uid) {
#ifdef __linux__
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *uid = cred.uid;
    return 0;
#else
    gid_t gid;
    return getpeereid(fd, uid, &gid);
#endif
}
