// FilterChain and HttpStream: HTTP streams through an ordered chain of plugins, with Envoy's
// observable semantics. Request callbacks run in chain order, response callbacks in reverse;
// a Stop* result pauses iteration at that filter and buffers what follows until the filter calls
// proxy_continue_stream; local replies skip the upstream; a failed VM fails its stream open or
// closed. The proxy and `pwplay run` both drive streams through this one implementation.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/environment.h"
#include "host/header_map.h"
#include "host/http_stream.h"
#include "host/plugin.h"

namespace pwplay::host {

// Where a stream's request goes after the last filter, and its response after the first.
// Implemented by the embedded upstream / client of `pwplay run` and by the proxy's connections.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void upstream_headers(const HeaderMap& headers, bool end_stream) = 0;
  virtual void upstream_data(const std::string& data, bool end_stream) = 0;
  virtual void upstream_trailers(const HeaderMap& trailers) = 0;
  // The request to the upstream is abandoned (local reply, reset).
  virtual void upstream_reset() = 0;
  virtual void downstream_headers(const HeaderMap& headers, bool end_stream) = 0;
  virtual void downstream_data(const std::string& data, bool end_stream) = 0;
  virtual void downstream_trailers(const HeaderMap& trailers) = 0;
  // The stream was reset (proxy_close_stream, or a local reply after the response started).
  virtual void downstream_reset(const std::string& reason) = 0;
};

class HttpStream;

class FilterChain {
 public:
  explicit FilterChain(HostEnv& env) : env_(env) {}
  ~FilterChain();
  FilterChain(const FilterChain&) = delete;
  FilterChain& operator=(const FilterChain&) = delete;

  void add(std::unique_ptr<Plugin> plugin);
  size_t size() const { return plugins_.size(); }
  Plugin& plugin(size_t index) { return *plugins_[index]; }
  HostEnv& env() { return env_; }
  // Start-up work still running in the plugins that have not failed (AbiHost::pending_work).
  AbiHost::PendingWork pending_work();

  // Starts a stream; the caller feeds it with decode_* (from the client) and encode_* (from the
  // upstream). A plugin whose VM failed earlier gets a fresh VM first (Envoy's reload policy),
  // unless it failed in a recurring root callback (PluginFailure::reload).
  std::unique_ptr<HttpStream> new_stream(StreamSink& sink, StreamInfo info = {});

 private:
  friend class HttpStream;
  // A plugin's VM failed: streams paused at it are failed per its fail policy.
  void plugin_failed(const Plugin& plugin);

  HostEnv& env_;
  std::vector<std::unique_ptr<Plugin>> plugins_;
  std::vector<HttpStream*> streams_;  // live streams, which register themselves
};

// How a stream ended, for reports.
struct StreamOutcome {
  bool local_reply = false;         // answered by a filter (or fail-closed) without the upstream
  std::optional<LocalReply> reply;  // the local reply, if any
  bool reset = false;
  std::string reset_reason;
  std::vector<std::string> failed_plugins;  // plugins whose VM failed during this stream
};

class HttpStream {
 public:
  friend class FilterChain;
  HttpStream(FilterChain& chain, StreamSink& sink, StreamInfo info);
  ~HttpStream();
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  uint64_t id() const { return state_.id; }
  HttpStreamState& state() { return state_; }
  const StreamOutcome& outcome() const { return outcome_; }

  // From the client. Headers carry the pseudo-headers (:method, :path, :authority, :scheme).
  void decode_headers(HeaderMap headers, bool end_stream);
  void decode_data(std::string data, bool end_stream);
  void decode_trailers(HeaderMap trailers);
  // From the upstream. Headers carry ":status".
  void encode_headers(HeaderMap headers, bool end_stream);
  void encode_data(std::string data, bool end_stream);
  void encode_trailers(HeaderMap trailers);

  // The client went away or the stream must stop: runs the end-of-stream callbacks.
  void abort(const std::string& reason);
  // True once the response reached the client completely (or the stream was reset).
  bool complete() const { return complete_; }
  // Runs proxy_on_log / on_done / on_delete for every filter; called once at completion.
  void finish();
  bool finished() const { return finished_; }

 private:
  enum class Dir : uint8_t { Request, Response };
  enum class StopPoint : uint8_t { None, Headers, Data, Trailers };
  struct DirectionState {
    bool stopped = false;
    StopPoint stop_at = StopPoint::None;
    bool headers_end_stream = false;  // end_stream flag the headers came with
    bool end_seen = false;            // the end of this direction reached this filter
    bool trailers_pending = false;
    bool body_called = false;
    std::string buffer;  // data held at this filter
  };
  class SlotControl;
  struct Slot {
    Plugin* plugin = nullptr;
    uint32_t context_id = 0;
    uint64_t generation = 0;
    bool failed = false;  // its VM failed during this stream
    std::unique_ptr<SlotControl> control;
    DirectionState request;
    DirectionState response;
    std::optional<LocalReply> pending_reply;
  };

  bool slot_alive(const Slot& slot) const;
  // The VM of the plugin at `index` failed outside this stream's callbacks (a callout response,
  // a tick, another stream): if the stream is paused there, nothing would resume it, so fail it
  // now as a failed callback would (fail open: resume; fail closed: a local 503).
  void fail_paused_slot(int index);
  // A filter holding more body than the environment's buffer limit: Envoy's 413 or 500.
  void check_buffer_limit(Dir dir, int index, DirectionState& d);
  int next_index(Dir dir, int index) const;
  int first_index(Dir dir) const;
  bool past_end(Dir dir, int index) const;
  DirectionState& direction(Slot& slot, Dir dir) {
    return dir == Dir::Request ? slot.request : slot.response;
  }
  HeaderMap& headers(Dir dir) {
    return dir == Dir::Request ? state_.request_headers : state_.response_headers;
  }
  HeaderMap& trailers(Dir dir) {
    return dir == Dir::Request ? state_.request_trailers : state_.response_trailers;
  }

  void headers_at(Dir dir, int index, bool end_stream);
  void data_at(Dir dir, int index, std::string data, bool end_stream);
  void trailers_at(Dir dir, int index);
  void resume(Dir dir, int index);

  // Calls a callback on a slot and handles VM failure and local replies. nullopt: the stream
  // must not go on in this direction (a local reply or reset took over).
  std::optional<uint32_t> run_callback(Slot& slot, int index, Callback callback,
                                       std::initializer_list<uint32_t> args, Dir dir);
  void apply_local_reply(int index, LocalReply reply, Dir dir);
  void send_response_directly(const LocalReply& reply);
  void reset(const std::string& reason);
  void mark_complete();

  FilterChain& chain_;
  StreamSink& sink_;
  HttpStreamState state_;
  StreamOutcome outcome_;
  std::vector<Slot> slots_;
  bool request_aborted_ = false;   // nothing more goes upstream
  bool response_started_ = false;  // response headers went to the client
  bool in_local_reply_ = false;
  bool upstream_response_ignored_ = false;
  bool complete_ = false;
  bool finished_ = false;
  int callback_depth_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Builds the response headers of a local reply as Envoy does (":status", content-type and
// content-length when there is a body, then the filter's extra headers).
HeaderMap local_reply_headers(const LocalReply& reply);

}  // namespace pwplay::host
