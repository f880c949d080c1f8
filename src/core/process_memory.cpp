#include "txt2pdf/core/process_memory.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace txt2pdf {
namespace {

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
constexpr int kHeapStep = 8 << 20;

// Sanitizers bring their own allocator: mallopt and the program break are not theirs.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kGlibcHeap = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
constexpr bool kGlibcHeap = false;
#else
constexpr bool kGlibcHeap = true;
#endif
#else
constexpr bool kGlibcHeap = true;
#endif

// glibc's chunk header and alignment slack: the filler asks for this much less than the gap, so
// that the block after it starts at the boundary, and the gap is never smaller.
constexpr std::uintptr_t kChunkSlack = 64;

// The blocks advise_heap keeps for the life of the process (reachable, not leaked), and the one it
// frees at once: volatile, or GCC drops the malloc/free pair (a global alone does not stop it).
void* kept_blocks[2] = {nullptr, nullptr};
void* volatile growth_block = nullptr;

void advise_heap() noexcept {
  // A fixed mmap threshold keeps blocks up to 8 MiB (libharu's tables, libdeflate's state) in the
  // heap; the pad grows the heap 8 MiB at a time and the trim threshold keeps it from shrinking.
  if (mallopt(M_MMAP_THRESHOLD, kHeapStep) == 0 || mallopt(M_TOP_PAD, kHeapStep) == 0 ||
      mallopt(M_TRIM_THRESHOLD, 4 * kHeapStep) == 0)
    return;
  // Where the heap's free top starts, about: the next block comes from there.
  void* marker = std::malloc(1);
  if (marker == nullptr) return;
  kept_blocks[0] = marker;
  const auto top = reinterpret_cast<std::uintptr_t>(marker);
  const std::uintptr_t begin = (top + kChunkSlack + kHugePage) & ~(kHugePage - 1);
  // A block kept for ever and never touched past its header fills the rest of the current huge
  // page, so the program's blocks start on a huge-page boundary.
  void* filler = std::malloc(begin - top - kChunkSlack);
  kept_blocks[1] = filler;
  if (filler == nullptr) return;
  // A filler that fitted in the heap's free top did not grow it, and advice needs whole huge pages
  // past `begin`: grow it now. Freed at once, the space stays in the free top (below the trim
  // threshold), untouched.
  if (reinterpret_cast<std::uintptr_t>(sbrk(0)) < begin + kHugePage) {
    growth_block = std::malloc(kHugePage);
    std::free(growth_block);
  }
  const auto end = reinterpret_cast<std::uintptr_t>(sbrk(0));
  const std::uintptr_t last = end & ~(kHugePage - 1);
  if (last > begin) (void)madvise(static_cast<char*>(marker) + (begin - top), last - begin, MADV_HUGEPAGE);
}

}  // namespace

void prefer_huge_page_heap() noexcept {
  if (!kGlibcHeap) return;
  static const bool once = (advise_heap(), true);
  (void)once;
}

}  // namespace txt2pdf
