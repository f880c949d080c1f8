// The console's HTML; its CSS and JavaScript are src/dispatch/console/, embedded in the binary at
// build time (embed_assets.cmake): no build tool chain, no CDN.
// The page works without JavaScript (the upload form and the retry buttons are plain forms); the
// script adds drag and drop, one request per file, and a refresh of the live part every 2 s.
#include <ctime>

#include "txt2pdf/dispatch/console.hpp"

namespace txt2pdf {
namespace {

std::string clock_time(std::chrono::system_clock::time_point at) {
  if (at == std::chrono::system_clock::time_point{}) return "";
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%H:%M:%S", &tm);
  return text;
}

std::string iso_time(std::chrono::system_clock::time_point at) {
  if (at == std::chrono::system_clock::time_point{}) return "";
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string seconds_text(std::chrono::system_clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", seconds);
  return text;
}

std::string attribute(const DeadLetter& letter, const std::string& name) {
  const auto found = letter.attributes.find(name);
  return found == letter.attributes.end() ? "" : found->second;
}

// "1.2 s at 12:00:01" once finished, "since 12:00:00" while queued or converting.
std::string conversion_time(const Conversion& conversion) {
  const bool started = conversion.started_at != std::chrono::system_clock::time_point{};
  if (conversion.state == ConversionState::kDone || conversion.state == ConversionState::kFailed) {
    return (started ? seconds_text(conversion.finished_at - conversion.started_at) + " at " : "at ") +
           clock_time(conversion.finished_at);
  }
  return "since " +
         clock_time(conversion.state == ConversionState::kConverting ? conversion.started_at : conversion.queued_at);
}

std::string stats_section(const std::optional<QueueStats>& queue, const std::string& queue_error, int converting) {
  const auto number = [](long value) { return std::to_string(value); };
  std::string out = "<section id=\"stats\"><h2>Queue</h2>\n";
  if (queue) {
    const auto& stats = *queue;
    out += "<dl class=\"stats\"><div><dt>waiting in the queue</dt><dd id=\"queue-depth\">" + number(stats.visible) +
           "</dd></div><div><dt>received, not deleted</dt><dd id=\"queue-in-flight\">" + number(stats.in_flight) +
           "</dd></div><div><dt>delayed (retries)</dt><dd>" + number(stats.delayed) +
           "</dd></div><div><dt>jobs converting</dt><dd id=\"jobs-in-flight\">" + std::to_string(converting) +
           "</dd></div><div><dt>dead letters</dt><dd id=\"dlq-depth\">" + number(stats.dead_letters) +
           "</dd></div></dl>\n";
  } else {
    out += "<p class=\"notice error\">queue attributes unavailable: " + html_escape(queue_error) + "</p>\n";
  }
  return out + "</section>\n";
}

std::string dead_letter_row(const DeadLetter& letter) {
  return "<tr data-message-id=\"" + html_escape(letter.message_id) + "\"><td class=\"key\">" +
         html_escape(attribute(letter, "object_key")) + "</td><td>" + html_escape(attribute(letter, "exit_code")) +
         "</td><td>" + html_escape(attribute(letter, "error_kind")) + "</td><td>" +
         html_escape(attribute(letter, "reason")) + "</td><td>" + html_escape(attribute(letter, "receive_count")) +
         "</td><td><form class=\"retry\" method=\"post\" action=\"dead-letters/retry\"><input type=\"hidden\" "
         "name=\"message_id\" value=\"" +
         html_escape(letter.message_id) + "\"><button type=\"submit\">retry</button></form></td></tr>\n";
}

std::string dead_letters_section(const std::vector<DeadLetter>& letters, const std::string& letters_error,
                                 bool has_dead_letter_queue) {
  std::string out = "<section><h2>Dead letters</h2>\n";
  if (!has_dead_letter_queue) {
    out += "<p class=\"muted\">No DLQ_URL configured.</p>\n";
  } else if (!letters_error.empty()) {
    out += "<p class=\"notice error\">dead letters unavailable: " + html_escape(letters_error) + "</p>\n";
  } else if (letters.empty()) {
    out += "<p class=\"muted\">None.</p>\n";
  } else {
    out +=
        "<table id=\"dead-letters\"><thead><tr><th>object key</th><th>exit</th><th>kind</th><th>reason</th>"
        "<th>receives</th><th></th></tr></thead><tbody>\n";
    for (const auto& letter : letters) out += dead_letter_row(letter);
    out +=
        "</tbody></table>\n<p class=\"muted\">Retry sends the original message back to the source queue and deletes "
        "the dead letter.</p>\n";
  }
  return out + "</section>\n";
}

std::string errors_section(const std::vector<ErrorNote>& errors) {
  std::string out = "<section><h2>Last errors</h2>\n";
  if (errors.empty()) {
    out += "<p class=\"muted\">None.</p>\n";
  } else {
    out += "<ul class=\"errors\" id=\"errors\">\n";
    for (const auto& error : errors) out += "<li>" + clock_time(error.at) + " " + html_escape(error.text) + "</li>\n";
    out += "</ul>\n";
  }
  return out + "</section>\n";
}

const char* const kPageHead = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>txt2pdf console</title>
<link rel="stylesheet" href="console.css">
</head>
<body>
<header><h1>txt2pdf console</h1><p class="sub">uploads &rarr; S3 event &rarr; SQS &rarr; dispatcher &rarr; verified PDF</p></header>
<main>
)";

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(static_cast<unsigned char>(c) < 0x20 && c != '\n' ? '?' : c);
    }
  }
  return out;
}

std::string Console::page_html(const std::string& notice, bool notice_is_error) {
  std::string out = kPageHead;
  if (!notice.empty()) {
    out += "<p class=\"notice" + std::string(notice_is_error ? " error" : "") + "\" id=\"notice\">" +
           html_escape(notice) + "</p>\n";
  }
  out += "<section><h2>Upload</h2>\n";
  if (config_.upload_bucket.empty()) {
    out += "<p class=\"muted\">Uploads are disabled: set CONSOLE_UPLOAD_BUCKET.</p>\n";
  } else {
    out +=
        "<form id=\"upload-form\" method=\"post\" action=\"upload\" enctype=\"multipart/form-data\" data-max-bytes=\"" +
        std::to_string(config_.max_upload_bytes) + "\">\n<div id=\"drop\">Drop .txt files here, or " +
        "<input type=\"file\" name=\"files\" id=\"files\" multiple accept=\".txt,text/plain\"> " +
        "<button type=\"submit\" id=\"upload-button\">Upload</button></div>\n</form>\n<p class=\"muted\">Stored in "
        "s3://" +
        html_escape(config_.upload_bucket) + "/" + html_escape(config_.upload_prefix) +
        "&hellip; with server-side encryption; at most " + std::to_string(config_.max_upload_bytes) +
        " bytes a file (MAX_INPUT_BYTES).</p>\n";
  }
  out += "<ul id=\"upload-result\"></ul></section>\n<div id=\"live\">\n";
  const auto current = snapshot();
  auto conversions = board_.conversions();
  fill_pages(conversions);
  out += live_html(current, conversions);
  out += "</div>\n</main>\n<script src=\"console.js\"></script>\n</body>\n</html>\n";
  return out;
}

std::string Console::live_html(const Snapshot& snapshot, const std::vector<Conversion>& conversions) {
  std::string out = stats_section(snapshot.stats, snapshot.stats_error, board_.converting());
  out += "<section><h2>Recent conversions</h2>\n";
  if (conversions.empty()) {
    out += "<p class=\"muted\">Nothing yet.</p>\n";
  } else {
    out +=
        "<table id=\"conversions\"><thead><tr><th>key</th><th>state</th><th>pages</th><th>time</th><th>PDF</th>"
        "</tr></thead><tbody>\n";
    for (const auto& conversion : conversions) out += conversion_row(conversion);
    out += "</tbody></table>\n";
  }
  out += "<p class=\"muted\">PDF links are presigned S3 GETs valid for " + std::to_string(config_.link_expiry.count()) +
         " s.</p></section>\n";
  out += dead_letters_section(snapshot.dead_letters, snapshot.dead_letters_error, backend_.has_dead_letter_queue());
  out += errors_section(board_.errors());
  return out;
}

std::string Console::conversion_row(const Conversion& conversion) {
  const char* state = state_name(conversion.state);
  std::string link;
  if (conversion.state == ConversionState::kDone) {
    try {
      std::lock_guard lock(backend_mutex_);
      const auto url = backend_.presigned_url(dest_bucket_, conversion.dest_key, config_.link_expiry);
      link = "<a class=\"pdf\" href=\"" + html_escape(url) + "\">" + html_escape(conversion.dest_key) + "</a>";
    } catch (const Error& error) {
      link = "<span class=\"failed\">no link: " + html_escape(error.what()) + "</span>";
    }
  } else if (conversion.state == ConversionState::kFailed) {
    link = "<span class=\"muted\">exit " + std::to_string(conversion.exit_code) +
           (conversion.detail.empty() ? "" : ": " + html_escape(conversion.detail)) + "</span>";
  }
  const std::string pages = conversion.pages && *conversion.pages >= 0 ? std::to_string(*conversion.pages) : "";
  const std::string key = html_escape(conversion.key);
  std::string out;
  out.append("<tr data-key=\"").append(key).append("\" data-state=\"").append(state);
  out.append("\"><td class=\"key\">").append(key).append("</td><td class=\"state ").append(state).append("\">");
  out.append(state).append("</td><td>").append(pages).append("</td><td>").append(conversion_time(conversion));
  out.append("</td><td>").append(link).append("</td></tr>\n");
  return out;
}

std::string Console::status_json(const Snapshot& snapshot, const std::vector<Conversion>& conversions) {
  nlohmann::json out;
  if (snapshot.stats) {
    out["queue"] = {{"visible", snapshot.stats->visible},
                    {"in_flight", snapshot.stats->in_flight},
                    {"delayed", snapshot.stats->delayed},
                    {"dead_letters", snapshot.stats->dead_letters}};
  } else {
    out["queue"] = nullptr;
    out["queue_error"] = snapshot.stats_error;
  }
  out["jobs_converting"] = board_.converting();
  out["conversions"] = nlohmann::json::array();
  for (const auto& conversion : conversions) {
    nlohmann::json entry = {{"bucket", conversion.bucket},
                            {"key", conversion.key},
                            {"dest_key", conversion.dest_key},
                            {"state", state_name(conversion.state)},
                            {"exit_code", conversion.exit_code},
                            {"detail", conversion.detail},
                            {"queued_at", iso_time(conversion.queued_at)},
                            {"started_at", iso_time(conversion.started_at)},
                            {"finished_at", iso_time(conversion.finished_at)}};
    entry["pages"] = conversion.pages && *conversion.pages >= 0 ? nlohmann::json(*conversion.pages) : nlohmann::json();
    out["conversions"].push_back(entry);
  }
  out["dead_letters"] = nlohmann::json::array();
  for (const auto& letter : snapshot.dead_letters) {
    out["dead_letters"].push_back({{"message_id", letter.message_id}, {"attributes", letter.attributes}});
  }
  if (!snapshot.dead_letters_error.empty()) out["dead_letters_error"] = snapshot.dead_letters_error;
  out["errors"] = nlohmann::json::array();
  for (const auto& error : board_.errors()) out["errors"].push_back({{"at", iso_time(error.at)}, {"text", error.text}});
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace txt2pdf
