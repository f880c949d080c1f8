// The libcurl client against a real HTTP server on 127.0.0.1 (tests/support/http_test_server.py):
// the HttpTest suite is labelled integration (tests/CMakeLists.txt), the other tests are unit.
#include "txt2pdf/net/http.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/stop_token.hpp"

namespace txt2pdf {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Starts the Python server and reads the port it printed; stops it on destruction.
class LocalServer {
 public:
  LocalServer() {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      const std::string script = std::string(TXT2PDF_SOURCE_DIR) + "/tests/support/http_test_server.py";
      execl("/usr/bin/python3", "python3", script.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* stream = fdopen(out[0], "r");
    char line[64] = {};
    if (stream == nullptr || fgets(line, sizeof line, stream) == nullptr || std::sscanf(line, "PORT %d", &port_) != 1) {
      throw std::runtime_error("the test HTTP server did not start");
    }
    fclose(stream);
  }
  ~LocalServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

class HttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new LocalServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static HttpRequest request(const std::string& method, const std::string& path) {
    HttpRequest r;
    r.method = method;
    r.url = server_->url(path);
    return r;
  }

  static LocalServer* server_;
};
LocalServer* HttpTest::server_ = nullptr;

// A port nobody listens on: bind to get a free one, then close it.
int unused_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

TEST(FindHeader, IsCaseInsensitiveAndReturnsTheFirst) {
  const Headers headers{{"ETag", "\"a\""}, {"x-amz-request-id", "1"}, {"etag", "\"b\""}};
  EXPECT_EQ(find_header(headers, "etag"), "\"a\"");
  EXPECT_EQ(find_header(headers, "X-AMZ-Request-Id"), "1");
  EXPECT_EQ(find_header(headers, "content-length"), std::nullopt);
}

TEST_F(HttpTest, SendsMethodHeadersAndBodyAndCollectsTheReply) {
  const auto client = make_curl_http_client();
  auto r = request("POST", "/echo?a=1");
  r.headers = {{"X-Custom", "one"}, {"Content-Type", "text/plain"}};
  r.body = std::string("line\nwith \0 byte", 16);
  const HttpResponse response = client->send(r);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("X-Test-Mixed-Case"), "Value With Spaces");
  for (const auto& [name, value] : response.headers) {
    for (const char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << "header name not lower-cased: " << name;
  }
  const auto echo = nlohmann::json::parse(response.body);
  EXPECT_EQ(echo["method"], "POST");
  EXPECT_EQ(echo["path"], "/echo?a=1");
  EXPECT_EQ(echo["body"], r.body);
  bool saw_custom = false;
  for (const auto& header : echo["headers"]) {
    const std::string name = header[0];
    EXPECT_NE(name, "Expect") << "no Expect: 100-continue";
    EXPECT_NE(name, "Accept") << "curl must not add unsigned headers";
    if (name == "X-Custom") saw_custom = header[1] == "one";
  }
  EXPECT_TRUE(saw_custom);
}

TEST_F(HttpTest, PutUploadsTheBodyAndReusesTheConnection) {
  const auto client = make_curl_http_client();
  auto r = request("PUT", "/echo");
  r.body = std::string(300000, 'x') + "end";
  const auto first = nlohmann::json::parse(client->send(r).body);
  EXPECT_EQ(first["method"], "PUT");
  EXPECT_EQ(first["body"].get<std::string>().size(), r.body.size());
  EXPECT_EQ(first["body"], r.body);
  for (const auto& header : first["headers"]) EXPECT_NE(header[0], "Expect");
  const auto second = nlohmann::json::parse(client->send(request("GET", "/echo")).body);
  EXPECT_EQ(second["method"], "GET");
  EXPECT_EQ(second["client_port"], first["client_port"]) << "the second request should reuse the connection";
}

// Issue 12, bug 7: a PUT body read from a file, never held in memory.
TEST_F(HttpTest, PutStreamsTheBodyFromAFile) {
  const auto client = make_curl_http_client();
  std::string bytes;
  for (int i = 0; i < 200000; ++i) bytes += static_cast<char>('A' + i % 26);
  char path[] = "/tmp/http_test_put_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  auto r = request("PUT", "/echo");
  r.body_fd = fd;
  r.body_fd_size = bytes.size();
  const auto response = client->send(r);
  ::close(fd);
  ::unlink(path);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(nlohmann::json::parse(response.body)["body"], bytes);
}

TEST_F(HttpTest, EmptyPutSendsContentLengthZero) {
  const auto client = make_curl_http_client();
  const auto echo = nlohmann::json::parse(client->send(request("PUT", "/echo")).body);
  bool saw_length = false;
  for (const auto& header : echo["headers"]) {
    if (header[0] == "Content-Length") saw_length = header[1] == "0";
  }
  EXPECT_TRUE(saw_length);
}

TEST_F(HttpTest, ErrorStatusIsAResponseWithItsBody) {
  const auto client = make_curl_http_client();
  auto r = request("GET", "/status/503");
  bool sink_called = false;
  r.body_sink = [&](std::string_view) { return sink_called = true; };
  const HttpResponse response = client->send(r);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, "status 503") << "error bodies are collected, not streamed";
  EXPECT_FALSE(sink_called);
  EXPECT_EQ(response.header("x-test-status"), "503");
}

TEST_F(HttpTest, StreamsA2xxBodyIntoTheSink) {
  const auto client = make_curl_http_client();
  auto r = request("GET", "/bytes/1000000");
  std::string received;
  int chunks = 0;
  r.body_sink = [&](std::string_view chunk) {
    received.append(chunk);
    ++chunks;
    return true;
  };
  const HttpResponse response = client->send(r);
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.empty());
  ASSERT_EQ(received.size(), 1000000U);
  for (std::size_t i = 0; i < received.size(); i += 4099) {
    EXPECT_EQ(static_cast<unsigned char>(received[i]), i % 251) << i;
  }
  EXPECT_GT(chunks, 1);
}

TEST_F(HttpTest, ExceptionFromTheSinkPropagatesUnchanged) {
  const auto client = make_curl_http_client();
  auto r = request("GET", "/bytes/500000");
  r.body_sink = [](std::string_view) -> bool { throw Error(ErrorKind::kBadInput, "object larger than 1 byte"); };
  try {
    (void)client->send(r);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_STREQ(e.what(), "object larger than 1 byte");
  }
  // The handle stays usable after an aborted transfer.
  EXPECT_EQ(client->send(request("GET", "/status/204")).status, 204);
}

TEST_F(HttpTest, SinkReturningFalseCancels) {
  const auto client = make_curl_http_client();
  auto r = request("GET", "/bytes/500000");
  r.body_sink = [](std::string_view) { return false; };
  try {
    (void)client->send(r);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCancelled);
  }
}

TEST_F(HttpTest, HeadReturnsHeadersWithoutBody) {
  const auto client = make_curl_http_client();
  const HttpResponse response = client->send(request("HEAD", "/bytes/12345"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("content-length"), "12345");
  EXPECT_TRUE(response.body.empty());
  // The connection is still in a sane state for the next request.
  EXPECT_EQ(client->send(request("GET", "/bytes/10")).body.size(), 10U);
}

// Issue 12, bug 2: "." and ".." segments are part of S3 keys and of the signed path. Before:
// libcurl removed them (the server saw /raw/b), so radosgw refused the signature.
TEST_F(HttpTest, DotSegmentsGoOutLiterally) {
  const auto client = make_curl_http_client();
  EXPECT_EQ(client->send(request("GET", "/raw/dots/./a.txt/../b")).body, "/raw/dots/./a.txt/../b");
}

// Issue 12, bug 6: collected response bodies have a size limit. Before: read without one.
TEST_F(HttpTest, OversizedResponseBodiesAreAbandoned) {
  CurlOptions options;
  options.max_response_bytes = 5000;
  const auto client = make_curl_http_client(options);
  EXPECT_EQ(client->send(request("GET", "/bytes/5000")).body.size(), 5000U);
  try {
    (void)client->send(request("GET", "/bytes/50000"));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient);
    EXPECT_NE(std::string(e.what()).find("larger than 5000 bytes"), std::string::npos) << e.what();
  }
}

TEST_F(HttpTest, ConnectionRefusedIsTransient) {
  const auto client = make_curl_http_client();
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/x";
  try {
    (void)client->send(r);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient);
    EXPECT_NE(std::string(e.what()).find(r.url), std::string::npos) << e.what();
  }
}

TEST_F(HttpTest, TotalTimeoutIsTransientAndBounded) {
  const auto client = make_curl_http_client();
  auto r = request("GET", "/slow/5000");
  r.timeout = milliseconds(300);
  const auto start = steady_clock::now();
  try {
    (void)client->send(r);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient);
  }
  EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
}

TEST_F(HttpTest, StalledTransferHitsTheLowSpeedLimit) {
  CurlOptions options;
  options.low_speed_time = std::chrono::seconds(1);
  options.low_speed_bytes_per_second = 1000;
  const auto client = make_curl_http_client(options);
  const auto start = steady_clock::now();
  try {
    (void)client->send(request("GET", "/stall"));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient);
  }
  EXPECT_LT(steady_clock::now() - start, milliseconds(5000));
}

TEST(HttpStop, AStoppedTokenRefusesToSendWithoutTouchingTheNetwork) {
  const StopSource stop;
  CurlOptions options;
  options.stop = stop.token();
  const auto client = make_curl_http_client(options);
  stop.request_stop();
  HttpRequest r;
  r.url = "http://127.0.0.1:9/never-contacted";  // nothing is connected: the token is checked first
  try {
    (void)client->send(r);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCancelled);
  }
}

TEST_F(HttpTest, StopRequestAbortsATransferPromptly) {
  const StopSource stop;
  CurlOptions options;
  options.stop = stop.token();
  const auto client = make_curl_http_client(options);
  std::thread stopper([&stop] {
    std::this_thread::sleep_for(milliseconds(200));  // let the transfer start; its length is 10 s
    stop.request_stop();
  });
  const auto start = steady_clock::now();
  try {
    (void)client->send(request("GET", "/slow/10000"));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCancelled);
  }
  stopper.join();
  EXPECT_LT(steady_clock::now() - start, milliseconds(2500));
}

TEST_F(HttpTest, AnotherClientsStopLeavesThisOneAlone) {
  const StopSource stop;
  CurlOptions options;
  options.stop = stop.token();
  const auto stopped = make_curl_http_client(options);
  const auto client = make_curl_http_client();
  stop.request_stop();
  EXPECT_EQ(client->send(request("GET", "/slow/300")).status, 200);
}

TEST_F(HttpTest, MalformedUrlIsAConfigError) {
  const auto client = make_curl_http_client();
  HttpRequest r;
  r.url = "notascheme://x";
  try {
    (void)client->send(r);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConfig);
  }
}

}  // namespace
}  // namespace txt2pdf
