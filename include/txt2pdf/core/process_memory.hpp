// Start-up tuning of the heap for the job binary's processes (a job, `render`, `worker`).
#pragma once

namespace txt2pdf {

// Lets the first megabytes of the heap be backed by transparent huge pages, as glibc's
// glibc.malloc.hugetlb=1 tunable would (which only the environment can set, before exec): the
// heap grows and large blocks come from it in 8 MiB steps, and that range is advised
// MADV_HUGEPAGE (from a huge-page boundary on). A one-line CJK render touches ~2 MB of fresh
// heap (font tables, libharu's CMap encoder), and on a Firecracker VM (Lambda's; the development
// machine's) each first touch of a 4 KiB page is an ~11 us fault: 300 faults instead of 800
// took a one-line Japanese render from 29 to 20 ms (README "Benchmarks"), for ~2 MB more
// peak RSS. Advice only: no effect where THP is off, none under sanitizers (their allocator is
// not glibc's heap). Call first thing in main; later calls do nothing.
void prefer_huge_page_heap() noexcept;

}  // namespace txt2pdf
