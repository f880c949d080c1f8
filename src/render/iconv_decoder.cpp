#include "txt2pdf/render/iconv_decoder.hpp"

#include <iconv.h>

#include <cerrno>
#include <cwchar>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

// glibc's wchar_t is UCS-4 in host byte order: iconv writes code points we can copy as they are.
static_assert(sizeof(wchar_t) == 4, "wchar_t must be UCS-4 (glibc)");
constexpr const char* kTarget = "WCHAR_T";
constexpr char32_t kReplacement = 0xFFFD;

iconv_t open_converter(const std::string& charset) {
  // NOLINTNEXTLINE(performance-no-int-to-ptr): (iconv_t)-1 is iconv's error value
  if (charset.empty() || charset.find('/') != std::string::npos) return reinterpret_cast<iconv_t>(-1);
  return ::iconv_open(kTarget, charset.c_str());
}

}  // namespace

bool iconv_supports(const std::string& charset) {
  const iconv_t handle = open_converter(charset);
  // NOLINTNEXTLINE(performance-no-int-to-ptr): (iconv_t)-1 is iconv's error value
  if (handle == reinterpret_cast<iconv_t>(-1)) return false;
  ::iconv_close(handle);
  return true;
}

IconvDecoder::IconvDecoder(const std::string& charset) : handle_(open_converter(charset)) {
  // NOLINTNEXTLINE(performance-no-int-to-ptr): (iconv_t)-1 is iconv's error value
  if (handle_ == reinterpret_cast<void*>(-1)) {
    throw Error(ErrorKind::kConfig, "iconv cannot decode the character set \"" + charset + "\"");
  }
}

IconvDecoder::~IconvDecoder() { ::iconv_close(static_cast<iconv_t>(handle_)); }

void IconvDecoder::decode(std::string_view bytes, bool last, std::u32string& out) {
  std::string joined;
  if (!pending_.empty()) {
    joined = pending_ + std::string(bytes);
    pending_.clear();
    bytes = joined;
  }
  const auto cd = static_cast<iconv_t>(handle_);
  wchar_t chunk[2048];
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  out.reserve(out.size() + bytes.size());
  while (in_left > 0) {
    char* to = reinterpret_cast<char*>(chunk);
    std::size_t to_left = sizeof chunk;
    const std::size_t result = ::iconv(cd, &in, &in_left, &to, &to_left);
    const auto produced = static_cast<std::size_t>(reinterpret_cast<wchar_t*>(to) - chunk);
    for (std::size_t i = 0; i < produced; ++i) out.push_back(static_cast<char32_t>(chunk[i]));
    if (result != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) continue;
    if (errno == EINVAL && !last) {  // a sequence cut by the end of this piece
      pending_.assign(in, in_left);
      return;
    }
    // EILSEQ (or EINVAL at the very end): one U+FFFD for the byte, then go on after it.
    out.push_back(kReplacement);
    ++replaced_;
    ++in;
    --in_left;
  }
  if (last) {
    // Stateful encodings (ISO-2022-JP) return to their initial state.
    char* to = reinterpret_cast<char*>(chunk);
    std::size_t to_left = sizeof chunk;
    ::iconv(cd, nullptr, nullptr, &to, &to_left);
    const auto produced = static_cast<std::size_t>(reinterpret_cast<wchar_t*>(to) - chunk);
    for (std::size_t i = 0; i < produced; ++i) out.push_back(static_cast<char32_t>(chunk[i]));
  }
}

}  // namespace txt2pdf
