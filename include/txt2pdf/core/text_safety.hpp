// Making untrusted bytes (object keys, error messages) safe for the places they end up: JSON,
// SQS message attributes, terminal log lines. Keys come from the network; S3 keys are UTF-8, but
// an event can decode to anything (`%FF%FE`, `%00`), and none of these functions may throw on it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace txt2pdf {

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

// `text` with every byte that is not part of a well-formed UTF-8 character written as `%XX`
// (upper-case hex). With `sqs_characters`, also the characters SQS refuses in message bodies and
// attributes (C0 controls other than tab, LF, CR; U+FFFE, U+FFFF): the SQS "allowed characters"
// list, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html.
// The result is always valid UTF-8. `%` itself is kept, so the result is for reading, not decoding.
[[nodiscard]] std::string escape_invalid_utf8(std::string_view text, bool sqs_characters = false);

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
// character (a cut never leaves a partial sequence behind).
[[nodiscard]] std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

// `text` for a terminal line: control characters (C0, DEL, and the C1 range U+0080-U+009F) as
// `\n`, `\r`, `\t` or `\xHH`, a backslash as `\\`, invalid UTF-8 bytes as `\xHH`. A key with a
// newline cannot start a forged log line, an ESC cannot drive the terminal.
[[nodiscard]] std::string escape_for_terminal(std::string_view text);

}  // namespace txt2pdf
