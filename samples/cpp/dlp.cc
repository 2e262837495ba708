// dlp: data-loss prevention. Masks card-number-like digit runs in response bodies.
//
// A run of 13 to 19 digits that passes the Luhn check (the checksum every payment card
// number carries) becomes asterisks but for its last four digits:
//   "card 4111111111111111" -> "card ************1111".
// Runs that fail the check (order numbers, timestamps) are left alone.
//
// Response body: a number may be split across two chunks, so the filter buffers. It answers
//   proxy_on_response_body with StopIterationAndBuffer until end_of_stream is 1; the host keeps
//   the chunks and passes the whole body's size. Then it reads the body once
//   (proxy_get_buffer_bytes), masks it and writes it back (proxy_set_buffer_bytes). Masking
//   keeps the length, so content-length stays right.
// Watch the trace: the body crosses the VM boundary once, at the end, not per chunk.

#include <string>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

constexpr size_t kMinDigits = 13;
constexpr size_t kMaxDigits = 19;
constexpr size_t kKeptDigits = 4;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Luhn: from the right, double every second digit (minus 9 when over 9); the sum must end in 0.
bool passes_luhn(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int digit = digits[i] - '0';
    if (twice) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// Masks every qualifying run in place; returns how many it masked.
int mask_card_numbers(std::string& text) {
  int masked = 0;
  size_t at = 0;
  while (at < text.size()) {
    if (!is_digit(text[at])) {
      ++at;
      continue;
    }
    size_t end = at;
    while (end < text.size() && is_digit(text[end])) ++end;
    const size_t length = end - at;
    if (length >= kMinDigits && length <= kMaxDigits &&
        passes_luhn(std::string_view(text).substr(at, length))) {
      text.replace(at, length - kKeptDigits, length - kKeptDigits, '*');
      ++masked;
    }
    at = end;
  }
  return masked;
}

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_response_body)
FilterDataStatus proxy_on_response_body(uint32_t /*context_id*/, uint32_t body_size,
                                        uint32_t end_of_stream) {
  if (!end_of_stream) return FilterDataStatus::StopIterationAndBuffer;  // wait for the rest
  std::string body = get_buffer(BufferType::HttpResponseBody, 0, body_size);
  const int masked = mask_card_numbers(body);
  if (masked > 0) {
    set_buffer(BufferType::HttpResponseBody, 0, body_size, body);
    log(LogLevel::Info, "dlp: masked " + std::to_string(masked) + " card number(s) in " +
                            std::to_string(body_size) + " bytes");
  }
  return FilterDataStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}
