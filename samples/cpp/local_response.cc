// local_response: rejects requests without credentials.
//
// Request headers: when there is no `authorization` header, the filter answers the
// client itself with 401 and a `www-authenticate` challenge, and stops the request;
// otherwise the request continues untouched.

#include "pwplay_sdk.h"

using namespace pwplay;

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  if (get_header(MapType::RequestHeaders, "authorization")) return FilterHeadersStatus::Continue;

  send_local_response(401, "missing_auth", "missing authorization\n",
                      {{"www-authenticate", "Basic realm=\"pwplay\""}});
  return FilterHeadersStatus::StopIteration;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}
