#include "txt2pdf/core/process_memory.hpp"

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "support/heap_flags.hpp"

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

using txt2pdf::testing::heap_vm_flags;

TEST(PreferHugePageHeap, AdvisesTheHeapAndKeepsLargeBlocksInIt) {
  if (kSanitized) GTEST_SKIP() << "the sanitizer's allocator is not glibc's heap: nothing to advise";
  txt2pdf::prefer_huge_page_heap();
  // MADV_HUGEPAGE shows as "hg" among the heap's flags (a kernel without THP refuses the advice).
  if (std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled")) {
    EXPECT_NE(heap_vm_flags().find(" hg"), std::string::npos) << heap_vm_flags();
  }
  // A 1 MiB block (above glibc's default 128 KiB mmap threshold) now comes from the heap, below
  // the program break, instead of a mapping of its own.
  void* block = std::malloc(std::size_t{1} << 20);
  ASSERT_NE(block, nullptr);
  EXPECT_LT(reinterpret_cast<std::uintptr_t>(block), reinterpret_cast<std::uintptr_t>(sbrk(0)));
  std::free(block);
}

TEST(PreferHugePageHeap, ASecondCallLeavesTheHeapAsItIs) {
  if (kSanitized) GTEST_SKIP() << "the sanitizer's allocator is not glibc's heap: nothing to advise";
  txt2pdf::prefer_huge_page_heap();
  const void* end = sbrk(0);
  const std::string flags = heap_vm_flags();
  txt2pdf::prefer_huge_page_heap();
  EXPECT_EQ(sbrk(0), end);
  EXPECT_EQ(heap_vm_flags(), flags);
}

// Where the heap's top sits when the advice is given decides whether it takes: a filler that fits
// in the heap's free top does not grow the heap, and a top within 64 bytes of a huge-page boundary
// once made the filler's size wrap around. Each position runs in a process of its own
// (tests/core/huge_page_heap_probe.cpp), which exits 0 when the heap is advised.
TEST(PreferHugePageHeapPositions, EveryDistanceBelowABoundaryGetsTheAdvice) {
  if (kSanitized) GTEST_SKIP() << "the sanitizer's allocator is not glibc's heap: nothing to advise";
  if (!std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled")) GTEST_SKIP() << "no THP in this kernel";
  for (const unsigned distance : {0u, 16u, 32u, 48u, 64u, 80u, 4096u, 9392u, 17584u, 65536u, 200000u, 1048576u}) {
    const std::string argument = std::to_string(distance);
    char* const argv[] = {const_cast<char*>(TXT2PDF_HEAP_PROBE), const_cast<char*>(argument.c_str()), nullptr};
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, TXT2PDF_HEAP_PROBE, nullptr, nullptr, argv, environ), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "probe at distance " << distance << " died";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "heap top " << distance << " bytes below a huge-page boundary: "
                                      << (WEXITSTATUS(status) == 1 ? "not advised" : "bad probe argument");
  }
}

}  // namespace
