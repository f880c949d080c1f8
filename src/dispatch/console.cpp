#include "txt2pdf/dispatch/console.hpp"

#include <algorithm>
#include <ctime>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/strings.hpp"
#include "txt2pdf/net/multipart.hpp"

namespace txt2pdf {
namespace {

constexpr auto kSnapshotMaxAge = std::chrono::seconds(2);  // many open pages, one SQS call
constexpr int kDeadLettersShown = 20;
constexpr int kPageLookupsPerRequest = 5;
constexpr const char* kCookie = "txt2pdf_console_token";

bool ends_with_txt(const std::string& name) {
  return name.size() > 4 && to_lower(std::string_view(name).substr(name.size() - 4)) == ".txt";
}

// Compares without an early exit, so the time taken says nothing about the token.
bool equal_constant_time(const std::string& a, const std::string& b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ (b.empty() ? 0 : b[i % b.size()]));
  }
  return difference == 0;
}

std::optional<std::string> form_value(std::string_view text, std::string_view name) {
  for (const auto& [key, value] : parse_form(text)) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::optional<std::string> cookie_value(const ServerRequest& request, std::string_view name) {
  const auto header = request.header("cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const auto end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name) return std::string(pair.substr(equals + 1));
  }
  return std::nullopt;
}

bool wants_json(const ServerRequest& request) {
  const auto accept = request.header("accept");
  return accept && accept->find("application/json") != std::string::npos;
}

bool is_loopback_address(const std::string& address) { return address.rfind("127.", 0) == 0; }

// "127.0.0.1:8081" -> "127.0.0.1"; "[::1]:8081" -> "[::1]".
std::string host_name(const std::string& host) {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

ServerResponse json_response(int status, const nlohmann::json& body) {
  // Replace rather than throw on bytes that are not UTF-8 (a detail from a job's output).
  return {status, "application/json", {}, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

// Offset of the first byte that breaks UTF-8's structure (RFC 3629 lead bytes C2-F4, followed by
// as many continuation bytes as they announce), npos when there is none.
std::size_t invalid_utf8_at(const std::string& text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = bytes[i];
    if (c < 0x80) continue;
    const std::size_t extra = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (extra == 0 || i + extra >= text.size()) return i;
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((bytes[i + k] & 0xc0) != 0x80) return i;
    }
    i += extra;
  }
  return std::string::npos;
}

// A refused name as it can be shown: control characters and bytes outside printable ASCII as \xNN
// when the name is not valid UTF-8, so that the message says exactly what was wrong.
std::string shown_name(const std::string& name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const bool valid_utf8 = invalid_utf8_at(name) == std::string::npos;
  std::string out;
  for (const char byte : name) {
    const auto c = static_cast<unsigned char>(byte);
    if (c < 0x20 || c == 0x7f || (!valid_utf8 && c >= 0x80)) {
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

ServerResponse text_response(int status, const std::string& text) {
  return {status, "text/plain; charset=utf-8", {}, text + "\n"};
}

ServerResponse see_other(const std::string& notice) {
  std::string encoded;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char byte : notice) {
    const auto c = static_cast<unsigned char>(byte);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_') {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  ServerResponse response{303, "text/plain; charset=utf-8", {{"Location", "./?notice=" + encoded}}, notice + "\n"};
  return response;
}

}  // namespace

std::string upload_name_problem(const std::string& name) {
  if (name.empty()) return "the file has no name";
  if (const auto bad = invalid_utf8_at(name); bad != std::string::npos) {
    return "the name is not valid UTF-8 (byte " + std::to_string(bad) + ")";
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(name.data());
  for (std::size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = bytes[i];
    const auto where = " (byte " + std::to_string(i) + ")";
    if (c < 0x20 || c == 0x7f) return "the name contains a control character" + where;
    if (c == 0xc2 && i + 1 < name.size() && bytes[i + 1] <= 0x9f) {
      return "the name contains a control character (C1)" + where;
    }
    if (c == '/' || c == '\\') return "the name contains '" + std::string(1, static_cast<char>(c)) + "'";
  }
  if (!ends_with_txt(name)) return "only .txt files are accepted";
  return "";
}

Console::Console(ConsoleConfig config, std::string dest_bucket, StatusBoard& board, ConsoleBackend& backend, Now now)
    : config_(std::move(config)),
      dest_bucket_(std::move(dest_bucket)),
      board_(board),
      backend_(backend),
      now_(std::move(now)) {}

std::string Console::too_large_message() const {
  return "upload refused: the request is larger than MAX_INPUT_BYTES=" + std::to_string(config_.max_upload_bytes) +
         " bytes (plus 64 KiB for the form); the page's script sends one file per request";
}

bool Console::authorized(const ServerRequest& request) const {
  if (config_.token.empty()) return true;
  if (const auto header = request.header("authorization"); header && header->rfind("Bearer ", 0) == 0) {
    return equal_constant_time(header->substr(7), config_.token);
  }
  if (const auto cookie = cookie_value(request, kCookie)) return equal_constant_time(*cookie, config_.token);
  return false;
}

// Host, token and origin checks, in that order; nullopt lets the request through.
std::optional<ServerResponse> Console::refuse(const ServerRequest& request) const {
  // Without a token, a loopback console trusts whoever can reach 127.0.0.1: refuse other Host
  // names so that a web page cannot reach it through DNS rebinding.
  if (config_.token.empty() && is_loopback_address(config_.address)) {
    const auto host = host_name(to_lower(request.header("host").value_or("")));
    if (host != "127.0.0.1" && host != "localhost" && host != "[::1]") {
      return text_response(403, "refused: Host \"" + request.header("host").value_or("") +
                                    "\" is not a loopback name (set CONSOLE_TOKEN to serve other names)");
    }
  }
  if (!authorized(request)) {
    if (request.method == "GET" && request.path == "/") {
      if (const auto token = form_value(request.query, "token"); token && equal_constant_time(*token, config_.token)) {
        // Trade the token in the URL for a cookie and drop it from the address bar.
        return ServerResponse{
            303,
            "text/plain; charset=utf-8",
            {{"Location", "./"},
             {"Set-Cookie", std::string(kCookie) + "=" + config_.token + "; Path=/; HttpOnly; SameSite=Strict"}},
            "signed in\n"};
      }
      return ServerResponse{401,
                            "text/html; charset=utf-8",
                            {},
                            "<!doctype html><meta charset=utf-8><title>txt2pdf console</title>"
                            "<p>This console asks for its token (CONSOLE_TOKEN): open <code>/?token=&hellip;</code> "
                            "once, or send <code>Authorization: Bearer &hellip;</code>.</p>\n"};
    }
    return text_response(401, "refused: missing or wrong console token (CONSOLE_TOKEN)");
  }
  if (request.method == "POST") {
    // Browsers send Origin with every POST; one from another site is a forged request.
    const auto origin = request.header("origin");
    const auto host = request.header("host").value_or("");
    if (origin && *origin != "http://" + host && *origin != "https://" + host) {
      return text_response(403, "refused: cross-site request (Origin " + *origin + ")");
    }
  }
  return std::nullopt;
}

ServerResponse Console::handle(const ServerRequest& request) {
  auto response = route(request);
  // Scripts, styles and forms from this origin only; the page may not be framed (clickjacking).
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");  // presigned links stay out of logs
  return response;
}

ServerResponse Console::route(const ServerRequest& request) {
  if (request.method == "GET" && request.path == "/console.css")
    return {200, "text/css; charset=utf-8", {}, console_css()};
  if (request.method == "GET" && request.path == "/console.js") {
    return {200, "text/javascript; charset=utf-8", {}, console_js()};
  }
  if (auto refusal = refuse(request)) return *refusal;
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (get && request.path == "/") {
    const auto notice = form_value(request.query, "notice").value_or("");
    const auto error = form_value(request.query, "error").value_or("");
    return {200, "text/html; charset=utf-8", {}, page_html(error.empty() ? notice : error, !error.empty())};
  }
  if (get && request.path == "/live") {
    const auto current = snapshot();
    auto conversions = board_.conversions();
    fill_pages(conversions);
    return {200, "text/html; charset=utf-8", {}, live_html(current, conversions)};
  }
  if (get && request.path == "/api/status") {
    const auto current = snapshot();
    auto conversions = board_.conversions();
    fill_pages(conversions);
    return {200, "application/json", {}, status_json(current, conversions)};
  }
  if (request.path == "/upload" || request.path == "/dead-letters/retry") {
    if (request.method != "POST") return text_response(405, "use POST");
    return request.path == "/upload" ? upload(request) : retry(request);
  }
  return text_response(404, "not found");
}

Console::UploadResult Console::store_files(const ServerRequest& request) {
  UploadResult result;
  if (config_.upload_bucket.empty()) {
    result.errors.push_back("uploads are disabled (CONSOLE_UPLOAD_BUCKET is not set)");
    return result;
  }
  const auto boundary = multipart_boundary(request.header("content-type").value_or(""));
  if (!boundary) {
    result.errors.push_back("send the files as multipart/form-data");
    return result;
  }
  std::vector<FormPart> parts;
  try {
    parts = parse_multipart(request.body, *boundary);
  } catch (const Error& error) {
    result.errors.push_back(std::string("malformed upload: ") + error.what());
    return result;
  }
  for (const auto& part : parts) {
    if (!part.filename || (part.filename->empty() && part.data.empty())) continue;  // no file chosen
    const auto& name = *part.filename;
    if (const auto problem = upload_name_problem(name); !problem.empty()) {
      result.errors.push_back("\"" + shown_name(name) + "\" refused: " + problem);
      continue;
    }
    if (part.data.size() > config_.max_upload_bytes) {
      result.errors.push_back(name + " refused: " + std::to_string(part.data.size()) +
                              " bytes, larger than MAX_INPUT_BYTES=" + std::to_string(config_.max_upload_bytes));
      continue;
    }
    const std::string key = config_.upload_prefix + name;
    if (key.size() > 1024) {
      result.errors.push_back(name + " refused: the key would exceed S3's 1024 bytes");
      continue;
    }
    // On the board before the PUT: S3's notification (synchronous on radosgw) can reach the
    // dispatcher before the PUT returns, and its entry must win over this one.
    board_.uploaded(config_.upload_bucket, key, "");
    try {
      std::lock_guard lock(backend_mutex_);
      backend_.put_text(config_.upload_bucket, key, part.data);
      result.uploaded.push_back(key);
    } catch (const Error& error) {
      result.errors.push_back(name + ": upload to s3://" + config_.upload_bucket + " failed: " + error.what());
      board_.job_finished(config_.upload_bucket, key, false, 0, std::string("upload failed: ") + error.what());
    }
  }
  if (result.uploaded.empty() && result.errors.empty()) result.errors.push_back("no file chosen");
  return result;
}

ServerResponse Console::upload(const ServerRequest& request) {
  const auto result = store_files(request);
  const int status = result.uploaded.empty() ? 400 : 200;
  if (wants_json(request)) {
    nlohmann::json uploaded = nlohmann::json::array();
    for (const auto& key : result.uploaded) uploaded.push_back({{"bucket", config_.upload_bucket}, {"key", key}});
    return json_response(status, {{"uploaded", uploaded}, {"errors", result.errors}});
  }
  std::string notice;
  for (const auto& key : result.uploaded) notice += (notice.empty() ? "uploaded " : ", ") + key;
  std::string errors;
  for (const auto& error : result.errors) errors += (errors.empty() ? "" : "; ") + error;
  if (errors.empty()) return see_other(notice);
  // Refusals are shown on the page itself, with the status saying what happened.
  return {status, "text/html; charset=utf-8", {}, page_html(notice.empty() ? errors : notice + ". " + errors, true)};
}

ServerResponse Console::retry(const ServerRequest& request) {
  const auto id = form_value(request.body, "message_id").value_or("");
  if (id.empty()) return text_response(400, "retry: no message_id");
  bool found = false;
  std::string failure;
  try {
    std::lock_guard lock(backend_mutex_);
    found = backend_.retry_dead_letter(id);
    cached_.taken = {};  // show the change at once
  } catch (const Error& error) {
    failure = error.what();
    board_.note_error("retry of dead letter " + id + " failed: " + failure);
  }
  const int status = !failure.empty() ? 502 : found ? 200 : 404;
  const std::string text = !failure.empty() ? "retry of " + id + " failed: " + failure
                           : found          ? "dead letter " + id + " sent back to the source queue"
                                            : "dead letter " + id + " not found (already retried?)";
  if (wants_json(request)) return json_response(status, {{"retried", found}, {"message", text}});
  if (found) return see_other(text);
  return {status, "text/html; charset=utf-8", {}, page_html(text, true)};
}

Console::Snapshot Console::snapshot() {
  std::lock_guard lock(backend_mutex_);
  const auto now = now_();
  if (cached_.taken != std::chrono::system_clock::time_point{} && now - cached_.taken < kSnapshotMaxAge) return cached_;
  Snapshot fresh;
  fresh.taken = now;
  try {
    fresh.stats = backend_.queue_stats();
  } catch (const Error& error) {
    fresh.stats_error = error.what();
  }
  if (backend_.has_dead_letter_queue()) {
    try {
      fresh.dead_letters = backend_.peek_dead_letters(kDeadLettersShown);
    } catch (const Error& error) {
      fresh.dead_letters_error = error.what();
    }
  }
  cached_ = fresh;
  return fresh;
}

void Console::fill_pages(std::vector<Conversion>& conversions) {
  int lookups = 0;
  for (auto& conversion : conversions) {
    if (conversion.state != ConversionState::kDone || conversion.pages || lookups >= kPageLookupsPerRequest) continue;
    ++lookups;
    std::optional<int> pages;
    try {
      std::lock_guard lock(backend_mutex_);
      pages = backend_.pdf_pages(dest_bucket_, conversion.dest_key);
    } catch (const Error&) {
      continue;  // asked again on the next refresh
    }
    conversion.pages = pages.value_or(-1);  // -1: the PDF does not say (an older job)
    board_.set_pages(conversion.bucket, conversion.key, *conversion.pages);
  }
}

}  // namespace txt2pdf
