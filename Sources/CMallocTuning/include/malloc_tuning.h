#ifndef BLOCKSNAP_MALLOC_TUNING_H
#define BLOCKSNAP_MALLOC_TUNING_H

#include <stddef.h>

/// Makes the C library's malloc keep memory it frees for reuse: up to `keep_bytes` of free
/// memory at the top of each arena stays mapped instead of going back to the system at once,
/// and allocations of up to `largest_reused_bytes` come from the arenas rather than from a
/// fresh mmap each. A server that allocates and frees many buffers of a few hundred KiB (a read
/// reply, a block) then stops paying a page fault and a page clearing per 4 KiB of every new
/// buffer. Returns 1 when applied, 0 where the C library has no such settings (not glibc).
int blocksnap_keep_freed_memory(size_t keep_bytes, size_t largest_reused_bytes);

#endif
