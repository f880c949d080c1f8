#include "txt2pdf/net/http.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <string>
#include <type_traits>

#include "curl_api.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/strings.hpp"

namespace txt2pdf {
namespace {

// curl_global_init is not thread-safe and must run once before any handle exists; a function-local
// static gives exactly that (C++11 guarantees one initialisation even with racing threads).
void ensure_curl_global_init() {
  struct GlobalInit {
    GlobalInit() { curl_api().global_init(CURL_GLOBAL_DEFAULT); }
  };
  static const GlobalInit init;
  (void)init;
}

struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_api().slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_api().easy_cleanup(handle); }
};
using EasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;

// curl_easy_setopt is variadic: the value must have exactly the type the option's number range
// stands for (long, a pointer, curl_off_t), and nothing converts it on the way. curl.h's
// compile-time check (typecheck-gcc.h) is off in C++, so check here what can be checked.
template <typename Value>
void set_option(CURL* handle, CURLoption option, Value value) {
  static_assert(std::is_same_v<Value, long> || std::is_same_v<Value, curl_off_t> || std::is_pointer_v<Value>,
                "curl options take long, curl_off_t or a pointer");
  const bool pointer_option = option >= CURLOPTTYPE_OBJECTPOINT && option < CURLOPTTYPE_OFF_T;
  if (pointer_option != std::is_pointer_v<Value>) {
    throw Error(ErrorKind::kInternal, "curl option " + std::to_string(option) + " given a value of the wrong type");
  }
  (void)curl_api().easy_setopt(handle, option, value);
}

// Everything the C callbacks touch during one transfer. Exceptions never cross curl's C frames:
// callbacks record what happened here and send() acts on it once curl_easy_perform returns.
struct Transfer {
  CURL* handle = nullptr;
  const StopToken* stop = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse response;
  std::size_t upload_offset = 0;
  bool status_known = false;
  bool streaming = false;  // the body goes to request->body_sink
  bool sink_refused = false;
  bool cancelled = false;
  std::size_t max_body = 0;  // collected bodies only
  bool body_too_large = false;
  bool upload_read_failed = false;  // pread of request->body_fd failed or came up short
  std::exception_ptr sink_error;
};

extern "C" size_t on_header(char* buffer, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::string_view line(buffer, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line: drop headers of any interim (1xx) response that came before.
    transfer.response.headers.clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    transfer.response.headers.emplace_back(to_lower(trim(line.substr(0, colon))),
                                           std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

extern "C" size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::string_view chunk(data, size * count);
  if (!transfer.status_known) {
    // Headers are complete when the first body byte arrives: the final status decides where the
    // body goes (a 2xx into the sink, an error body into the response for the error parser).
    long status = 0;
    curl_api().easy_getinfo(transfer.handle, CURLINFO_RESPONSE_CODE, &status);
    transfer.status_known = true;
    transfer.streaming = transfer.request->body_sink && status >= 200 && status < 300;
  }
  if (!transfer.streaming) {
    if (transfer.response.body.size() + chunk.size() > transfer.max_body) {
      transfer.body_too_large = true;
      return 0;
    }
    transfer.response.body.append(chunk);
    return chunk.size();
  }
  try {
    if (transfer.request->body_sink(chunk)) return chunk.size();
    transfer.sink_refused = true;
  } catch (...) {
    transfer.sink_error = std::current_exception();
  }
  return 0;  // any other count makes curl stop with CURLE_WRITE_ERROR
}

std::uint64_t upload_size(const HttpRequest& request) {
  return request.body_fd >= 0 ? request.body_fd_size : request.body.size();
}

extern "C" size_t on_upload(char* buffer, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  if (transfer.request->body_fd >= 0) {
    const auto left = transfer.request->body_fd_size - transfer.upload_offset;
    const std::size_t wanted = static_cast<std::size_t>(std::min<std::uint64_t>(size * count, left));
    if (wanted == 0) return 0;
    for (;;) {
      const auto got = ::pread(transfer.request->body_fd, buffer, wanted, static_cast<off_t>(transfer.upload_offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        transfer.upload_read_failed = true;  // the file shrank or cannot be read
        return CURL_READFUNC_ABORT;
      }
      transfer.upload_offset += static_cast<std::size_t>(got);
      return static_cast<std::size_t>(got);
    }
  }
  const std::string& body = transfer.request->body;
  const std::size_t n = std::min(size * count, body.size() - transfer.upload_offset);
  std::copy_n(body.data() + transfer.upload_offset, n, buffer);
  transfer.upload_offset += n;
  return n;
}

// curl rewinds the upload when it resends on a fresh connection (the reused one had been closed).
extern "C" int on_seek(void* user, curl_off_t offset, int origin) {
  auto& transfer = *static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<std::uint64_t>(offset) > upload_size(*transfer.request)) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  transfer.upload_offset = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

// Called at least once a second while a transfer runs, also when no byte moves: the place to
// notice a stop request (the client's token, e.g. after SIGTERM) and abort promptly.
extern "C" int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& transfer = *static_cast<Transfer*>(user);
  if (!transfer.stop->stop_requested()) return 0;
  transfer.cancelled = true;
  return 1;
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(const CurlOptions& options) : options_(options) {
    ensure_curl_global_init();
    handle_.reset(curl_api().easy_init());
    if (!handle_) throw Error(ErrorKind::kInternal, "curl_easy_init failed");
  }

  HttpResponse send(const HttpRequest& request) override {
    if (options_.stop.stop_requested()) {
      throw Error(ErrorKind::kCancelled, request.method + " " + request.url + ": not sent, stop requested");
    }
    // curl_easy_reset clears the options of the previous request but keeps the connection cache.
    curl_api().easy_reset(handle_.get());
    Transfer transfer;
    transfer.handle = handle_.get();
    transfer.stop = &options_.stop;
    transfer.request = &request;
    transfer.max_body = options_.max_response_bytes;
    char error_text[CURL_ERROR_SIZE] = {};
    const SlistPtr header_list = build_header_list(request);
    configure(request, transfer, header_list.get(), error_text);

    const CURLcode code = curl_api().easy_perform(handle_.get());
    if (transfer.sink_error) std::rethrow_exception(transfer.sink_error);
    if (code != CURLE_OK) throw transfer_error(request, transfer, code, error_text);
    long status = 0;
    curl_api().easy_getinfo(handle_.get(), CURLINFO_RESPONSE_CODE, &status);
    transfer.response.status = static_cast<int>(status);
    return std::move(transfer.response);
  }

 private:
  static SlistPtr build_header_list(const HttpRequest& request) {
    SlistPtr list;
    const auto add = [&list](const std::string& line) {
      curl_slist* grown = curl_api().slist_append(list.get(), line.c_str());
      if (grown == nullptr) throw Error(ErrorKind::kInternal, "curl_slist_append failed");
      (void)list.release();
      list.reset(grown);
    };
    for (const auto& [name, value] : request.headers) {
      // "Name;" is curl's way to send a header with an empty value ("Name:" would remove it).
      std::string line = name;
      line += value.empty() ? ";" : ": ";
      line += value;
      add(line);
    }
    // Expect: 100-continue costs a round trip per PUT and S3 does not need it.
    add("Expect:");
    // Headers curl would add on its own must not appear unasked: they are not signed.
    if (!find_header(request.headers, "content-type")) add("Content-Type:");
    if (!find_header(request.headers, "accept")) add("Accept:");
    return list;
  }

  void configure(const HttpRequest& request, Transfer& transfer, curl_slist* headers, char* error_text) const {
    CURL* h = handle_.get();
    set_option(h, CURLOPT_URL, request.url.c_str());
    // The path goes out exactly as given: libcurl would otherwise remove "." and ".." segments
    // (RFC 3986 5.2.4), but S3 keys may contain them and the signature covers the literal path.
    set_option(h, CURLOPT_PATH_AS_IS, 1L);
    set_option(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    set_option(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we have threads
    set_option(h, CURLOPT_ERRORBUFFER, error_text);
    set_option(h, CURLOPT_HTTPHEADER, headers);
    set_option(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    set_option(h, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes_per_second);
    set_option(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
    const auto timeout = request.timeout.count() > 0 ? request.timeout : options_.default_timeout;
    set_option(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    set_option(h, CURLOPT_HEADERFUNCTION, on_header);
    set_option(h, CURLOPT_HEADERDATA, &transfer);
    set_option(h, CURLOPT_WRITEFUNCTION, on_body);
    set_option(h, CURLOPT_WRITEDATA, &transfer);
    set_option(h, CURLOPT_NOPROGRESS, 0L);
    set_option(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    set_option(h, CURLOPT_XFERINFODATA, &transfer);

    const auto body_size = static_cast<curl_off_t>(upload_size(request));
    if (request.method == "HEAD") {
      set_option(h, CURLOPT_NOBODY, 1L);
    } else if (request.method == "PUT") {
      set_option(h, CURLOPT_UPLOAD, 1L);
      set_option(h, CURLOPT_READFUNCTION, on_upload);
      set_option(h, CURLOPT_READDATA, &transfer);
      set_option(h, CURLOPT_SEEKFUNCTION, on_seek);
      set_option(h, CURLOPT_SEEKDATA, &transfer);
      set_option(h, CURLOPT_INFILESIZE_LARGE, body_size);
    } else if (request.method == "GET" && request.body.empty()) {
      set_option(h, CURLOPT_HTTPGET, 1L);
    } else {
      // POST and anything else: the body from memory (curl resends it itself when it must).
      set_option(h, CURLOPT_POSTFIELDSIZE_LARGE, body_size);
      set_option(h, CURLOPT_POSTFIELDS, request.body.data());
      if (request.method != "POST") set_option(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  static Error transfer_error(const HttpRequest& request, const Transfer& transfer, CURLcode code,
                              const char* error_text) {
    const std::string detail = error_text[0] != '\0' ? error_text : curl_api().easy_strerror(code);
    const std::string where = request.method + " " + request.url;
    if (transfer.upload_read_failed) {
      return Error(ErrorKind::kTransient, where + ": cannot read the body to upload from its file");
    }
    if (transfer.cancelled || code == CURLE_ABORTED_BY_CALLBACK) {
      return Error(ErrorKind::kCancelled, where + ": stopped on request during the transfer");
    }
    if (transfer.body_too_large) {
      return Error(ErrorKind::kTransient,
                   where + ": response body larger than " + std::to_string(transfer.max_body) + " bytes: abandoned");
    }
    if (transfer.sink_refused) {
      return Error(ErrorKind::kCancelled, where + ": the receiver of the response body stopped the transfer");
    }
    if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
      return Error(ErrorKind::kConfig, where + ": bad URL: " + detail);
    }
    // Connect, DNS, TLS, reset, timeouts: no (complete) response, worth another attempt.
    return Error(ErrorKind::kTransient, where + ": " + detail);
  }

  CurlOptions options_;
  EasyPtr handle_;
};

}  // namespace

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

std::unique_ptr<HttpClient> make_curl_http_client(const CurlOptions& options) {
  return std::make_unique<CurlHttpClient>(options);
}

}  // namespace txt2pdf
