#include "malloc_tuning.h"

#include <limits.h>  // defines __GLIBC__ with the C library's version

#if defined(__GLIBC__)
#include <malloc.h>

int blocksnap_keep_freed_memory(size_t keep_bytes, size_t largest_reused_bytes) {
    if (keep_bytes > INT_MAX || largest_reused_bytes > INT_MAX) return 0;
    // Either setting also turns off glibc's dynamic thresholds, so both are set together.
    if (mallopt(M_MMAP_THRESHOLD, (int)largest_reused_bytes) != 1) return 0;
    return mallopt(M_TRIM_THRESHOLD, (int)keep_bytes) == 1;
}
#else
int blocksnap_keep_freed_memory(size_t keep_bytes, size_t largest_reused_bytes) {
    (void)keep_bytes;
    (void)largest_reused_bytes;
    return 0;
}
#endif
