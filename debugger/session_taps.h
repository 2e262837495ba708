// The session's two trace sinks, private to debugger/session*.cc: one for the engine thread's
// host, one for the proxy's thread. Both record into the session's store and let the session
// pause the VM thread they run on.
#pragma once

#include "debugger/session.h"

namespace pwplay::debugger {

class Session::PausingStore : public host::TraceSink {
 public:
  explicit PausingStore(Session& session) : session_(session) {}
  void record(host::TraceEvent event) override {
    session_.engine_worker_.since_point.push_back(session_.store_.add_shared(std::move(event)));
  }
  host::PauseVerdict pause_point(const host::PausePoint& point) override {
    return session_.on_pause_point(session_.engine_worker_, point, session_.chain_.get());
  }

 private:
  Session& session_;
};

// The proxy's events go to the session's store too (renumbered there): one copy, shared by the
// store and the pause logic.
class Session::ProxyTap : public host::proxy::ProxyDebugger {
 public:
  explicit ProxyTap(Session& session) : session_(session) {}
  void record(const host::TraceEvent& event) override {
    session_.proxy_worker_.since_point.push_back(session_.store_.add_shared(event));
  }
  host::PauseVerdict pause_point(const host::PausePoint& point, host::FilterChain& chain) override {
    return session_.on_pause_point(session_.proxy_worker_, point, &chain);
  }
  // Every finished stream becomes a history entry, taking the record's trace and messages.
  void finished(host::proxy::StreamRecord&& record) override {
    session_.on_proxy_record(std::move(record), build_);
  }
  // The module build the proxy runs, so that an entry still names it after a reload; set while
  // the proxy thread is not running.
  void set_build(uint32_t build) { build_ = build; }

 private:
  Session& session_;
  uint32_t build_ = 0;
};

}  // namespace pwplay::debugger
