// The console's HTML, CSS and JavaScript, embedded in the binary: no build tool chain, no CDN.
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

const std::string& console_css() {
  static const std::string css = R"(
:root { --ink: #1d2430; --muted: #5b6576; --line: #d8dde6; --ok: #17794a; --bad: #b3261e; --busy: #8a5a00; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--ink); background: var(--bg); }
header { padding: 14px 24px; background: #24324a; color: #fff; }
header h1 { margin: 0; font-size: 20px; } header .sub { margin: 2px 0 0; color: #c8d1e0; font-size: 13px; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 14px 0; }
h2 { font-size: 16px; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.key { font-family: ui-monospace, monospace; word-break: break-all; }
.state { font-weight: 600; } .done { color: var(--ok); } .failed { color: var(--bad); }
.converting, .queued { color: var(--busy); }
.stats { display: flex; gap: 28px; flex-wrap: wrap; margin: 0; }
.stats div { min-width: 110px; } .stats dt { color: var(--muted); font-size: 13px; } .stats dd { margin: 0; font-size: 22px; font-weight: 600; }
#drop { border: 2px dashed var(--line); border-radius: 6px; padding: 18px; text-align: center; color: var(--muted); }
#drop.over { border-color: #3a66c4; background: #eef3fd; }
.notice { padding: 8px 12px; border-radius: 4px; background: #e8f4ec; } .notice.error { background: #fbeaea; color: var(--bad); }
#upload-result li.ok { color: var(--ok); } #upload-result li.bad { color: var(--bad); }
button { font: inherit; padding: 3px 12px; }
.muted { color: var(--muted); } ul.errors { margin: 0; padding-left: 18px; font-size: 14px; }
)";
  return css;
}

const std::string& console_js() {
  static const std::string js = R"(
'use strict';
(function () {
  const form = document.getElementById('upload-form');
  const live = document.getElementById('live');
  const results = document.getElementById('upload-result');
  async function refresh() {
    try {
      const reply = await fetch('live', {credentials: 'same-origin'});
      if (reply.ok) live.innerHTML = await reply.text();
    } catch (e) { /* the next tick tries again */ }
  }
  async function answer(reply) {
    const text = await reply.text();
    try { return JSON.parse(text); } catch (e) { return {errors: [text.trim() || reply.status + ' ' + reply.statusText]}; }
  }
  async function upload(files) {
    const max = Number(form.dataset.maxBytes);
    for (const file of files) {
      const line = document.createElement('li');
      results.prepend(line);
      if (file.size > max) {
        line.className = 'bad';
        line.textContent = file.name + ' refused: ' + file.size + ' bytes, larger than MAX_INPUT_BYTES=' + max;
        continue;
      }
      line.textContent = file.name + ': uploading...';
      const data = new FormData();
      data.append('files', file, file.name);
      try {
        const reply = await fetch('upload', {method: 'POST', body: data, credentials: 'same-origin',
                                             headers: {'Accept': 'application/json'}});
        const body = await answer(reply);
        const ok = reply.ok && body.uploaded && body.uploaded.length > 0;
        line.className = ok ? 'ok' : 'bad';
        line.textContent = ok ? file.name + ': uploaded as s3://' + body.uploaded[0].bucket + '/' + body.uploaded[0].key
                              : (body.errors || []).join('; ');
      } catch (e) {
        line.className = 'bad';
        line.textContent = file.name + ': ' + e;
      }
    }
    refresh();
  }
  if (form) {
    const input = form.querySelector('input[type=file]');
    const drop = document.getElementById('drop');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      upload(Array.from(input.files));
      form.reset();
    });
    drop.addEventListener('dragover', function (event) { event.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', function () { drop.classList.remove('over'); });
    drop.addEventListener('drop', function (event) {
      event.preventDefault();
      drop.classList.remove('over');
      upload(Array.from(event.dataTransfer.files));
    });
  }
  document.addEventListener('submit', async function (event) {
    const target = event.target;
    if (!target.classList.contains('retry')) return;
    event.preventDefault();
    const reply = await fetch(target.action, {method: 'POST', credentials: 'same-origin',
                                              body: new URLSearchParams(new FormData(target)),
                                              headers: {'Accept': 'application/json'}});
    const body = await answer(reply);
    const line = document.createElement('li');
    line.className = reply.ok ? 'ok' : 'bad';
    line.textContent = body.message || (body.errors || []).join('; ');
    results.prepend(line);
    refresh();
  });
  setInterval(refresh, 2000);
})();
)";
  return js;
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
  const auto number = [](long value) { return std::to_string(value); };
  std::string out = "<section id=\"stats\"><h2>Queue</h2>\n";
  if (snapshot.stats) {
    const auto& stats = *snapshot.stats;
    out += "<dl class=\"stats\"><div><dt>waiting in the queue</dt><dd id=\"queue-depth\">" + number(stats.visible) +
           "</dd></div><div><dt>received, not deleted</dt><dd id=\"queue-in-flight\">" + number(stats.in_flight) +
           "</dd></div><div><dt>delayed (retries)</dt><dd>" + number(stats.delayed) +
           "</dd></div><div><dt>jobs converting</dt><dd id=\"jobs-in-flight\">" + std::to_string(board_.converting()) +
           "</dd></div><div><dt>dead letters</dt><dd id=\"dlq-depth\">" + number(stats.dead_letters) +
           "</dd></div></dl>\n";
  } else {
    out += "<p class=\"notice error\">queue attributes unavailable: " + html_escape(snapshot.stats_error) + "</p>\n";
  }
  out += "</section>\n<section><h2>Recent conversions</h2>\n";
  if (conversions.empty()) {
    out += "<p class=\"muted\">Nothing yet.</p>\n";
  } else {
    out +=
        "<table id=\"conversions\"><thead><tr><th>key</th><th>state</th><th>pages</th><th>time</th><th>PDF</th>"
        "</tr></thead><tbody>\n";
    for (const auto& conversion : conversions) {
      const char* state = state_name(conversion.state);
      std::string time;
      const bool started = conversion.started_at != std::chrono::system_clock::time_point{};
      if (conversion.state == ConversionState::kDone || conversion.state == ConversionState::kFailed) {
        time = (started ? seconds_text(conversion.finished_at - conversion.started_at) + " at " : "at ") +
               clock_time(conversion.finished_at);
      } else {
        time = "since " + clock_time(conversion.state == ConversionState::kConverting ? conversion.started_at
                                                                                      : conversion.queued_at);
      }
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
      out.append("<tr data-key=\"").append(key).append("\" data-state=\"").append(state);
      out.append("\"><td class=\"key\">").append(key).append("</td><td class=\"state ").append(state).append("\">");
      out.append(state).append("</td><td>").append(pages).append("</td><td>").append(time).append("</td><td>");
      out.append(link).append("</td></tr>\n");
    }
    out += "</tbody></table>\n";
  }
  out += "<p class=\"muted\">PDF links are presigned S3 GETs valid for " + std::to_string(config_.link_expiry.count()) +
         " s.</p></section>\n<section><h2>Dead letters</h2>\n";
  if (!backend_.has_dead_letter_queue()) {
    out += "<p class=\"muted\">No DLQ_URL configured.</p>\n";
  } else if (!snapshot.dead_letters_error.empty()) {
    out += "<p class=\"notice error\">dead letters unavailable: " + html_escape(snapshot.dead_letters_error) + "</p>\n";
  } else if (snapshot.dead_letters.empty()) {
    out += "<p class=\"muted\">None.</p>\n";
  } else {
    out +=
        "<table id=\"dead-letters\"><thead><tr><th>object key</th><th>exit</th><th>kind</th><th>reason</th>"
        "<th>receives</th><th></th></tr></thead><tbody>\n";
    for (const auto& letter : snapshot.dead_letters) {
      out += "<tr data-message-id=\"" + html_escape(letter.message_id) + "\"><td class=\"key\">" +
             html_escape(attribute(letter, "object_key")) + "</td><td>" + html_escape(attribute(letter, "exit_code")) +
             "</td><td>" + html_escape(attribute(letter, "error_kind")) + "</td><td>" +
             html_escape(attribute(letter, "reason")) + "</td><td>" + html_escape(attribute(letter, "receive_count")) +
             "</td><td><form class=\"retry\" method=\"post\" action=\"dead-letters/retry\"><input type=\"hidden\" "
             "name=\"message_id\" value=\"" +
             html_escape(letter.message_id) + "\"><button type=\"submit\">retry</button></form></td></tr>\n";
    }
    out +=
        "</tbody></table>\n<p class=\"muted\">Retry sends the original message back to the source queue and deletes "
        "the dead letter.</p>\n";
  }
  out += "</section>\n<section><h2>Last errors</h2>\n";
  const auto errors = board_.errors();
  if (errors.empty()) {
    out += "<p class=\"muted\">None.</p>\n";
  } else {
    out += "<ul class=\"errors\" id=\"errors\">\n";
    for (const auto& error : errors) out += "<li>" + clock_time(error.at) + " " + html_escape(error.text) + "</li>\n";
    out += "</ul>\n";
  }
  out += "</section>\n";
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
