// A real upstream for runs outside the proxy (the desktop app's Send, REQ.json's "upstream"):
// the request that leaves the filter chain goes to HOST:PORT over HTTP/1.1 on a fresh
// connection, and the whole response comes back, all within one timeout. It blocks the calling
// thread (the session's engine thread) while it waits.
#pragma once

#include <chrono>
#include <string>

#include "abi/result.h"
#include "host/local_run.h"

namespace pwplay::host {

// `request` as the upstream should receive it ("host" among its headers becomes the Host line).
// Errors name the address and what went wrong: "upstream 127.0.0.1:9: connection refused",
// "upstream 127.0.0.1:8080: no response within 2000 ms", "upstream ...: malformed response
// (...)".
Result<ResponseSpec> exchange_with_upstream(const std::string& address, const MessageView& request,
                                            std::chrono::milliseconds timeout);

}  // namespace pwplay::host
