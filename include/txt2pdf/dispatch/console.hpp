// The dispatcher's console (CONSOLE=on): a small web page to upload .txt files to the source
// bucket, watch recent conversions (StatusBoard), see the queue and the dead letters, and move a
// dead letter back to the source queue. Security model: README, "Console".
//
// Console::handle() is the whole application as a function of the request, the board, the backend
// and the time, so that it is unit-tested without sockets; HttpServer (net/) serves it and
// ConsoleBackend's AWS implementation (make_aws_console_backend) does the I/O.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/aws/s3.hpp"
#include "txt2pdf/aws/sqs.hpp"
#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/dispatch/dispatcher_config.hpp"
#include "txt2pdf/dispatch/status_board.hpp"
#include "txt2pdf/net/http_server.hpp"

namespace txt2pdf {

struct QueueStats {
  long visible = 0;       // ApproximateNumberOfMessages
  long in_flight = 0;     // ApproximateNumberOfMessagesNotVisible (received, not yet deleted)
  long delayed = 0;       // ApproximateNumberOfMessagesDelayed
  long dead_letters = 0;  // the DLQ's ApproximateNumberOfMessages (0 without DLQ_URL)
};

struct DeadLetter {
  std::string message_id;
  std::string body;
  std::map<std::string, std::string> attributes;  // the dispatcher's reason attributes
};

// The console's I/O. Calls are serialized by the Console (one HTTP connection underneath).
// Each may throw Error; the console shows its message.
class ConsoleBackend {
 public:
  virtual ~ConsoleBackend() = default;
  // PUT with SSE (AES256) into `bucket`.
  virtual void put_text(const std::string& bucket, const std::string& key, const std::string& body) = 0;
  [[nodiscard]] virtual QueueStats queue_stats() = 0;
  [[nodiscard]] virtual bool has_dead_letter_queue() const = 0;
  // Looks at up to `max` dead letters without taking them (they stay in the DLQ).
  [[nodiscard]] virtual std::vector<DeadLetter> peek_dead_letters(int max) = 0;
  // Sends the dead letter's body back to the source queue and deletes it from the DLQ; false when
  // no dead letter with that id was found.
  virtual bool retry_dead_letter(const std::string& message_id) = 0;
  // A GET link for the PDF, valid for `expires`.
  [[nodiscard]] virtual std::string presigned_url(const std::string& bucket, const std::string& key,
                                                  std::chrono::seconds expires) = 0;
  // x-amz-meta-pages of the PDF; nullopt when absent or the PDF is missing.
  [[nodiscard]] virtual std::optional<int> pdf_pages(const std::string& bucket, const std::string& key) = 0;
};

// Empty when `name` can be uploaded as a key, else why not (for humans): empty, a control
// character (C0, DEL or C1), invalid UTF-8, '/' or '\\', not ending in .txt, too long for S3.
[[nodiscard]] std::string upload_name_problem(const std::string& name);

class Console {
 public:
  using Now = std::function<std::chrono::system_clock::time_point()>;
  // `dest_bucket`: where PDFs are (DEST_BUCKET). `board` and `backend` must outlive the console.
  Console(ConsoleConfig config, std::string dest_bucket, StatusBoard& board, ConsoleBackend& backend, Now now);

  [[nodiscard]] ServerResponse handle(const ServerRequest& request);

  // The largest request body the server should read: one file of max_upload_bytes plus the form.
  [[nodiscard]] std::uint64_t max_request_bytes() const { return config_.max_upload_bytes + 64ULL * 1024; }
  [[nodiscard]] std::string too_large_message() const;

 private:
  struct Snapshot {
    std::optional<QueueStats> stats;
    std::string stats_error;
    std::vector<DeadLetter> dead_letters;
    std::string dead_letters_error;
    std::chrono::system_clock::time_point taken{};
  };
  struct UploadResult {
    std::vector<std::string> uploaded;  // keys
    std::vector<std::string> errors;
  };

  [[nodiscard]] ServerResponse route(const ServerRequest& request);
  [[nodiscard]] std::optional<ServerResponse> refuse(const ServerRequest& request) const;
  [[nodiscard]] bool authorized(const ServerRequest& request) const;
  ServerResponse upload(const ServerRequest& request);
  ServerResponse retry(const ServerRequest& request);
  UploadResult store_files(const ServerRequest& request);
  Snapshot snapshot();
  void fill_pages(std::vector<Conversion>& conversions);
  [[nodiscard]] std::string live_html(const Snapshot& snapshot, const std::vector<Conversion>& conversions);
  [[nodiscard]] std::string conversion_row(const Conversion& conversion);
  [[nodiscard]] std::string page_html(const std::string& notice, bool notice_is_error);
  [[nodiscard]] std::string status_json(const Snapshot& snapshot, const std::vector<Conversion>& conversions);

  ConsoleConfig config_;
  std::string dest_bucket_;
  StatusBoard& board_;
  ConsoleBackend& backend_;
  Now now_;
  std::mutex backend_mutex_;  // the backend's HTTP client is not thread-safe
  Snapshot cached_;
};

// ConsoleBackend over the dispatcher's S3 and SQS clients (their own connection: the console's
// server threads share it under the Console's lock). `source_queue_url` receives retried dead
// letters. The clients and credentials must outlive the backend.
[[nodiscard]] std::unique_ptr<ConsoleBackend> make_aws_console_backend(S3Client& s3, S3Config s3_config,
                                                                       sqs::SqsClient& sqs,
                                                                       CredentialsProvider& credentials,
                                                                       std::string source_queue_url,
                                                                       std::string dlq_url);

// Static assets: src/dispatch/console/console.{css,js}, embedded at build time (embed_assets.cmake).
[[nodiscard]] const std::string& console_css();
[[nodiscard]] const std::string& console_js();
[[nodiscard]] std::string html_escape(std::string_view text);

}  // namespace txt2pdf

namespace txt2pdf {

// The console as the dispatcher runs it (CONSOLE=on): its own AWS connection and credentials
// chain, the StatusBoard the Dispatcher reports to, the Console and its HttpServer on
// CONSOLE_ADDRESS:CONSOLE_PORT. Serves until destroyed. Throws Error(kConfig) when it cannot listen.
class ConsoleService {
 public:
  ConsoleService(const DispatcherConfig& config, const Environment& env, Clock& clock);
  ~ConsoleService();
  ConsoleService(const ConsoleService&) = delete;
  ConsoleService& operator=(const ConsoleService&) = delete;
  [[nodiscard]] DispatchObserver& observer();
  [[nodiscard]] int port() const;

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace txt2pdf
