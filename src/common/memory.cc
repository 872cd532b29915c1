#include "common/memory.h"

#include <sys/mman.h>

#include <cstdint>

namespace nt {

void advise_huge_pages(const void* p, size_t bytes) {
  if (bytes < kHugePageBytes) return;
  auto begin = reinterpret_cast<uintptr_t>(p);
  uintptr_t first = (begin + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  uintptr_t last = (begin + bytes) & ~(uintptr_t{kHugePageBytes} - 1);
  if (last <= first) return;
  (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

}  // namespace nt
