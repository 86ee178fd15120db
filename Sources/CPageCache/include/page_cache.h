#ifndef BLOCKSNAP_PAGE_CACHE_H
#define BLOCKSNAP_PAGE_CACHE_H

#include <stddef.h>
#include <stdint.h>

/// Reads up to `count` bytes at `offset` only if they can be had without waiting for the disk
/// (preadv2 with RWF_NOWAIT: from the page cache). Returns the bytes read (possibly fewer than
/// asked, when only a prefix is cached; 0 at end of file), or -1 with errno set: EAGAIN when
/// the data is not cached, ENOSYS/EOPNOTSUPP/EINVAL where the kernel or file system cannot tell.
long blocksnap_pread_cached(int fd, void *buffer, size_t count, int64_t offset);

/// Copies up to `count` bytes from `from` at `from_offset` to `to` at `to_offset` inside the
/// kernel (copy_file_range: through the page cache, never through user space). Returns the
/// bytes copied (possibly fewer; 0 at the end of `from`), or -1 with errno set: EXDEV, EINVAL,
/// ENOSYS or EOPNOTSUPP where the kernel or file system cannot copy this way.
long blocksnap_copy_range(int from, int64_t from_offset, int to, int64_t to_offset, size_t count);

#endif
