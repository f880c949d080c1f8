// libFuzzer target: see fuzz_targets.hpp (built with -DTXT2PDF_BUILD_FUZZERS=ON, run by scripts/fuzz).
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  txt2pdf::fuzz::sqs({reinterpret_cast<const char*>(data), size});
  return 0;
}
