#include "app/cli/bench_run.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "debugger/runner.h"
#include "host/filter_chain.h"
#include "host/local_run.h"
#include "host/plugin.h"
#include "host/proxy/proxy.h"

namespace pwplay::app {

uint64_t bench_warmup_requests(uint64_t requests) {
  return std::clamp<uint64_t>(requests / 100, 10, 200);
}

uint64_t leak_warmup_requests(uint64_t requests) {
  return std::max<uint64_t>(requests / 10, 100);
}

double BenchRun::requests_per_s() const {
  return wall_ns ? static_cast<double>(view.requests) * 1e9 / static_cast<double>(wall_ns) : 0;
}

double BenchRun::ns_per_request() const {
  return view.requests ? static_cast<double>(wall_ns) / static_cast<double>(view.requests) : 0;
}

double BenchRun::cpu_ns_per_request() const {
  return view.requests ? static_cast<double>(cpu_ns) / static_cast<double>(view.requests) : 0;
}

namespace {

using Clock = std::chrono::steady_clock;

uint64_t since_ns(Clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
}

uint64_t process_cpu_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(now.tv_nsec);
}

// How often --leak-check samples memory: every 1 % of the requests.
uint64_t sample_step(uint64_t requests) {
  return std::max<uint64_t>(requests / 100, 1);
}

host::HostEnvOptions env_options(const debugger::RequestFile& request) {
  host::HostEnvOptions options;
  for (const auto& [path, value] : request.properties) options.properties[path] = value;
  return options;
}

// The verdict on the memory samples; the leak warm-up counts from the first measured request.
void judge(BenchRun& run, const host::PluginPerfSnapshot& last, uint64_t base_requests,
           const BenchSettings& settings) {
  // A native filter's heap is the process's: the host sees no linear memory to judge.
  if (!settings.leak_check || run.engine == "native") return;
  std::sort(run.memory.begin(), run.memory.end(),
            [](const debugger::LeakSample& a, const debugger::LeakSample& b) {
              return a.requests < b.requests;
            });
  run.leak = debugger::judge_leak(
      run.memory, base_requests + leak_warmup_requests(settings.requests), last.growth);
}

// --- in process ------------------------------------------------------------------------------

Result<BenchRun> run_in_process(const debugger::PluginSpec& spec,
                                const debugger::RequestFile& request,
                                const BenchSettings& settings) {
  auto resolved = debugger::resolve_plugin(spec);
  if (!resolved) return unexpected(resolved.error());
  host::SimulatedDispatcher dispatcher;
  host::MockCalloutClient callouts(dispatcher);
  debugger::set_callout_mocks(callouts, request);
  host::HostEnv env(dispatcher, callouts, env_options(request));
  auto plugin = host::Plugin::create(env, resolved->config, std::move(resolved->wasm));
  if (!plugin) return make_error("the filter did not load: " + plugin.error().message);
  host::FilterChain chain(env);
  chain.add(std::move(*plugin));
  host::warm_up(chain, dispatcher, spec.warmup());

  uint64_t upstream = 0;  // requests that reached the upstream (not answered by the filter)
  auto send = [&](uint64_t number, const char* phase) -> Result<void> {
    host::RunReport report =
        host::run_request(chain, dispatcher, request.request, request.upstream);
    if (report.upstream_request) ++upstream;
    std::string problem;
    if (chain.plugin(0).failure())
      problem = "the filter failed: " + chain.plugin(0).failure()->message;
    else if (report.stalled)
      problem = "it never completed: " + report.stall_reason;
    else if (report.reset)
      problem = "the stream was reset: " + report.reset_reason;
    else if (!report.response)
      problem = "no response";
    if (problem.empty()) return {};
    return make_error(std::string(phase) + " request " + std::to_string(number) +
                      " failed: " + problem);
  };
  auto read = [&] { return env.perf().read(env.elapsed_ns()).at(0); };

  const uint64_t warmup = bench_warmup_requests(settings.requests);
  for (uint64_t i = 1; i <= warmup; ++i)
    if (auto sent = send(i, "warm-up"); !sent) return unexpected(sent.error());

  BenchRun run;
  run.engine = spec.engine;
  const uint64_t step = sample_step(settings.requests);
  const uint64_t progress_step = std::max<uint64_t>(settings.requests / 200, 1);
  host::PluginPerfSnapshot before = read();
  const uint64_t upstream_before = upstream;
  if (settings.leak_check) run.memory.push_back({before.requests, before.memory_bytes});
  uint64_t sampling_ns = 0;  // reading the counters is left out of the wall time
  const uint64_t cpu_start = process_cpu_ns();
  const auto start = Clock::now();
  for (uint64_t i = 1; i <= settings.requests; ++i) {
    if (auto sent = send(i, "measured"); !sent) return unexpected(sent.error());
    if (settings.leak_check && i % step == 0) {
      const auto sampling = Clock::now();
      const uint64_t memory = chain.plugin(0).vm().memory().size();
      run.memory.push_back({before.requests + i, memory});
      sampling_ns += since_ns(sampling);
    }
    if (settings.progress && (i % progress_step == 0 || i == settings.requests))
      settings.progress(i);
  }
  run.wall_ns = since_ns(start) - sampling_ns;
  const uint64_t cpu_ns = process_cpu_ns() - cpu_start;
  run.cpu_ns = cpu_ns - std::min(sampling_ns, cpu_ns);
  host::PluginPerfSnapshot after = read();
  run.view = debugger::PerfModel::difference(after, &before);
  run.upstream_requests = upstream - upstream_before;
  judge(run, after, before.requests, settings);
  return run;
}

// --- through the proxy -------------------------------------------------------------------------

// The request as HTTP/1.1 bytes on a keep-alive connection.
std::string http_request(const host::RequestSpec& request) {
  std::string body = request.body;
  for (const auto& chunk : request.body_chunks) body += chunk;
  std::string out = request.method + " " + request.path + " HTTP/1.1\r\n";
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.starts_with(":") || lower == "content-length" || lower == "transfer-encoding" ||
        lower == "connection")
      continue;
    if (lower == "host") has_host = true;
    out += name + ": " + value + "\r\n";
  }
  if (!has_host) out += "host: localhost\r\n";
  if (!body.empty() || request.method == "POST" || request.method == "PUT")
    out += "content-length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n" + body;
  return out;
}

// How long the bench's client waits for a response through the proxy.
constexpr int kResponseTimeoutSeconds = 10;

// One blocking keep-alive client connection to the proxy.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { close(); }

  Result<void> open(uint16_t port) {
    close();
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return make_error(std::string("socket: ") + std::strerror(errno));
    // A request that never completes (a filter that pauses it for good) fails the bench instead
    // of hanging it (docs/reliability.md, Limits).
    timeval timeout{kResponseTimeoutSeconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      return make_error("cannot connect to the proxy on 127.0.0.1:" + std::to_string(port) + ": " +
                        std::strerror(errno));
    buffer_.clear();
    return {};
  }

  // Sends one request and reads its response: the status, or an error. `closed` says the proxy
  // closed the connection after it (a new one is needed).
  Result<uint32_t> exchange(const std::string& bytes, bool head, bool& closed) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return make_error(std::string("send: ") + std::strerror(errno));
      sent += static_cast<size_t>(n);
    }
    size_t end = std::string::npos;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return make_error(no_response());
    const std::string head_text = lowercase(buffer_.substr(0, end + 2));
    buffer_.erase(0, end + 4);
    if (!head_text.starts_with("http/1.1 ") && !head_text.starts_with("http/1.0 "))
      return make_error("not an HTTP response");
    const uint32_t status = static_cast<uint32_t>(std::atoi(head_text.c_str() + 9));
    closed = head_text.find("\r\nconnection: close\r\n") != std::string::npos;
    const bool no_body = head || status == 204 || status == 304 || status < 200;
    if (no_body) return status;
    if (head_text.find("\r\ntransfer-encoding: chunked\r\n") != std::string::npos) {
      if (!read_chunked()) return make_error("a chunked response body ended early");
      return status;
    }
    const size_t at = head_text.find("\r\ncontent-length:");
    if (at == std::string::npos) {
      while (fill()) {
      }
      buffer_.clear();
      closed = true;
      return status;
    }
    const size_t length = std::strtoull(head_text.c_str() + at + 17, nullptr, 10);
    while (buffer_.size() < length)
      if (!fill()) return make_error("the response body ended early");
    buffer_.erase(0, length);
    return status;
  }

 private:
  static std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  }
  // Why no response came: the timeout, or the proxy closed the connection.
  std::string no_response() const {
    if (timed_out_)
      return "no response within " + std::to_string(kResponseTimeoutSeconds) +
             " s (the filter may have paused the request for good)";
    return "the proxy closed the connection before a response";
  }
  bool fill() {
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    timed_out_ = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  bool read_chunked() {
    for (;;) {
      size_t line;
      while ((line = buffer_.find("\r\n")) == std::string::npos)
        if (!fill()) return false;
      const size_t size = std::strtoull(buffer_.c_str(), nullptr, 16);
      buffer_.erase(0, line + 2);
      if (size == 0) {
        // Trailers, if any, end with an empty line.
        size_t end;
        while (!buffer_.starts_with("\r\n") &&
               (end = buffer_.find("\r\n\r\n")) == std::string::npos)
          if (!fill()) return false;
        if (buffer_.starts_with("\r\n"))
          buffer_.erase(0, 2);
        else
          buffer_.erase(0, buffer_.find("\r\n\r\n") + 4);
        return true;
      }
      while (buffer_.size() < size + 2)
        if (!fill()) return false;
      buffer_.erase(0, size + 2);
    }
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
  std::string buffer_;
  bool timed_out_ = false;
};

// What the client threads share.
struct ProxyBench {
  std::string request_bytes;
  bool head = false;
  std::atomic<uint64_t> done{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;  // guards error and memory
  std::string error;
  std::vector<debugger::LeakSample> memory;
  // Streams the proxy finished (its record handler, on the proxy thread).
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> upstream{0};
  std::atomic<uint64_t> failed{0};
  host::proxy::Proxy proxy;  // last: stopped before the counters its handler updates go away

  std::optional<host::PluginPerfSnapshot> read() {
    std::optional<host::PluginPerfSnapshot> snapshot;
    proxy.execute([&](host::HostEnv& env) {
      auto all = env.perf().read(env.elapsed_ns());
      if (!all.empty()) snapshot = std::move(all.front());
    });
    return snapshot;
  }
  void fail(const std::string& message) {
    std::lock_guard lock(mutex);
    if (error.empty()) error = message;
    stop = true;
  }
  // Waits (a little) for the proxy to publish `count` finished streams.
  void settle(uint64_t count) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (records.load() < count && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
};

// One client connection sending `count` requests.
void send_requests(ProxyBench& bench, uint64_t count, uint64_t sample_every, bool sample) {
  Connection connection;
  if (auto opened = connection.open(bench.proxy.port()); !opened)
    return bench.fail(opened.error().message);
  for (uint64_t i = 0; i < count && !bench.stop; ++i) {
    bool closed = false;
    auto status = connection.exchange(bench.request_bytes, bench.head, closed);
    if (!status) return bench.fail("request failed: " + status.error().message);
    const uint64_t done = ++bench.done;
    if (sample && done % sample_every == 0) {
      if (auto snapshot = bench.read()) {
        std::lock_guard lock(bench.mutex);
        bench.memory.push_back({snapshot->requests, snapshot->memory_bytes});
      }
    }
    if (closed)
      if (auto opened = connection.open(bench.proxy.port()); !opened)
        return bench.fail(opened.error().message);
  }
}

Result<BenchRun> run_via_proxy(const debugger::PluginSpec& spec,
                               const debugger::RequestFile& request,
                               const BenchSettings& settings) {
  auto resolved = debugger::resolve_plugin(spec);
  if (!resolved) return unexpected(resolved.error());
  ProxyBench bench;
  bench.request_bytes = http_request(request.request);
  bench.head = request.request.method == "HEAD";
  host::proxy::ProxyOptions options;
  options.plugins.push_back(std::move(*resolved));
  options.capture_messages = false;
  options.env = env_options(request);
  if (request.upstream.mock)
    options.upstream = host::proxy::UpstreamConfig::mock_response(*request.upstream.mock);
  bench.proxy.subscribe([&bench](const host::proxy::StreamRecord& record) {
    if (!record.failed_plugins.empty() || record.reset) ++bench.failed;
    if (record.status != 0 && !record.local_reply && !record.reset) ++bench.upstream;
    ++bench.records;
  });
  if (auto started = bench.proxy.start(std::move(options)); !started)
    return make_error("the filter did not load: " + started.error().message);

  const uint64_t warmup = bench_warmup_requests(settings.requests);
  send_requests(bench, warmup, 1, false);
  if (!bench.error.empty()) return make_error("warm-up: " + bench.error);
  bench.settle(warmup);
  if (bench.failed) return make_error("a warm-up request failed in the filter");
  auto before = bench.read();
  if (!before) return make_error("cannot read the proxy's counters");
  const uint64_t upstream_before = bench.upstream;
  bench.done = 0;
  if (settings.leak_check) bench.memory.push_back({before->requests, before->memory_bytes});

  const uint64_t connections = std::max<uint64_t>(1, settings.concurrency);
  const uint64_t cpu_start = process_cpu_ns();
  const auto start = Clock::now();
  {
    std::vector<std::jthread> clients;
    for (uint64_t c = 0; c < connections; ++c) {
      const uint64_t count =
          settings.requests / connections + (c < settings.requests % connections ? 1 : 0);
      clients.emplace_back([&bench, count, &settings] {
        send_requests(bench, count, sample_step(settings.requests), settings.leak_check);
      });
    }
    // Progress from here while the clients send.
    while (bench.done < settings.requests && !bench.stop) {
      if (settings.progress) settings.progress(bench.done);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  const uint64_t wall_ns = since_ns(start);
  const uint64_t cpu_ns = process_cpu_ns() - cpu_start;
  if (!bench.error.empty()) return make_error(bench.error);
  if (settings.progress) settings.progress(bench.done);
  bench.settle(warmup + settings.requests);
  if (bench.failed)
    return make_error(std::to_string(bench.failed.load()) + " request(s) failed in the filter");
  auto after = bench.read();
  if (!after) return make_error("cannot read the proxy's counters");
  BenchRun run;
  run.engine = spec.engine;
  run.wall_ns = wall_ns;
  run.cpu_ns = cpu_ns;
  run.view = debugger::PerfModel::difference(*after, &*before);
  run.upstream_requests = bench.upstream - upstream_before;
  run.memory = std::move(bench.memory);
  judge(run, *after, before->requests, settings);
  bench.proxy.stop();
  return run;
}

}  // namespace

Result<BenchRun> run_bench(const debugger::PluginSpec& spec, const debugger::RequestFile& request,
                           const BenchSettings& settings) {
  auto run = settings.via_proxy ? run_via_proxy(spec, request, settings)
                                : run_in_process(spec, request, settings);
  if (!run) return make_error(spec.engine + ": " + run.error().message);
  return run;
}

}  // namespace pwplay::app
