// Pure parsers for the credential sources: shared INI files, the container/IMDS JSON documents and
// STS's AssumeRoleWithWebIdentity XML. Error messages name the field that is wrong, never the bytes
// received: a body that carries a secret must not end up in a log.
#include <tinyxml2.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/core/strings.hpp"

namespace txt2pdf {
namespace {

bool is_form_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// RFC 3986 encoding as botocore's query serializer does it (space as %20, not '+').
std::string form_encode(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_form_unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4U]);
      out.push_back(kHex[c & 0x0FU]);
    }
  }
  return out;
}

Error malformed(std::string_view what, std::string_view problem) {
  return Error(ErrorKind::kTransient, std::string(what) + ": " + std::string(problem));
}

// The string member `field` of a credentials JSON document.
std::string json_field(const nlohmann::json& doc, const char* field, std::string_view what) {
  const auto found = doc.find(field);
  if (found == doc.end() || !found->is_string() || found->get_ref<const std::string&>().empty()) {
    throw malformed(what, std::string("field \"") + field + "\" missing or not a non-empty string");
  }
  return found->get<std::string>();
}

nlohmann::json parse_json_object(std::string_view body, std::string_view what) {
  auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) throw malformed(what, "reply is not a JSON object");
  return doc;
}

Credentials credentials_from_json(const nlohmann::json& doc, std::string_view what) {
  Credentials credentials;
  credentials.access_key_id = json_field(doc, "AccessKeyId", what);
  credentials.secret_access_key = json_field(doc, "SecretAccessKey", what);
  credentials.session_token = json_field(doc, "Token", what);
  credentials.expiration = parse_iso8601(json_field(doc, "Expiration", what), what);
  return credentials;
}

const tinyxml2::XMLElement* child(const tinyxml2::XMLElement* parent, const char* name) {
  return parent == nullptr ? nullptr : parent->FirstChildElement(name);
}

std::string text_of(const tinyxml2::XMLElement* element) {
  return element != nullptr && element->GetText() != nullptr ? std::string(element->GetText()) : std::string();
}

}  // namespace

IniFile parse_ini(std::string_view text) {
  IniFile file;
  std::map<std::string, std::string>* section = nullptr;
  size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    // Indented lines belong to the previous key (nested settings such as "s3 =\n  addressing_style = path").
    if (raw.front() == ' ' || raw.front() == '\t') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = &file[std::string(trim(line.substr(1, line.size() - 2)))];
      continue;
    }
    const auto equals = line.find('=');
    if (section == nullptr || equals == std::string_view::npos) continue;
    (*section)[to_lower(trim(line.substr(0, equals)))] = std::string(trim(line.substr(equals + 1)));
  }
  return file;
}

std::optional<Credentials> credentials_from_ini(const IniFile& file, std::string_view section, std::string_view where) {
  const auto found = file.find(section);
  if (found == file.end()) return std::nullopt;
  const auto& keys = found->second;
  const auto value = [&keys](const char* key) {
    const auto it = keys.find(key);
    return it == keys.end() ? std::string() : it->second;
  };
  Credentials credentials;
  credentials.access_key_id = value("aws_access_key_id");
  credentials.secret_access_key = value("aws_secret_access_key");
  credentials.session_token = value("aws_session_token");
  if (credentials.access_key_id.empty() && credentials.secret_access_key.empty()) return std::nullopt;
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    throw Error(ErrorKind::kConfig,
                "[" + std::string(section) + "] in " + std::string(where) + " has " +
                    (credentials.access_key_id.empty() ? "aws_secret_access_key but no aws_access_key_id"
                                                       : "aws_access_key_id but no aws_secret_access_key"));
  }
  return credentials;
}

std::chrono::system_clock::time_point parse_iso8601(std::string_view text, std::string_view what) {
  const std::string value(trim(text));
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(value.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second,
                  &consumed) != 6 ||
      consumed != 19 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60) {
    throw malformed(what, "expiration is not an ISO 8601 time");
  }
  // system_clock counts nanoseconds in 64 bits (years 1678..2262): a later year would overflow it.
  if (year < 1970 || year > 2200) throw malformed(what, "expiration year is outside 1970..2200");
  std::string_view rest = std::string_view(value).substr(19);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
  }
  long offset_seconds = 0;
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int offset_hours = 0, offset_minutes = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &offset_hours, &offset_minutes) != 2 ||
        offset_hours < 0 || offset_hours > 23 || offset_minutes < 0 || offset_minutes > 59) {
      throw malformed(what, "expiration has a malformed UTC offset");
    }
    offset_seconds = (rest[0] == '+' ? 1 : -1) * (offset_hours * 3600L + offset_minutes * 60L);
  } else if (rest != "Z") {
    throw malformed(what, "expiration has no time zone (Z or +hh:mm)");
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return std::chrono::system_clock::from_time_t(timegm(&tm) - offset_seconds);
}

Credentials parse_container_credentials(std::string_view body) {
  constexpr std::string_view kWhat = "container credentials endpoint reply";
  return credentials_from_json(parse_json_object(body, kWhat), kWhat);
}

Credentials parse_imds_credentials(std::string_view body) {
  constexpr std::string_view kWhat = "EC2 instance metadata credentials";
  const auto doc = parse_json_object(body, kWhat);
  const auto code = doc.find("Code");
  if (code != doc.end() && (!code->is_string() || code->get<std::string>() != "Success")) {
    throw malformed(kWhat, "Code is not \"Success\"");
  }
  return credentials_from_json(doc, kWhat);
}

Credentials parse_assume_role_with_web_identity(std::string_view body) {
  constexpr std::string_view kWhat = "STS AssumeRoleWithWebIdentity reply";
  tinyxml2::XMLDocument doc;
  if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS) throw malformed(kWhat, "reply is not XML");
  const auto* node =
      child(child(doc.FirstChildElement("AssumeRoleWithWebIdentityResponse"), "AssumeRoleWithWebIdentityResult"),
            "Credentials");
  if (node == nullptr) throw malformed(kWhat, "no AssumeRoleWithWebIdentityResult/Credentials element");
  Credentials credentials;
  credentials.access_key_id = text_of(child(node, "AccessKeyId"));
  credentials.secret_access_key = text_of(child(node, "SecretAccessKey"));
  credentials.session_token = text_of(child(node, "SessionToken"));
  const std::string expiration = text_of(child(node, "Expiration"));
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string*>{"AccessKeyId", &credentials.access_key_id},
        {"SecretAccessKey", &credentials.secret_access_key},
        {"SessionToken", &credentials.session_token},
        {"Expiration", &expiration}}) {
    if (value->empty()) throw malformed(kWhat, std::string("Credentials/") + field + " missing or empty");
  }
  credentials.expiration = parse_iso8601(expiration, kWhat);
  return credentials;
}

Error sts_error(int http_status, std::string_view body) {
  tinyxml2::XMLDocument doc;
  std::string code, message, request_id;
  if (doc.Parse(body.data(), body.size()) == tinyxml2::XML_SUCCESS) {
    const auto* root = doc.FirstChildElement("ErrorResponse");
    code = text_of(child(child(root, "Error"), "Code"));
    message = text_of(child(child(root, "Error"), "Message"));
    request_id = text_of(child(root, "RequestId"));
  }
  // Refusals of the token or the role are final; throttling, IdP trouble and 5xx are worth a retry.
  const bool transient = http_status >= 500 || http_status == 429 || code == "Throttling" ||
                         code == "IDPCommunicationError" || code == "ServiceUnavailable";
  const ErrorKind kind = transient ? ErrorKind::kTransient : ErrorKind::kAccessDenied;
  std::string text = "STS AssumeRoleWithWebIdentity failed: HTTP " + std::to_string(http_status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += ": " + message;
  Error error(kind, text);
  error.with_aws(http_status, code, request_id);
  return error;
}

std::string assume_role_with_web_identity_form(std::string_view role_arn, std::string_view session_name,
                                               std::string_view web_identity_token, int duration_seconds) {
  return "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + form_encode(role_arn) +
         "&RoleSessionName=" + form_encode(session_name) + "&WebIdentityToken=" + form_encode(web_identity_token) +
         "&DurationSeconds=" + std::to_string(duration_seconds);
}

}  // namespace txt2pdf
