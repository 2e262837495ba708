#include "host/proxy/proxy.h"

#include <event2/event.h>
#include <event2/thread.h>

#include <atomic>
#include <csignal>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "host/proxy/proxy_server.h"

namespace pwplay::host::proxy {
namespace {

constexpr size_t kMaxRootEvents = 10000;

void use_threads_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    evthread_use_pthreads();
    // A client that goes away mid-write must not kill the process.
    signal(SIGPIPE, SIG_IGN);
  });
}

}  // namespace

struct Proxy::Shared {
  std::mutex control;  // serializes start / stop

  mutable std::mutex mutex;  // guards everything below
  ProxyStats stats;
  std::shared_ptr<const std::vector<std::shared_ptr<RecordHandler>>> handlers =
      std::make_shared<std::vector<std::shared_ptr<RecordHandler>>>();
  std::map<uint64_t, std::shared_ptr<RecordHandler>> handler_ids;
  uint64_t next_handler = 1;
  std::deque<TraceEvent> root_events;

  std::atomic<bool> has_handlers{false};
  std::atomic<bool> running{false};
  std::atomic<uint16_t> port{0};
  std::thread thread;
  std::thread::id loop_thread;
  event_base* base = nullptr;     // valid while running
  event* stop_event = nullptr;    // valid while running; made active by stop()
  ProxyServer* server = nullptr;  // loop thread only

  void publish(StreamRecord&& record, ProxyDebugger* debugger) {
    std::shared_ptr<const std::vector<std::shared_ptr<RecordHandler>>> current;
    {
      std::lock_guard<std::mutex> lock(mutex);
      current = handlers;
    }
    for (const auto& handler : *current) (*handler)(record);
    if (debugger) debugger->finished(std::move(record));
  }
  void rebuild_handlers() {
    auto list = std::make_shared<std::vector<std::shared_ptr<RecordHandler>>>();
    for (const auto& [id, handler] : handler_ids) list->push_back(handler);
    has_handlers = !list->empty();
    handlers = std::move(list);
  }
};

Proxy::Proxy() : shared_(std::make_shared<Shared>()) {}

Proxy::~Proxy() {
  stop();
}

Result<void> Proxy::start(ProxyOptions options) {
  std::lock_guard<std::mutex> control(shared_->control);
  if (shared_->running) return make_error("the proxy is already running");
  use_threads_once();
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->stats = ProxyStats{};
  }
  std::shared_ptr<Shared> shared = shared_;
  std::promise<Result<void>> started;
  std::future<Result<void>> outcome = started.get_future();
  shared->thread = std::thread([shared, options = std::move(options), &started]() mutable {
    event_base* base = event_base_new();
    if (!base) {
      started.set_value(make_error("cannot create the event loop"));
      return;
    }
    ServerHooks hooks;
    Shared* s = shared.get();
    hooks.update_stats = [s](const std::function<void(ProxyStats&)>& change) {
      std::lock_guard<std::mutex> lock(s->mutex);
      change(s->stats);
    };
    ProxyDebugger* debugger = options.debugger;
    hooks.wants_records = [s, debugger] {
      return debugger || s->has_handlers.load(std::memory_order_relaxed);
    };
    hooks.publish = [s, debugger](StreamRecord&& record) {
      s->publish(std::move(record), debugger);
    };
    hooks.root_event = [s](TraceEvent&& event) {
      std::lock_guard<std::mutex> lock(s->mutex);
      s->root_events.push_back(std::move(event));
      while (s->root_events.size() > kMaxRootEvents) s->root_events.pop_front();
    };
    auto server = ProxyServer::create(base, std::move(options), std::move(hooks));
    if (!server) {
      event_base_free(base);
      started.set_value(unexpected(server.error()));
      return;
    }
    // stop() makes this event active rather than calling event_base_loopbreak: a break that
    // comes before event_base_loop starts is forgotten (the loop clears it), an active event
    // is not, so a stop right after start cannot leave the loop running.
    std::unique_ptr<event, decltype(&event_free)> stop_event(
        event_new(
            base, -1, 0,
            [](evutil_socket_t, short, void* loop) {
              event_base_loopbreak(static_cast<event_base*>(loop));
            },
            base),
        &event_free);
    shared->stop_event = stop_event.get();
    shared->base = base;
    shared->server = server->get();
    shared->loop_thread = std::this_thread::get_id();
    shared->port = (*server)->port();
    shared->running = true;
    started.set_value({});
    event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    // Stopped: end the streams and shut the plugins down on this thread, outside any callback.
    (*server)->shutdown();
    shared->server = nullptr;
    server->reset();
    shared->base = nullptr;
    shared->stop_event = nullptr;
    stop_event.reset();
    event_base_free(base);
  });
  Result<void> result = outcome.get();
  if (!result) {
    shared->thread.join();
    return result;
  }
  return {};
}

uint16_t Proxy::port() const {
  return shared_->port;
}

bool Proxy::running() const {
  return shared_->running;
}

void Proxy::stop() {
  std::lock_guard<std::mutex> control(shared_->control);
  if (!shared_->running) {
    if (shared_->thread.joinable()) shared_->thread.join();
    return;
  }
  event_active(shared_->stop_event, EV_TIMEOUT, 0);
  shared_->thread.join();
  shared_->running = false;
  shared_->port = 0;
}

ProxyStats Proxy::stats() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->stats;
}

uint64_t Proxy::subscribe(RecordHandler handler) {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  uint64_t id = shared_->next_handler++;
  shared_->handler_ids[id] = std::make_shared<RecordHandler>(std::move(handler));
  shared_->rebuild_handlers();
  return id;
}

void Proxy::unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->handler_ids.erase(id);
  shared_->rebuild_handlers();
}

std::vector<TraceEvent> Proxy::take_root_events() {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  std::vector<TraceEvent> out(std::make_move_iterator(shared_->root_events.begin()),
                              std::make_move_iterator(shared_->root_events.end()));
  shared_->root_events.clear();
  return out;
}

bool Proxy::execute(const std::function<void(HostEnv& env)>& task) {
  std::lock_guard<std::mutex> control(shared_->control);
  if (!shared_->running || !shared_->server) return false;
  std::shared_ptr<Shared> shared = shared_;
  if (std::this_thread::get_id() == shared->loop_thread) {
    task(shared->server->env());
    return true;
  }
  std::promise<void> done;
  shared->server->dispatcher().post([shared, &task, &done] {
    if (shared->server) task(shared->server->env());
    done.set_value();
  });
  done.get_future().wait();
  return true;
}

}  // namespace pwplay::host::proxy
