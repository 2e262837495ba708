// AbiHost's implementation table: which member function implements each row of the ABI's host
// function table (abi/functions.cc holds everything else about a host function: module,
// signature, versions, start-up and allocator permissions). To add a host function, add its abi
// row, its member function in the room for its subject, and one line here.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "host/abi_host.h"

namespace pwplay::host {

std::span<const AbiHost::ImplRow> AbiHost::implementation_rows() {
  static constexpr ImplRow kRows[] = {
      // abi_host.cc: logging, time, contexts.
      {"proxy_log", &AbiHost::proxy_log},
      {"proxy_get_log_level", &AbiHost::proxy_get_log_level},
      {"proxy_get_current_time_nanoseconds", &AbiHost::proxy_get_current_time_nanoseconds},
      {"proxy_set_tick_period_milliseconds", &AbiHost::proxy_set_tick_period_milliseconds},
      {"proxy_set_effective_context", &AbiHost::proxy_set_effective_context},
      {"proxy_done", &AbiHost::proxy_done},
      {"proxy_get_configuration", &AbiHost::proxy_get_configuration},
      // abi_host_http.cc: buffers, header maps, stream control.
      {"proxy_get_buffer_bytes", &AbiHost::proxy_get_buffer_bytes},
      {"proxy_get_buffer_status", &AbiHost::proxy_get_buffer_status},
      {"proxy_set_buffer_bytes", &AbiHost::proxy_set_buffer_bytes},
      {"proxy_get_header_map_pairs", &AbiHost::proxy_get_header_map_pairs},
      {"proxy_set_header_map_pairs", &AbiHost::proxy_set_header_map_pairs},
      {"proxy_get_header_map_value", &AbiHost::proxy_get_header_map_value},
      {"proxy_add_header_map_value", &AbiHost::proxy_add_header_map_value},
      {"proxy_replace_header_map_value", &AbiHost::proxy_replace_header_map_value},
      {"proxy_remove_header_map_value", &AbiHost::proxy_remove_header_map_value},
      {"proxy_get_header_map_size", &AbiHost::proxy_get_header_map_size},
      {"proxy_continue_request", &AbiHost::proxy_continue_request},
      {"proxy_continue_response", &AbiHost::proxy_continue_response},
      {"proxy_clear_route_cache", &AbiHost::proxy_clear_route_cache},
      {"proxy_continue_stream", &AbiHost::proxy_continue_stream},
      {"proxy_close_stream", &AbiHost::proxy_close_stream},
      {"proxy_send_local_response", &AbiHost::proxy_send_local_response},
      // abi_host_callouts.cc: HTTP and gRPC callouts.
      {"proxy_get_status", &AbiHost::proxy_get_status},
      {"proxy_http_call", &AbiHost::proxy_http_call},
      {"proxy_grpc_call", &AbiHost::proxy_grpc_call},
      {"proxy_grpc_stream", &AbiHost::proxy_grpc_stream},
      {"proxy_grpc_send", &AbiHost::proxy_grpc_send},
      {"proxy_grpc_cancel", &AbiHost::proxy_grpc_cancel},
      {"proxy_grpc_close", &AbiHost::proxy_grpc_close},
      // abi_host_shared.cc: shared data and queues, metrics, properties, foreign functions.
      {"proxy_set_shared_data", &AbiHost::proxy_set_shared_data},
      {"proxy_get_shared_data", &AbiHost::proxy_get_shared_data},
      {"proxy_register_shared_queue", &AbiHost::proxy_register_shared_queue},
      {"proxy_resolve_shared_queue", &AbiHost::proxy_resolve_shared_queue},
      {"proxy_enqueue_shared_queue", &AbiHost::proxy_enqueue_shared_queue},
      {"proxy_dequeue_shared_queue", &AbiHost::proxy_dequeue_shared_queue},
      {"proxy_define_metric", &AbiHost::proxy_define_metric},
      {"proxy_increment_metric", &AbiHost::proxy_increment_metric},
      {"proxy_record_metric", &AbiHost::proxy_record_metric},
      {"proxy_get_metric", &AbiHost::proxy_get_metric},
      {"proxy_get_property", &AbiHost::proxy_get_property},
      {"proxy_set_property", &AbiHost::proxy_set_property},
      {"proxy_call_foreign_function", &AbiHost::proxy_call_foreign_function},
      // abi_host_wasi.cc: Emscripten shims and WASI (shared answers for what has no file system).
      {"pthread_equal", &AbiHost::pthread_equal},
      {"emscripten_notify_memory_growth", &AbiHost::emscripten_notify_memory_growth},
      {"fd_write", &AbiHost::wasi_fd_write},
      {"fd_pwrite", &AbiHost::wasi_fd_pwrite},
      {"fd_read", &AbiHost::wasi_fd_read},
      {"fd_pread", &AbiHost::wasi_nosys},
      {"fd_seek", &AbiHost::wasi_fd_seek},
      {"fd_tell", &AbiHost::wasi_fd_tell},
      {"fd_close", &AbiHost::wasi_fd_close},
      {"fd_fdstat_get", &AbiHost::wasi_fd_fdstat_get},
      {"fd_fdstat_set_flags", &AbiHost::wasi_nosys},
      {"fd_fdstat_set_rights", &AbiHost::wasi_stdio_only},
      {"fd_filestat_get", &AbiHost::wasi_badf},
      {"fd_filestat_set_size", &AbiHost::wasi_stdio_only},
      {"fd_filestat_set_times", &AbiHost::wasi_stdio_only},
      {"fd_advise", &AbiHost::wasi_success},
      {"fd_allocate", &AbiHost::wasi_stdio_only},
      {"fd_datasync", &AbiHost::wasi_stdio_only},
      {"fd_sync", &AbiHost::wasi_stdio_only},
      {"fd_readdir", &AbiHost::wasi_fd_readdir},
      {"fd_renumber", &AbiHost::wasi_fd_renumber},
      {"fd_prestat_get", &AbiHost::wasi_badf},
      {"fd_prestat_dir_name", &AbiHost::wasi_nosys},
      {"path_open", &AbiHost::wasi_path_open},
      {"path_filestat_get", &AbiHost::wasi_notsup},
      {"path_filestat_set_times", &AbiHost::wasi_notsup},
      {"path_create_directory", &AbiHost::wasi_notsup},
      {"path_remove_directory", &AbiHost::wasi_notsup},
      {"path_unlink_file", &AbiHost::wasi_notsup},
      {"path_rename", &AbiHost::wasi_notsup},
      {"path_readlink", &AbiHost::wasi_path_readlink},
      {"path_link", &AbiHost::wasi_notsup},
      {"path_symlink", &AbiHost::wasi_notsup},
      {"sock_accept", &AbiHost::wasi_sock_accept},
      {"sock_recv", &AbiHost::wasi_sock_recv},
      {"sock_send", &AbiHost::wasi_sock_send},
      {"sock_shutdown", &AbiHost::wasi_notsup},
      {"environ_sizes_get", &AbiHost::wasi_environ_sizes_get},
      {"environ_get", &AbiHost::wasi_environ_get},
      {"args_sizes_get", &AbiHost::wasi_args_sizes_get},
      {"args_get", &AbiHost::wasi_args_get},
      {"clock_time_get", &AbiHost::wasi_clock_time_get},
      {"clock_res_get", &AbiHost::wasi_clock_res_get},
      {"random_get", &AbiHost::wasi_random_get},
      {"sched_yield", &AbiHost::wasi_success},
      {"poll_oneoff", &AbiHost::wasi_poll_oneoff},
      {"proc_exit", &AbiHost::wasi_proc_exit},
  };
  return kRows;
}

AbiHost::Impl AbiHost::implementation_of(const abi::HostFunctionSpec& spec) {
  // Indexed like abi::host_functions(), built once: resolving an import is a lookup by position.
  static const std::vector<Impl> by_row = [] {
    std::map<std::string_view, Impl> by_name;
    for (const ImplRow& row : implementation_rows()) by_name.emplace(row.name, row.impl);
    std::vector<Impl> impls;
    for (const abi::HostFunctionSpec& abi_row : abi::host_functions()) {
      auto found = by_name.find(abi_row.name);
      impls.push_back(found == by_name.end() ? nullptr : found->second);
    }
    return impls;
  }();
  std::span<const abi::HostFunctionSpec> specs = abi::host_functions();
  std::less<const abi::HostFunctionSpec*> before;
  if (before(&spec, specs.data()) || !before(&spec, specs.data() + specs.size())) return nullptr;
  return by_row[static_cast<size_t>(&spec - specs.data())];
}

std::vector<std::string> AbiHost::function_table_problems() {
  std::vector<std::string> problems;
  std::map<std::string_view, int> implemented;
  for (const ImplRow& row : implementation_rows()) {
    if (!row.impl) problems.push_back(std::string(row.name) + ": null implementation");
    if (++implemented[row.name] == 2)
      problems.push_back(std::string(row.name) + ": implemented twice in host/abi_host_table.cc");
    if (!abi::find_host_function(row.name))
      problems.push_back(std::string(row.name) +
                         ": implemented in host/abi_host_table.cc but not in abi/functions.cc");
  }
  for (const abi::HostFunctionSpec& spec : abi::host_functions())
    if (!implemented.count(spec.name))
      problems.push_back(std::string(spec.name) +
                         ": in abi/functions.cc but not implemented in host/abi_host_table.cc");
  return problems;
}

}  // namespace pwplay::host
