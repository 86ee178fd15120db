#define _GNU_SOURCE
#include "page_cache.h"

#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

long blocksnap_pread_cached(int fd, void *buffer, size_t count, int64_t offset) {
#if defined(__linux__) && defined(RWF_NOWAIT)
    struct iovec vector = {.iov_base = buffer, .iov_len = count};
    return (long)preadv2(fd, &vector, 1, (off_t)offset, RWF_NOWAIT);
#else
    (void)fd;
    (void)buffer;
    (void)count;
    (void)offset;
    errno = ENOSYS;
    return -1;
#endif
}

long blocksnap_copy_range(int from, int64_t from_offset, int to, int64_t to_offset, size_t count) {
#if defined(__linux__)
    loff_t in = (loff_t)from_offset;
    loff_t out = (loff_t)to_offset;
    return (long)copy_file_range(from, &in, to, &out, count, 0);
#else
    (void)from;
    (void)from_offset;
    (void)to;
    (void)to_offset;
    (void)count;
    errno = ENOSYS;
    return -1;
#endif
}
