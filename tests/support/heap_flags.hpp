// The kernel's flags of this process's heap, for the huge-page heap's tests
// (tests/core/process_memory_test.cpp and the probe it starts).
#pragma once

#include <fstream>
#include <string>

namespace txt2pdf::testing {

// The VmFlags lines of the [heap] mappings in /proc/self/smaps (madvise splits the heap); an
// advised one holds " hg".
inline std::string heap_vm_flags() {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  std::string flags;
  bool in_heap = false;
  while (std::getline(smaps, line)) {
    // A mapping's first line is "start-end perms offset dev inode [name]".
    if (line.find('-') < line.find(' ') && line.find(':') > line.find(' ')) {
      in_heap = line.find(" [heap]") != std::string::npos;
    } else if (in_heap && line.rfind("VmFlags:", 0) == 0) {
      flags += line + "\n";
    }
  }
  return flags;
}

}  // namespace txt2pdf::testing
