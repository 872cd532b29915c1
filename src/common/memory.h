// Hints for large, short-lived buffers (a bundle's parsed flows, its undo log, a journal
// record).
//
// Filling hundreds of megabytes of fresh memory costs one page fault per 4 KiB page, and in a
// virtual machine a fault is expensive: loading a 200,000-flow bundle spent more time faulting
// than parsing. advise_huge_pages() asks the kernel to back the 2 MiB-aligned interior of a
// buffer with transparent huge pages (madvise(MADV_HUGEPAGE); effective when THP is "always"
// or "madvise", the Debian default), so the buffer faults once per 2 MiB instead. It is only a
// hint: it never fails, never changes the buffer's contents, and does nothing for buffers
// smaller than kHugePageBytes.
#pragma once

#include <cstddef>

namespace nt {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Advises huge pages for the whole 2 MiB pages inside [p, p + bytes).
void advise_huge_pages(const void* p, size_t bytes);

// The same for a container's reserved storage (std::vector, std::string).
template <typename C>
void advise_huge_pages_for(const C& c) {
  advise_huge_pages(c.data(), c.capacity() * sizeof(*c.data()));
}

}  // namespace nt
