// ClusterCalloutClient: proxy_http_call to real clusters named in the proxy's configuration.
// Each call opens a connection to the cluster's address, sends the request, parses the answer
// and hands it to the filter; a timeout, a refused connection or a reset gives the filter the
// "zero headers" reply Envoy gives.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "host/environment.h"
#include "host/proxy/loop_dispatcher.h"
#include "host/proxy/net.h"

struct event_base;

namespace pwplay::host::proxy {

class ClusterCalloutClient : public CalloutClient {
 public:
  ClusterCalloutClient(event_base* base, LoopDispatcher& dispatcher,
                       std::map<std::string, SocketAddress, std::less<>> clusters,
                       size_t max_header_bytes);
  // Calls still in flight are dropped without calling back.
  ~ClusterCalloutClient() override;

  bool has_http_cluster(std::string_view cluster) const override;
  void start_http(const std::string& cluster, const abi::HeaderPairs& headers,
                  const std::string& body, const abi::HeaderPairs& trailers, uint32_t timeout_ms,
                  std::function<void(CalloutResponse)> done) override;
  // gRPC callouts are not wired to real clusters: every gRPC upstream is unknown.
  std::optional<GrpcMockReply> grpc_reply(std::string_view cluster, std::string_view service,
                                          std::string_view method) const override;

  size_t in_flight() const { return calls_.size(); }

 private:
  class Call;
  void finished(uint64_t id);

  event_base* base_;
  LoopDispatcher& dispatcher_;
  std::map<std::string, SocketAddress, std::less<>> clusters_;
  size_t max_header_bytes_;
  std::map<uint64_t, std::unique_ptr<Call>> calls_;
  uint64_t next_id_ = 1;
};

}  // namespace pwplay::host::proxy
