#include "fuzz_targets.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "txt2pdf/aws/batch.hpp"
#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/aws/ecs.hpp"
#include "txt2pdf/aws/s3.hpp"
#include "txt2pdf/aws/s3_errors.hpp"
#include "txt2pdf/aws/sqs.hpp"
#include "txt2pdf/core/env_values.hpp"
#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/strings.hpp"
#include "txt2pdf/dispatch/dispatcher_config.hpp"
#include "txt2pdf/dispatch/events.hpp"
#include "txt2pdf/job/config.hpp"
#include "txt2pdf/net/health.hpp"
#include "txt2pdf/net/http.hpp"
#include "txt2pdf/net/http_request_line.hpp"
#include "txt2pdf/render/render_options.hpp"
#include "txt2pdf/render/text_decode.hpp"
#include "txt2pdf/render/text_layout.hpp"

// An invariant the code promises; abort() makes libFuzzer keep the input and gtest fail the replay.
#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

namespace txt2pdf::fuzz {
namespace {

// Runs `parse`, accepting a txt2pdf::Error as a refusal. Anything else escapes to the caller.
template <typename Parse>
void refusable(Parse&& parse) {
  try {
    parse();
  } catch (const Error& error) {
    FUZZ_CHECK(error.what() != nullptr);
  }
}

// Splits `data` at the first occurrence of `separator`: {before, after} (after empty when absent).
std::pair<std::string_view, std::string_view> split(std::string_view data, std::string_view separator) {
  const auto at = data.find(separator);
  if (at == std::string_view::npos) return {data, {}};
  return {data.substr(0, at), data.substr(at + separator.size())};
}

// An HTTP response from bytes: the first byte picks a status; the rest of that first line is
// ignored; then "name: value" lines up to an empty line are headers, the rest is the body. Input without an empty line
// is all body, so the conformance bodies are useful seeds as they are.
HttpResponse response_from(std::string_view data) {
  static constexpr int kStatuses[] = {200, 301, 307, 400, 403, 404, 409, 413, 429, 500, 503, 504};
  HttpResponse response;
  response.status = data.empty() ? 200 : kStatuses[static_cast<unsigned char>(data[0]) % std::size(kStatuses)];
  const auto [head, body] = split(data, "\n\n");
  if (body.data() == nullptr || (head.empty() && body.empty())) {
    response.body = std::string(data);
    return response;
  }
  auto rest = split(head, "\n").second;
  while (!rest.empty()) {
    const auto [line, next] = split(rest, "\n");
    const auto [name, value] = split(line, ":");
    response.headers.emplace_back(to_lower(name), std::string(trim(value)));
    rest = next;
  }
  response.body = std::string(body);
  return response;
}

// "NAME=value" lines.
Environment environment_from_lines(std::string_view data) {
  Environment env;
  while (!data.empty()) {
    const auto [line, next] = split(data, "\n");
    const auto [name, value] = split(line, "=");
    env[std::string(name)] = std::string(value);
    data = next;
  }
  return env;
}

class CountingSink : public LayoutSink {
 public:
  void begin_page(int page) override {
    FUZZ_CHECK(page == pages + 1);
    pages = page;
  }
  void row(const LayoutRow& row) override {
    FUZZ_CHECK(pages >= 1);
    FUZZ_CHECK(row.source_line >= 1);
    ++rows;
  }
  int pages = 0;
  std::uint64_t rows = 0;
};

}  // namespace

void events(std::string_view data) {
  refusable([&] {
    const auto message = parse_event_message(data);
    for (const auto& object : message.objects) {
      FUZZ_CHECK(!object.bucket.empty());
      FUZZ_CHECK(!object.key.empty());
    }
  });
  refusable([&] {
    const auto decoded = form_url_decode(data);
    FUZZ_CHECK(decoded.size() <= data.size());
  });
}

void sqs(std::string_view data) {
  const auto response = response_from(data);
  refusable([&] {
    for (const auto& message : sqs::parse_receive_message_response(response.body)) {
      FUZZ_CHECK(message.receive_count() >= 1);
    }
  });
  refusable([&] { (void)sqs::parse_send_message_response(response.body); });
  refusable([&] { (void)sqs::parse_get_queue_attributes_response(response.body); });
  refusable([&] { (void)sqs::is_stale_receipt(sqs::parse_error(response)); });
}

void batch_ecs(std::string_view data) {
  const auto response = response_from(data);
  const std::string& body = response.body;
  refusable([&] { (void)batch::parse_submit_job_response(body); });
  for (const std::string job_id : {"876da822-4198-45f2-a252-6cea32512ea8", ""}) {
    refusable([&] {
      if (const auto status = batch::parse_describe_jobs_response(body, job_id)) {
        (void)batch::final_exit_code(*status);
      }
    });
  }
  refusable([&] { (void)batch::job_state_from(body); });
  refusable([&] { (void)batch::parse_error(response); });
  refusable([&] { (void)ecs::parse_run_task_response(body); });
  const std::string task_arn = "arn:aws:ecs:us-east-1:123456789012:task/txt2pdf/1dc5c17a422548b2b3c2a6a2f8e3e1f5";
  for (const std::string container : {"txt2pdf", ""}) {
    refusable([&] {
      if (const auto status = ecs::parse_describe_tasks_response(body, task_arn, container)) {
        (void)ecs::final_exit_code(*status);
      }
    });
  }
  refusable([&] { (void)ecs::parse_error(response); });
}

void s3_errors(std::string_view data) {
  const auto response = response_from(data);
  refusable([&] {
    const auto error = parse_s3_error(response);
    (void)s3_error_kind(response.status, error.aws_code());
  });
  refusable([&] { (void)redirect_region(response); });
  refusable([&] { (void)object_info_from(response); });
}

void credentials(std::string_view data) {
  refusable([&] {
    const auto file = parse_ini(data);
    for (const auto& entry : file) {
      refusable([&] { (void)credentials_from_ini(file, entry.first, "fuzz"); });
    }
  });
  refusable([&] { (void)parse_iso8601(data, "fuzz"); });
  refusable([&] { (void)parse_container_credentials(data); });
  refusable([&] { (void)parse_imds_credentials(data); });
  refusable([&] { (void)parse_assume_role_with_web_identity(data); });
  refusable([&] { (void)sts_error(data.empty() ? 400 : 400 + static_cast<unsigned char>(data[0]) % 200, data); });
}

void options(std::string_view data) {
  const auto env = environment_from_lines(data);
  for (const auto& entry : env) {
    // Plain references: C++17 lambdas cannot capture structured bindings.
    const std::string& name = entry.first;
    const std::string& value = entry.second;
    // The one environment-value parser (core/env_values): whatever it reads, its decimal form
    // reads back to the same number.
    if (const auto size = value_byte_size(value)) FUZZ_CHECK(value_byte_size(std::to_string(*size)) == size);
    if (const auto integer = value_integer(value)) FUZZ_CHECK(value_integer(std::to_string(*integer)) == integer);
    refusable([&] { (void)parse_byte_size(name, value); });
    refusable([&] { (void)parse_integer(name, value, 0, 65535); });
    refusable([&] { (void)parse_bool(name, value); });
    refusable([&] { (void)parse_duration(name, value, std::chrono::seconds(0), std::chrono::seconds(86400)); });
    refusable([&] { FUZZ_CHECK(!parse_url(name, value).empty()); });
    for (const auto source : {OptionSource::kEnvironment, OptionSource::kObjectMetadata}) {
      refusable([&] {
        RenderOptions render;
        apply_option(render, name, value, source);
        double width = 0, height = 0;
        paper_size(render, width, height);
        FUZZ_CHECK(width > 0 && height > 0);
      });
    }
  }
  refusable([&] {
    RenderOptions render;
    apply_environment(render, env);
  });
  refusable([&] {
    RenderOptions render;
    apply_object_metadata(render, std::map<std::string, std::string>(env.begin(), env.end()));
  });
  refusable([&] { (void)parse_job_config(env); });
  refusable([&] { (void)parse_dispatcher_config(env); });
  refusable([&] { (void)parse_aws_launcher_settings(env); });
}

void text(std::string_view data) {
  // The first four bytes choose the layout and where the input is cut in two for the decoder.
  LayoutOptions layout;
  std::size_t cut = 0;
  if (data.size() >= 4) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(data[i]); };
    layout.columns = 1 + byte(0) % 160;
    layout.lines_per_page = 1 + byte(1) % 80;
    layout.tab_width = 1 + (byte(2) & 0x0f);
    layout.wrap = (byte(2) & 0x10) == 0;
    cut = byte(3);
    data.remove_prefix(4);
  }
  cut = data.empty() ? 0 : cut % (data.size() + 1);
  TextEncoding encoding = TextEncoding::kWindows1252;
  std::size_t bom = 0;
  refusable([&] {
    const auto sniffed = sniff_encoding(data.substr(0, kSniffBytes));
    encoding = sniffed.encoding;
    bom = sniffed.bom_length;
    FUZZ_CHECK(bom <= data.size());
  });
  const auto body = data.substr(bom);
  cut = std::min(cut, body.size());
  std::u32string whole, chunked;
  TextDecoder one(encoding), two(encoding);
  one.decode(body, true, whole);
  two.decode(body.substr(0, cut), false, chunked);
  two.decode(body.substr(cut), true, chunked);
  FUZZ_CHECK(whole == chunked);
  FUZZ_CHECK(one.replaced() == two.replaced());
  CountingSink sink;
  Layout lay(layout, sink);
  lay.feed(std::u32string_view(whole).substr(0, whole.size() / 2));
  lay.feed(std::u32string_view(whole).substr(whole.size() / 2));
  lay.finish();
  FUZZ_CHECK(lay.pages() >= 1);
  FUZZ_CHECK(lay.pages() == sink.pages);
  FUZZ_CHECK(lay.rows() == sink.rows);
  FUZZ_CHECK(count_pages(whole, layout) == lay.pages());
}

void health(std::string_view data) {
  static const DispatcherMetrics metrics;
  const auto line = parse_http_request_line(data);
  if (!line) return;
  FUZZ_CHECK(line->method.find_first_of("\r\n") == std::string::npos);
  FUZZ_CHECK(line->target.find_first_of(" \r\n") == std::string::npos);
  const auto answer = answer_health_request(line->method, line->target, metrics, metrics.last_successful_receive(),
                                            std::chrono::seconds(60));
  FUZZ_CHECK(answer.status >= 200 && answer.status < 600);
}

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {
      {"events", events},           {"sqs", sqs},         {"batch_ecs", batch_ecs}, {"s3_errors", s3_errors},
      {"credentials", credentials}, {"options", options}, {"text", text},           {"health", health},
  };
  return all;
}

}  // namespace txt2pdf::fuzz
