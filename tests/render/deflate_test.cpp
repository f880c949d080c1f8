// Deflater output is a zlib stream that inflates back to the input; BackgroundDeflater delivers
// every buffer, in its own result, whatever the queue does.
#include "txt2pdf/render/deflate.hpp"

#include <gtest/gtest.h>
#include <libdeflate.h>

#include <memory>
#include <string>
#include <vector>

namespace txt2pdf {
namespace {

std::string inflate(const std::string& deflated, std::size_t size) {
  std::unique_ptr<libdeflate_decompressor, decltype(&libdeflate_free_decompressor)> decompressor(
      libdeflate_alloc_decompressor(), &libdeflate_free_decompressor);
  std::string out(size, '\0');
  std::size_t actual = 0;
  const auto result =
      libdeflate_zlib_decompress(decompressor.get(), deflated.data(), deflated.size(), out.data(), out.size(), &actual);
  EXPECT_EQ(result, LIBDEFLATE_SUCCESS);
  out.resize(actual);
  return out;
}

// A page-like buffer that differs per index.
std::string page(int index) {
  std::string text = "BT\n/F1 10 Tf\n";
  for (int row = 0; row < 58; ++row) {
    text += "(line " + std::to_string(index * 58 + row) + " GET /api/v1/orders/7781 200 latency_ms=12)'\n";
  }
  return text + "ET\n";
}

TEST(Deflater, OutputIsAZlibStreamOfTheInput) {
  Deflater deflater(6);
  for (const std::string& input : {std::string(), std::string("x"), page(1), std::string(200000, '\xFF')}) {
    const auto deflated = deflater.compress(input);
    EXPECT_EQ(static_cast<unsigned char>(deflated[0]) & 0x0Fu, 8u);  // CMF: method 8, deflate
    EXPECT_EQ(inflate(deflated, input.size() + 1), input);
  }
  EXPECT_LT(deflater.compress(page(1)).size(), page(1).size() / 3);
}

TEST(BackgroundDeflater, EveryBufferLandsInItsOwnResult) {
  // More buffers than the queue holds, so submit() has to wait for the worker.
  std::vector<std::string> results(100);
  BackgroundDeflater deflater(6);
  for (int i = 0; i < 100; ++i) deflater.submit(page(i), &results[static_cast<std::size_t>(i)]);
  deflater.wait();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(inflate(results[static_cast<std::size_t>(i)], 100000), page(i)) << i;
}

TEST(BackgroundDeflater, DestructionFinishesQueuedWork) {
  std::vector<std::string> results(20);
  {
    BackgroundDeflater deflater(1);
    for (int i = 0; i < 20; ++i) deflater.submit(page(i), &results[static_cast<std::size_t>(i)]);
  }
  for (int i = 0; i < 20; ++i) EXPECT_EQ(inflate(results[static_cast<std::size_t>(i)], 100000), page(i)) << i;
}

}  // namespace
}  // namespace txt2pdf
