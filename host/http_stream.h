// The state of one HTTP stream as the ABI host sees it: the header maps and body buffers the
// filters read and write, the facts properties report (addresses, sizes, codes), and the
// control interface a filter uses to resume, close, or answer the stream.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "abi/enums.h"
#include "abi/pairs.h"
#include "host/header_map.h"

namespace pwplay::host {

// What a TLS connection would tell (connection.* and upstream.* attributes); pwplay's listener and
// upstream connections are plaintext, so only a test or an embedder sets it.
struct TlsFacts {
  std::string version;  // "TLSv1.3"
  std::string subject_local_certificate;
  std::string subject_peer_certificate;
  std::string uri_san_local_certificate;  // the first URI SAN; empty: none
  std::string uri_san_peer_certificate;
  std::string dns_san_local_certificate;  // the first DNS SAN; empty: none
  std::string dns_san_peer_certificate;
  std::string sha256_peer_certificate_digest;  // hex; empty: no peer certificate
  bool peer_certificate = false;               // presented by the peer (mTLS)
};

// Connection and timing facts exposed as properties (source.address, request.time, ...).
struct StreamInfo {
  std::string source_address = "127.0.0.1";
  uint32_t source_port = 50000;
  std::string destination_address = "127.0.0.1";
  uint32_t destination_port = 8080;
  std::string upstream_address = "127.0.0.1";
  uint32_t upstream_port = 0;
  std::string protocol = "HTTP/1.1";
  uint64_t connection_id = 1;
  uint64_t start_time_ns = 0;  // wall clock
  uint64_t duration_ns = 0;
  std::optional<uint32_t> response_code;
  std::string response_code_details;
  uint64_t request_body_bytes = 0;
  uint64_t response_body_bytes = 0;
  // Set when the request headers passed the whole chain: Envoy's router has chosen the upstream.
  bool upstream_chosen = false;
  uint64_t request_attempt_count = 0;  // attempts sent upstream
  std::string upstream_local_address;  // "ip:port" of the proxy's end; empty: unknown
  std::string upstream_transport_failure_reason;
  bool request_complete = false;      // the stream ended (request.duration is known)
  std::string requested_server_name;  // SNI; empty on plaintext connections
  std::optional<std::string> termination_details;
  std::string downstream_transport_failure_reason;
  std::optional<TlsFacts> downstream_tls;
  std::optional<TlsFacts> upstream_tls;
};

// A local reply requested by a filter (proxy_send_local_response) or by the host (fail-closed).
struct LocalReply {
  uint32_t status = 0;
  std::string details;
  std::string body;
  abi::HeaderPairs headers;
  std::optional<uint32_t> grpc_status;  // only when the filter passed 0..16
};

// What a filter may do to its stream from any callback; implemented by the filter chain, which
// applies each action after the current VM call returns (never re-entrantly).
class StreamControl {
 public:
  virtual ~StreamControl() = default;
  virtual abi::Status continue_stream(abi::StreamType type) = 0;
  virtual abi::Status close_stream(abi::StreamType type) = 0;
  virtual abi::Status send_local_response(LocalReply reply) = 0;
};

struct HttpStreamState {
  uint64_t id = 0;
  HeaderMap request_headers;
  HeaderMap request_trailers;
  HeaderMap response_headers;
  HeaderMap response_trailers;
  bool has_request_headers = false;
  bool has_response_headers = false;
  // The body bytes the current body callback sees (the calling filter's buffered data);
  // null outside body callbacks and pauses taken in them (then the buffer is NOT_FOUND).
  std::string* request_body = nullptr;
  std::string* response_body = nullptr;
  StreamInfo info;
  // Values set with proxy_set_property (Envoy keeps them in filter state), by dotted path.
  std::map<std::string, std::string, std::less<>> filter_state;
  // Why each proxy_send_local_response of this stream was refused (the reply was not sent).
  std::vector<std::string> refused_local_replies;
};

}  // namespace pwplay::host
