// jwt: lets a request through only with a valid HS256 JSON Web Token.
//
//   authorization: Bearer <base64url header>.<base64url claims>.<base64url signature>
//
// Configuration (JSON): {"secret": "the HMAC key", "require": {"role": "admin"}}: the key the
//   signature is checked with, and claims that must be present with exactly these values.
//   A missing secret or bad JSON fails proxy_on_configure, with a log that says why. Without
//   a configuration the filter uses kExampleConfig (below), which the request presets'
//   tokens are signed for.
// Request headers, in order: the bearer token must be there; have three parts; a header with
//   "alg": "HS256"; a signature equal to HMAC-SHA256(secret, "<header>.<claims>") (see
//   sdk/pwplay_crypto.h); an `exp` claim later than the host's clock
//   (proxy_get_current_time_nanoseconds); and the required claims. The signature is checked
//   before any claim is trusted. The first check that fails answers 401 itself
//   (proxy_send_local_response) with a body and a log naming the reason; a valid token goes
//   upstream with `x-jwt-sub: <sub claim>` added.

#include <string>
#include <unordered_map>

#include "pwplay_crypto.h"
#include "pwplay_json.h"
#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

struct JwtConfig {
  std::string secret;
  Headers required;  // claim name -> value
};

constexpr std::string_view kExampleConfig =
    R"({"secret": "pwplay-example-secret", "require": {"role": "admin"}})";

std::unordered_map<uint32_t, JwtConfig> g_config;      // root context id -> its configuration
std::unordered_map<uint32_t, uint32_t> g_stream_root;  // stream context id -> root id

std::string read_configuration(const std::string& text, JwtConfig& out) {
  json::ParseResult parsed = json::parse(text);
  if (!parsed.value) return "invalid JSON: " + parsed.error;
  const json::Value& top = *parsed.value;
  if (!top.is(json::Kind::Object)) return "expected a JSON object";
  const json::Value* secret = top.find("secret");
  if (!secret || !secret->is(json::Kind::String) || secret->string.empty())
    return "'secret' must be a non-empty string (the HS256 key)";
  out.secret = secret->string;
  if (const json::Value* require = top.find("require")) {
    if (!require->is(json::Kind::Object)) return "'require' must be an object of claim: value";
    for (size_t i = 0; i < require->keys.size(); ++i) {
      if (!require->items[i].is(json::Kind::String))
        return "require." + require->keys[i] + ": expected a string";
      out.required.emplace_back(require->keys[i], require->items[i].string);
    }
  }
  return "";
}

// Decodes a base64url part that holds a JSON object.
std::optional<json::Value> decode_json_part(std::string_view part) {
  std::optional<std::string> text = crypto::base64url_decode(part);
  if (!text) return std::nullopt;
  json::ParseResult parsed = json::parse(*text);
  if (!parsed.value || !parsed.value->is(json::Kind::Object)) return std::nullopt;
  return std::move(parsed.value);
}

// An empty string when the token is good (and `subject` set), else the reason to deny.
std::string check_token(const JwtConfig& config, std::string_view token, std::string& subject) {
  const size_t first_dot = token.find('.');
  const size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != token.npos)
    return "malformed token (expected header.claims.signature)";
  const std::string_view signed_part = token.substr(0, second_dot);

  std::optional<json::Value> header = decode_json_part(token.substr(0, first_dot));
  if (!header) return "malformed token header";
  const json::Value* alg = header->find("alg");
  if (!alg || !alg->is(json::Kind::String) || alg->string != "HS256")
    return "unsupported algorithm (only HS256)";

  const crypto::Digest expected = crypto::hmac_sha256(config.secret, signed_part);
  std::optional<std::string> signature = crypto::base64url_decode(token.substr(second_dot + 1));
  if (!signature || !crypto::equal_constant_time(
                        *signature, std::string_view(reinterpret_cast<const char*>(expected.data()),
                                                     expected.size())))
    return "bad signature";

  // From here on the claims are the issuer's own.
  std::optional<json::Value> claims =
      decode_json_part(token.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!claims) return "malformed token claims";
  const json::Value* exp = claims->find("exp");
  if (!exp || !exp->is(json::Kind::Number)) return "token has no exp claim";
  const double now_seconds = static_cast<double>(current_time_ns() / 1000000000ull);
  if (exp->number <= now_seconds) return "token expired";
  for (const auto& [name, value] : config.required) {
    const json::Value* claim = claims->find(name);
    if (!claim) return "claim '" + name + "' is missing";
    if (!claim->is(json::Kind::String) || claim->string != value)
      return "claim '" + name + "' is not '" + value + "'";
  }
  if (const json::Value* sub = claims->find("sub"); sub && sub->is(json::Kind::String))
    subject = sub->string;
  return "";
}

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t context_id, uint32_t parent_context_id) {
  if (parent_context_id != 0) g_stream_root[context_id] = parent_context_id;
}

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t root_context_id, uint32_t plugin_config_size) {
  JwtConfig config;
  std::string text = get_config(plugin_config_size);
  if (text.empty()) {
    log(LogLevel::Info, "jwt: no configuration: using the example secret and claims");
    text = kExampleConfig;
  }
  const std::string error = read_configuration(text, config);
  if (!error.empty()) {
    log(LogLevel::Error, "jwt: bad configuration: " + error);
    return 0;
  }
  g_config[root_context_id] = std::move(config);
  return 1;
}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t context_id, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  auto root = g_stream_root.find(context_id);
  auto config = root == g_stream_root.end() ? g_config.end() : g_config.find(root->second);
  std::string reason;
  std::string subject;
  const std::string authorization =
      get_header(MapType::RequestHeaders, "authorization").value_or("");
  constexpr std::string_view kBearer = "Bearer ";
  if (config == g_config.end()) {
    reason = "not configured";
  } else if (authorization.compare(0, kBearer.size(), kBearer) != 0) {
    reason = "missing bearer token";
  } else {
    reason = check_token(config->second, std::string_view(authorization).substr(kBearer.size()),
                         subject);
  }
  if (!reason.empty()) {
    log(LogLevel::Info, "jwt: denied: " + reason);
    send_local_response(401, "jwt_denied", "jwt: " + reason + "\n",
                        {{"www-authenticate", "Bearer error=\"invalid_token\""}});
    return FilterHeadersStatus::StopIteration;
  }
  if (!subject.empty()) add_header(MapType::RequestHeaders, "x-jwt-sub", subject);
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
  g_stream_root.erase(context_id);
  g_config.erase(context_id);
}
