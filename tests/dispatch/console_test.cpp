// Console::handle against an in-memory backend: the refusals (size, names, token, host, origin),
// uploads, the live view, the JSON status and the retry action.
#include "txt2pdf/dispatch/console.hpp"

#include <gtest/gtest.h>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

class FakeBackend final : public ConsoleBackend {
 public:
  void put_text(const std::string& bucket, const std::string& key, const std::string& body) override {
    if (fail_puts) throw Error(ErrorKind::kTransient, "S3 unreachable");
    puts.push_back({bucket, key, body});
  }
  QueueStats queue_stats() override {
    ++stats_calls;
    return {3, 1, 0, static_cast<long>(letters.size())};
  }
  bool has_dead_letter_queue() const override { return true; }
  std::vector<DeadLetter> peek_dead_letters(int) override { return letters; }
  bool retry_dead_letter(const std::string& id) override {
    for (auto it = letters.begin(); it != letters.end(); ++it) {
      if (it->message_id == id) {
        retried.push_back(it->body);
        letters.erase(it);
        return true;
      }
    }
    return false;
  }
  std::string presigned_url(const std::string& bucket, const std::string& key, std::chrono::seconds expires) override {
    return "http://s3.test/" + bucket + "/" + key + "?X-Amz-Expires=" + std::to_string(expires.count()) + "&a=b";
  }
  std::optional<int> pdf_pages(const std::string&, const std::string&) override { return 4; }

  struct Put {
    std::string bucket, key, body;
  };
  std::vector<Put> puts;
  std::vector<DeadLetter> letters{
      {"m-1",
       "{\"bucket\":\"in\",\"key\":\"bad.txt\"}",
       {{"reason", "NUL byte at offset 3"}, {"exit_code", "65"}, {"object_key", "bad.txt"}}}};
  std::vector<std::string> retried;
  bool fail_puts = false;
  int stats_calls = 0;
};

const std::string kBoundary = "----b0undary";

std::string multipart(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string body;
  for (const auto& [name, data] : files) {
    body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + name +
            "\"\r\nContent-Type: text/plain\r\n\r\n" + data + "\r\n";
  }
  return body + "--" + kBoundary + "--\r\n";
}

struct ConsoleTest : ::testing::Test {
  std::chrono::system_clock::time_point now{std::chrono::seconds(1700000000)};
  StatusBoard board{[this] { return now; }};
  FakeBackend backend;
  ConsoleConfig config = [] {
    ConsoleConfig c;
    c.enabled = true;
    c.upload_bucket = "in";
    c.upload_prefix = "uploads/";
    c.max_upload_bytes = 10;
    c.link_expiry = std::chrono::seconds(120);
    return c;
  }();

  Console make() {
    return Console(config, "out", board, backend, [this] { return now; });
  }

  static ServerRequest request(std::string method, std::string target, std::string body = "") {
    auto parsed = parse_request_head(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:8081\r\n\r\n");
    parsed->body = std::move(body);
    return *parsed;
  }
  static ServerRequest upload_request(const std::vector<std::pair<std::string, std::string>>& files, bool json) {
    auto r = request("POST", "/upload", multipart(files));
    r.headers.emplace_back("content-type", "multipart/form-data; boundary=" + kBoundary);
    if (json) r.headers.emplace_back("accept", "application/json");
    return r;
  }
};

TEST_F(ConsoleTest, UploadsStoreUnderThePrefixAndShowAsQueued) {
  auto console = make();
  const auto reply = console.handle(upload_request({{"a b.txt", "hello"}, {"c.TXT", "x"}}, true));
  EXPECT_EQ(reply.status, 200) << reply.body;
  ASSERT_EQ(backend.puts.size(), 2U);
  EXPECT_EQ(backend.puts[0].bucket, "in");
  EXPECT_EQ(backend.puts[0].key, "uploads/a b.txt");
  EXPECT_EQ(backend.puts[0].body, "hello");
  const auto json = nlohmann::json::parse(reply.body);
  EXPECT_EQ(json["uploaded"][1]["key"], "uploads/c.TXT");
  EXPECT_EQ(board.conversions().at(0).state, ConversionState::kQueued);
}

// radosgw notifies synchronously: the dispatcher may queue (even finish) the object before the
// upload's PUT returns. Its entry, with the PDF's key, must not be overwritten by the upload's.
class NotifyingBackend final : public ConsoleBackend {
 public:
  explicit NotifyingBackend(StatusBoard& board) : board_(board) {}
  void put_text(const std::string& bucket, const std::string& key, const std::string&) override {
    board_.object_queued(bucket, key, "a.pdf");
    board_.job_started(bucket, key);
    board_.job_finished(bucket, key, true, 0, "");
  }
  QueueStats queue_stats() override { return {}; }
  bool has_dead_letter_queue() const override { return false; }
  std::vector<DeadLetter> peek_dead_letters(int) override { return {}; }
  bool retry_dead_letter(const std::string&) override { return false; }
  std::string presigned_url(const std::string&, const std::string& key, std::chrono::seconds) override { return key; }
  std::optional<int> pdf_pages(const std::string&, const std::string&) override { return 1; }

 private:
  StatusBoard& board_;
};

TEST_F(ConsoleTest, TheDispatchersEntryWinsOverTheUploadsWhenTheEventIsFaster) {
  NotifyingBackend notifying(board);
  Console console(config, "out", board, notifying, [this] { return now; });
  ASSERT_EQ(console.handle(upload_request({{"a.txt", "hi"}}, true)).status, 200);
  const auto entry = board.conversions().at(0);
  EXPECT_EQ(entry.state, ConversionState::kDone);
  EXPECT_EQ(entry.dest_key, "a.pdf");
}

TEST_F(ConsoleTest, RefusesTooLargeControlCharactersAndNonText) {
  auto console = make();
  const auto reply = console.handle(upload_request(
      {{"big.txt", "01234567890"}, {"tab\there.txt", "x"}, {"image.png", "x"}, {"bad\xff.txt", "x"}}, true));
  EXPECT_EQ(reply.status, 400);
  EXPECT_TRUE(backend.puts.empty());
  const auto errors = nlohmann::json::parse(reply.body)["errors"];
  ASSERT_EQ(errors.size(), 4U);
  EXPECT_EQ(errors[0], "big.txt refused: 11 bytes, larger than MAX_INPUT_BYTES=10");
  EXPECT_NE(errors[1].get<std::string>().find("control character"), std::string::npos);
  EXPECT_NE(errors[2].get<std::string>().find("only .txt files"), std::string::npos);
  EXPECT_NE(errors[3].get<std::string>().find("not valid UTF-8"), std::string::npos);
  EXPECT_NE(console.too_large_message().find("MAX_INPUT_BYTES=10"), std::string::npos);
  EXPECT_EQ(console.max_request_bytes(), 10U + 64 * 1024);
}

TEST(UploadNameProblem, ControlCharactersInEveryForm) {
  EXPECT_EQ(upload_name_problem("report 2024 \xc3\xbc.txt"), "");
  EXPECT_NE(upload_name_problem("a\nb.txt"), "");
  EXPECT_NE(upload_name_problem("a\x7f.txt"), "");
  EXPECT_NE(upload_name_problem("a\xc2\x85.txt"), "");  // U+0085 NEL, a C1 control
  EXPECT_NE(upload_name_problem("dir/a.txt"), "");
  EXPECT_NE(upload_name_problem(""), "");
  EXPECT_NE(upload_name_problem("a.txt\xe2\x82"), "");  // truncated sequence
}

TEST_F(ConsoleTest, FormUploadWithoutScriptRedirectsWithANotice) {
  auto console = make();
  const auto ok = console.handle(upload_request({{"a.txt", "hi"}}, false));
  EXPECT_EQ(ok.status, 303);
  ASSERT_FALSE(ok.headers.empty());
  EXPECT_EQ(ok.headers[0].second, "./?notice=uploaded%20uploads%2Fa.txt");
  const auto refused = console.handle(upload_request({{"a.exe", "hi"}}, false));
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("only .txt files are accepted"), std::string::npos);
  backend.fail_puts = true;
  const auto failed = console.handle(upload_request({{"b.txt", "hi"}}, true));
  EXPECT_EQ(failed.status, 400);
  EXPECT_NE(failed.body.find("S3 unreachable"), std::string::npos);
  EXPECT_NE(board.errors().at(0).text.find("uploads/b.txt: exit 0: upload failed: S3 unreachable"), std::string::npos);
  EXPECT_EQ(board.conversions().at(0).state, ConversionState::kFailed);
}

TEST_F(ConsoleTest, TokenByCookieBearerOrOnceInTheUrl) {
  config.token = "s3cret";
  auto console = make();
  EXPECT_EQ(console.handle(request("GET", "/api/status")).status, 401);
  EXPECT_EQ(console.handle(upload_request({{"a.txt", "hi"}}, true)).status, 401);
  EXPECT_TRUE(backend.puts.empty());
  EXPECT_EQ(console.handle(request("GET", "/")).status, 401);
  EXPECT_EQ(console.handle(request("GET", "/?token=wrong")).status, 401);
  const auto signed_in = console.handle(request("GET", "/?token=s3cret"));
  EXPECT_EQ(signed_in.status, 303);
  EXPECT_EQ(signed_in.headers.at(1).second, "txt2pdf_console_token=s3cret; Path=/; HttpOnly; SameSite=Strict");
  auto with_cookie = request("GET", "/api/status");
  with_cookie.headers.emplace_back("cookie", "other=1; txt2pdf_console_token=s3cret");
  EXPECT_EQ(console.handle(with_cookie).status, 200);
  auto with_bearer = request("GET", "/live");
  with_bearer.headers.emplace_back("authorization", "Bearer s3cret");
  EXPECT_EQ(console.handle(with_bearer).status, 200);
  EXPECT_EQ(console.handle(request("GET", "/console.js")).status, 200);  // assets hold no data
}

TEST_F(ConsoleTest, LoopbackWithoutTokenRefusesOtherHostsAndCrossSitePosts) {
  auto console = make();
  auto rebound = request("GET", "/api/status");
  rebound.headers[0].second = "evil.example:8081";
  EXPECT_EQ(console.handle(rebound).status, 403);
  auto localhost = request("GET", "/api/status");
  localhost.headers[0].second = "localhost:8081";
  EXPECT_EQ(console.handle(localhost).status, 200);
  auto forged = upload_request({{"a.txt", "hi"}}, true);
  forged.headers.emplace_back("origin", "http://evil.example");
  EXPECT_EQ(console.handle(forged).status, 403);
  auto same = upload_request({{"a.txt", "hi"}}, true);
  same.headers.emplace_back("origin", "http://127.0.0.1:8081");
  EXPECT_EQ(console.handle(same).status, 200);
}

TEST_F(ConsoleTest, LiveViewShowsStatesPagesLinksDeadLettersAndErrors) {
  board.object_queued("in", "done.txt", "done.pdf");
  board.job_started("in", "done.txt");
  board.job_finished("in", "done.txt", true, 0, "");
  board.object_queued("in", "<b>.txt", "<b>.pdf");
  board.job_finished("in", "<b>.txt", false, 65, "binary input");
  auto console = make();
  const auto live = console.handle(request("GET", "/live"));
  ASSERT_EQ(live.status, 200);
  EXPECT_NE(live.body.find("data-key=\"done.txt\" data-state=\"done\""), std::string::npos);
  EXPECT_NE(live.body.find("href=\"http://s3.test/out/done.pdf?X-Amz-Expires=120&amp;a=b\""), std::string::npos);
  EXPECT_NE(live.body.find("<td>4</td>"), std::string::npos);  // pages from the PDF's metadata
  EXPECT_NE(live.body.find("&lt;b&gt;.txt"), std::string::npos);
  EXPECT_EQ(live.body.find("<b>.txt"), std::string::npos);  // escaped, never raw
  EXPECT_NE(live.body.find("NUL byte at offset 3"), std::string::npos);
  EXPECT_NE(live.body.find("name=\"message_id\" value=\"m-1\""), std::string::npos);
  EXPECT_NE(live.body.find("id=\"queue-depth\">3<"), std::string::npos);
  const auto status = nlohmann::json::parse(console.handle(request("GET", "/api/status")).body);
  EXPECT_EQ(status["conversions"][1]["state"], "done");
  EXPECT_EQ(status["conversions"][1]["pages"], 4);
  EXPECT_EQ(status["dead_letters"][0]["attributes"]["exit_code"], "65");
  EXPECT_EQ(status["queue"]["visible"], 3);
  EXPECT_EQ(backend.stats_calls, 1);  // the second view within 2 s used the snapshot
}

TEST_F(ConsoleTest, RetryMovesTheDeadLetterBack) {
  auto console = make();
  auto missing = request("POST", "/dead-letters/retry", "message_id=nope");
  EXPECT_EQ(console.handle(missing).status, 404);
  auto retry = request("POST", "/dead-letters/retry", "message_id=m-1");
  const auto reply = console.handle(retry);
  EXPECT_EQ(reply.status, 303);
  ASSERT_EQ(backend.retried.size(), 1U);
  EXPECT_EQ(backend.retried[0], "{\"bucket\":\"in\",\"key\":\"bad.txt\"}");
  EXPECT_EQ(console.handle(request("GET", "/dead-letters/retry")).status, 405);
  EXPECT_EQ(console.handle(request("GET", "/nothing")).status, 404);
}

TEST_F(ConsoleTest, PageWorksWithoutScriptAndUploadsCanBeDisabled) {
  auto console = make();
  const auto page = console.handle(request("GET", "/?notice=uploaded%20%3Cx%3E"));
  EXPECT_NE(
      page.body.find("<form id=\"upload-form\" method=\"post\" action=\"upload\" enctype=\"multipart/form-data\""),
      std::string::npos);
  EXPECT_NE(page.body.find("uploaded &lt;x&gt;"), std::string::npos);
  config.upload_bucket.clear();
  auto disabled = make();
  EXPECT_NE(disabled.handle(request("GET", "/")).body.find("Uploads are disabled"), std::string::npos);
  EXPECT_EQ(disabled.handle(upload_request({{"a.txt", "hi"}}, true)).status, 400);
}

}  // namespace
}  // namespace txt2pdf
