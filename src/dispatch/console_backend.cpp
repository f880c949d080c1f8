// ConsoleBackend over S3 and SQS, and the ConsoleService wiring.
#include <algorithm>
#include <set>

#include "txt2pdf/aws/aws_client.hpp"
#include "txt2pdf/aws/s3_presign.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/dispatch/console.hpp"

namespace txt2pdf {
namespace {

long attribute_number(const std::map<std::string, std::string>& attributes, const std::string& name) {
  const auto found = attributes.find(name);
  if (found == attributes.end()) return 0;
  try {
    return std::stol(found->second);
  } catch (const std::exception&) {
    return 0;
  }
}

class AwsConsoleBackend final : public ConsoleBackend {
 public:
  AwsConsoleBackend(S3Client& s3, S3Config s3_config, sqs::SqsClient& sqs, CredentialsProvider& credentials,
                    std::string queue_url, std::string dlq_url)
      : s3_(s3),
        s3_config_(std::move(s3_config)),
        sqs_(sqs),
        credentials_(credentials),
        queue_url_(std::move(queue_url)),
        dlq_url_(std::move(dlq_url)) {}

  void put_text(const std::string& bucket, const std::string& key, const std::string& body) override {
    PutObjectRequest put;
    put.bucket = bucket;
    put.key = key;
    put.body = body;
    put.content_type = "text/plain; charset=utf-8";
    put.sse = SseMode::kAes256;  // input buckets deny uploads without SSE (deploy/aws)
    (void)s3_.put_object(put);
  }

  QueueStats queue_stats() override {
    const auto queue = sqs_.queue_attributes(
        queue_url_,
        {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"});
    QueueStats stats;
    stats.visible = attribute_number(queue, "ApproximateNumberOfMessages");
    stats.in_flight = attribute_number(queue, "ApproximateNumberOfMessagesNotVisible");
    stats.delayed = attribute_number(queue, "ApproximateNumberOfMessagesDelayed");
    if (!dlq_url_.empty()) stats.dead_letters = dead_letter_depth();
    return stats;
  }

  [[nodiscard]] bool has_dead_letter_queue() const override { return !dlq_url_.empty(); }

  std::vector<DeadLetter> peek_dead_letters(int max) override {
    std::vector<DeadLetter> letters;
    if (dead_letter_depth() == 0) return letters;  // no long poll on an empty queue
    std::set<std::string> seen;
    // A peek is a receive with a 1 s visibility: the letters stay in the DLQ and are visible again
    // a second later (their ApproximateReceiveCount grows; the DLQ must have no redrive policy).
    for (int round = 0; round < (max + 9) / 10 && static_cast<int>(letters.size()) < max; ++round) {
      const auto messages = sqs_.receive(dlq_url_, {std::min(10, max - static_cast<int>(letters.size())),
                                                    std::chrono::seconds(round == 0 ? 1 : 0), std::chrono::seconds(1)});
      if (messages.empty()) break;
      for (const auto& message : messages) {
        if (!seen.insert(message.message_id).second) continue;
        DeadLetter letter{message.message_id, message.body, {}};
        for (const auto& [name, value] : message.message_attributes) letter.attributes[name] = value.string_value;
        letters.push_back(std::move(letter));
      }
    }
    return letters;
  }

  bool retry_dead_letter(const std::string& message_id) override {
    // SQS cannot take one message by id: receive until it shows up, releasing the others at once.
    for (int round = 0; round < 6; ++round) {
      const auto messages = sqs_.receive(dlq_url_, {10, std::chrono::seconds(1), std::chrono::seconds(30)});
      bool found = false;
      for (const auto& message : messages) {
        if (message.message_id == message_id && !found) {
          (void)sqs_.send(queue_url_, message.body, {});
          sqs_.delete_message(dlq_url_, message.receipt_handle);
          found = true;
        } else {
          sqs_.change_visibility(dlq_url_, message.receipt_handle, std::chrono::seconds(0));
        }
      }
      if (found) return true;
    }
    return false;
  }

  std::string presigned_url(const std::string& bucket, const std::string& key, std::chrono::seconds expires) override {
    return presign_get_object(s3_config_, s3_.region_for(bucket), bucket, key, credentials_.get(),
                              std::chrono::system_clock::now(), expires);
  }

  std::optional<int> pdf_pages(const std::string& bucket, const std::string& key) override {
    const auto info = s3_.head_object(bucket, key);
    if (!info) return std::nullopt;
    const auto found = info->metadata.find("pages");
    if (found == info->metadata.end()) return std::nullopt;
    try {
      return std::stoi(found->second);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

 private:
  long dead_letter_depth() {
    const auto dlq =
        sqs_.queue_attributes(dlq_url_, {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"});
    return attribute_number(dlq, "ApproximateNumberOfMessages") +
           attribute_number(dlq, "ApproximateNumberOfMessagesNotVisible");
  }

  S3Client& s3_;
  S3Config s3_config_;
  sqs::SqsClient& sqs_;
  CredentialsProvider& credentials_;
  std::string queue_url_;
  std::string dlq_url_;
};

}  // namespace

std::unique_ptr<ConsoleBackend> make_aws_console_backend(S3Client& s3, S3Config s3_config, sqs::SqsClient& sqs,
                                                         CredentialsProvider& credentials, std::string source_queue_url,
                                                         std::string dlq_url) {
  return std::make_unique<AwsConsoleBackend>(s3, std::move(s3_config), sqs, credentials, std::move(source_queue_url),
                                             std::move(dlq_url));
}

// Members in construction order; destruction runs backwards, so the server (whose threads call the
// console) stops first.
struct ConsoleService::Parts {
  Parts(const DispatcherConfig& config, const Environment& env, Clock& clock)
      : credentials_http(make_curl_http_client()),
        credentials(make_default_credentials_chain(env, *credentials_http, clock)),
        http(make_curl_http_client()),
        aws(*http, *credentials, clock),
        sqs(aws, config.sqs_endpoint, config.region),
        s3(aws, config.s3),
        backend(make_aws_console_backend(s3, config.s3, sqs, *credentials, config.queue_url, config.dlq_url)),
        board([&clock] { return clock.now(); }),
        console(config.console, config.dest_bucket, board, *backend, [&clock] { return clock.now(); }),
        server("CONSOLE_PORT", config.console.address, config.console.port,
               HttpServerOptions{console.max_request_bytes(), console.too_large_message(), 4,
                                 std::chrono::milliseconds(120000)},
               [this](const ServerRequest& request) { return console.handle(request); }) {}

  std::unique_ptr<HttpClient> credentials_http;
  std::unique_ptr<CredentialsProvider> credentials;
  std::unique_ptr<HttpClient> http;
  AwsClient aws;
  sqs::SqsClient sqs;
  S3Client s3;
  std::unique_ptr<ConsoleBackend> backend;
  StatusBoard board;
  Console console;
  HttpServer server;
};

ConsoleService::ConsoleService(const DispatcherConfig& config, const Environment& env, Clock& clock)
    : parts_(std::make_unique<Parts>(config, env, clock)) {}

ConsoleService::~ConsoleService() = default;

DispatchObserver& ConsoleService::observer() { return parts_->board; }

int ConsoleService::port() const { return parts_->server.port(); }

}  // namespace txt2pdf
