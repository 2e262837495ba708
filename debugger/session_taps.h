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
    host::TraceEvent kept = event;
    kept.seq = session_.store_.add(std::move(event));
    session_.engine_worker_.since_point.push_back(std::move(kept));
  }
  host::PauseVerdict pause_point(const host::PausePoint& point) override {
    return session_.on_pause_point(session_.engine_worker_, point, session_.chain_.get());
  }

 private:
  Session& session_;
};

// The proxy's events go to the session's store too (renumbered there).
class Session::ProxyTap : public host::proxy::ProxyDebugger {
 public:
  explicit ProxyTap(Session& session) : session_(session) {}
  void record(const host::TraceEvent& event) override {
    host::TraceEvent kept = event;
    kept.seq = session_.store_.add(event);
    session_.proxy_worker_.since_point.push_back(std::move(kept));
  }
  host::PauseVerdict pause_point(const host::PausePoint& point, host::FilterChain& chain) override {
    return session_.on_pause_point(session_.proxy_worker_, point, &chain);
  }

 private:
  Session& session_;
};

}  // namespace pwplay::debugger
