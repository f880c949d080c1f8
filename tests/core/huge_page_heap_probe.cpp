// Probe for process_memory_test: `huge_page_heap_probe D` puts the heap's next block D bytes below
// a huge-page boundary, calls prefer_huge_page_heap(), and exits 0 when a [heap] mapping is then
// advised MADV_HUGEPAGE ("hg" in /proc/self/smaps), 1 when none is, 2 on a bad argument.
// A process of its own per position: the advice is given once per process.
#include <malloc.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "support/heap_flags.hpp"
#include "txt2pdf/core/process_memory.hpp"

namespace {

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  char* end = nullptr;
  const unsigned long long distance = std::strtoull(argv[1], &end, 10);
  if (*end != '\0' || distance % 16 != 0 || distance > kHugePage / 2) return 2;
  // The padding block must come from the heap, not from a mapping of its own.
  if (mallopt(M_MMAP_THRESHOLD, static_cast<int>(kHugePage * 2)) == 0) return 2;
  // glibc puts a block's user data 16 bytes into its chunk, and a chunk holds request + 8 bytes
  // rounded up to 16: after `first`, the next chunk starts at first + 16, and a padding chunk of
  // C bytes puts the block after it at first + 32 + C.
  const auto first = reinterpret_cast<std::uintptr_t>(std::malloc(1));
  const std::uintptr_t boundary = (first + distance + 256 + kHugePage) & ~(kHugePage - 1);
  const std::uintptr_t chunk = boundary - distance - first - 32;
  void* padding = std::malloc(chunk - 8);
  if (padding == nullptr) return 2;
  txt2pdf::prefer_huge_page_heap();
  return txt2pdf::testing::heap_vm_flags().find(" hg") != std::string::npos ? 0 : 1;
}
