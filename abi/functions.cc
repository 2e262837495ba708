#include "abi/functions.h"

#include <array>

namespace pwplay::abi {
namespace {

using G = HostFunctionGroup;
constexpr ImportModule E = ImportModule::Env;
constexpr ImportModule W = ImportModule::Wasi;
// Allowed during start-up (S) and from inside the allocator (A); see PhaseMask.
constexpr PhaseMask S = kDuringStartUp;
constexpr PhaseMask A = kFromAllocator;

// One row per host function: everything about it but its implementation, which
// host/abi_host_table.cc maps to each row (a unit test checks that the two agree).
constexpr HostFunctionSpec kHostFunctions[] = {
    // Lifecycle, context, time.
    {"proxy_set_effective_context", E, {"i", "i"}, kAllVersions, G::Lifecycle, "context_id"},
    {"proxy_done", E, {"", "i"}, kAllVersions, G::Lifecycle, ""},
    {"proxy_get_current_time_nanoseconds", E, {"i", "i"}, kAllVersions, G::Lifecycle, "ret_time"},
    {"proxy_set_tick_period_milliseconds", E, {"i", "i"}, kAllVersions, G::Timers, "period_ms"},
    {"proxy_get_configuration", E, {"ii", "i"}, kV010, G::Buffers, "ret_data,ret_size"},
    // Logging.
    {"proxy_log", E, {"iii", "i"}, kAllVersions, G::Logging, "level,message,message_size", S | A},
    {"proxy_get_log_level", E, {"i", "i"}, kV021, G::Logging, "ret_level"},
    // Buffers.
    {"proxy_get_buffer_bytes",
     E,
     {"iiiii", "i"},
     kAllVersions,
     G::Buffers,
     "buffer_type,start,max_size,ret_data,ret_size"},
    {"proxy_get_buffer_status",
     E,
     {"iii", "i"},
     kAllVersions,
     G::Buffers,
     "buffer_type,ret_size,ret_flags"},
    {"proxy_set_buffer_bytes",
     E,
     {"iiiii", "i"},
     kAllVersions,
     G::Buffers,
     "buffer_type,start,size,data,data_size"},
    // Header maps.
    {"proxy_get_header_map_pairs",
     E,
     {"iii", "i"},
     kAllVersions,
     G::HeaderMaps,
     "map_type,ret_data,ret_size"},
    {"proxy_set_header_map_pairs",
     E,
     {"iii", "i"},
     kAllVersions,
     G::HeaderMaps,
     "map_type,data,data_size"},
    {"proxy_get_header_map_value",
     E,
     {"iiiii", "i"},
     kAllVersions,
     G::HeaderMaps,
     "map_type,key,key_size,ret_value,ret_value_size"},
    {"proxy_add_header_map_value",
     E,
     {"iiiii", "i"},
     kAllVersions,
     G::HeaderMaps,
     "map_type,key,key_size,value,value_size"},
    {"proxy_replace_header_map_value",
     E,
     {"iiiii", "i"},
     kAllVersions,
     G::HeaderMaps,
     "map_type,key,key_size,value,value_size"},
    {"proxy_remove_header_map_value",
     E,
     {"iii", "i"},
     kAllVersions,
     G::HeaderMaps,
     "map_type,key,key_size"},
    {"proxy_get_header_map_size", E, {"ii", "i"}, kAllVersions, G::HeaderMaps, "map_type,ret_size"},
    // Stream control and local replies.
    {"proxy_continue_request", E, {"", "i"}, kV010, G::StreamControl, ""},
    {"proxy_continue_response", E, {"", "i"}, kV010, G::StreamControl, ""},
    {"proxy_clear_route_cache", E, {"", "i"}, kV010, G::StreamControl, ""},
    {"proxy_continue_stream", E, {"i", "i"}, kV02x, G::StreamControl, "stream_type"},
    {"proxy_close_stream", E, {"i", "i"}, kV02x, G::StreamControl, "stream_type"},
    {"proxy_send_local_response",
     E,
     {"iiiiiiii", "i"},
     kAllVersions,
     G::StreamControl,
     "status_code,details,details_size,body,body_size,headers,headers_size,grpc_status"},
    {"proxy_get_status",
     E,
     {"iii", "i"},
     kAllVersions,
     G::Callouts,
     "ret_code,ret_message,ret_message_size"},
    // Callouts.
    {"proxy_http_call",
     E,
     {"iiiiiiiiii", "i"},
     kAllVersions,
     G::Callouts,
     "upstream,upstream_size,headers,headers_size,body,body_size,trailers,trailers_size,"
     "timeout_ms,ret_token"},
    {"proxy_grpc_call",
     E,
     {"iiiiiiiiiiii", "i"},
     kAllVersions,
     G::Grpc,
     "upstream,upstream_size,service,service_size,method,method_size,initial_metadata,"
     "initial_metadata_size,message,message_size,timeout_ms,ret_token"},
    {"proxy_grpc_stream",
     E,
     {"iiiiiiiii", "i"},
     kAllVersions,
     G::Grpc,
     "upstream,upstream_size,service,service_size,method,method_size,initial_metadata,"
     "initial_metadata_size,ret_token"},
    {"proxy_grpc_send",
     E,
     {"iiii", "i"},
     kAllVersions,
     G::Grpc,
     "token,message,message_size,end_stream"},
    {"proxy_grpc_cancel", E, {"i", "i"}, kAllVersions, G::Grpc, "token"},
    {"proxy_grpc_close", E, {"i", "i"}, kAllVersions, G::Grpc, "token"},
    // Shared data and queues.
    {"proxy_set_shared_data",
     E,
     {"iiiii", "i"},
     kAllVersions,
     G::SharedData,
     "key,key_size,value,value_size,cas"},
    {"proxy_get_shared_data",
     E,
     {"iiiii", "i"},
     kAllVersions,
     G::SharedData,
     "key,key_size,ret_value,ret_value_size,ret_cas"},
    {"proxy_register_shared_queue",
     E,
     {"iii", "i"},
     kAllVersions,
     G::SharedQueues,
     "name,name_size,ret_queue_id"},
    {"proxy_resolve_shared_queue",
     E,
     {"iiiii", "i"},
     kAllVersions,
     G::SharedQueues,
     "vm_id,vm_id_size,name,name_size,ret_queue_id"},
    {"proxy_enqueue_shared_queue",
     E,
     {"iii", "i"},
     kAllVersions,
     G::SharedQueues,
     "queue_id,value,value_size"},
    {"proxy_dequeue_shared_queue",
     E,
     {"iii", "i"},
     kAllVersions,
     G::SharedQueues,
     "queue_id,ret_value,ret_value_size"},
    // Metrics.
    {"proxy_define_metric",
     E,
     {"iiii", "i"},
     kAllVersions,
     G::Metrics,
     "metric_type,name,name_size,ret_metric_id"},
    {"proxy_increment_metric", E, {"iI", "i"}, kAllVersions, G::Metrics, "metric_id,offset"},
    {"proxy_record_metric", E, {"iI", "i"}, kAllVersions, G::Metrics, "metric_id,value"},
    {"proxy_get_metric", E, {"ii", "i"}, kAllVersions, G::Metrics, "metric_id,ret_value"},
    // Properties and foreign functions.
    {"proxy_get_property",
     E,
     {"iiii", "i"},
     kAllVersions,
     G::Properties,
     "path,path_size,ret_value,ret_value_size"},
    {"proxy_set_property",
     E,
     {"iiii", "i"},
     kAllVersions,
     G::Properties,
     "path,path_size,value,value_size"},
    {"proxy_call_foreign_function",
     E,
     {"iiiiii", "i"},
     kAllVersions,
     G::ForeignFunctions,
     "name,name_size,arguments,arguments_size,ret_results,ret_results_size"},
    // Emscripten legacy.
    {"pthread_equal", E, {"ii", "i"}, kAllVersions, G::Emscripten, "a,b"},
    {"emscripten_notify_memory_growth",
     E,
     {"i", ""},
     kAllVersions,
     G::Emscripten,
     "memory_index",
     S},
    // WASI (registered under wasi_snapshot_preview1 and wasi_unstable).
    {"fd_write", W, {"iiii", "i"}, kAllVersions, G::Wasi, "fd,iovs,iovs_len,ret_nwritten", S | A},
    {"fd_pwrite",
     W,
     {"iiiIi", "i"},
     kAllVersions,
     G::Wasi,
     "fd,iovs,iovs_len,offset,ret_nwritten",
     S},
    {"fd_read", W, {"iiii", "i"}, kAllVersions, G::Wasi, "fd,iovs,iovs_len,ret_nread"},
    {"fd_pread", W, {"iiiIi", "i"}, kAllVersions, G::Wasi, "fd,iovs,iovs_len,offset,ret_nread", S},
    {"fd_seek", W, {"iIii", "i"}, kAllVersions, G::Wasi, "fd,offset,whence,ret_offset"},
    {"fd_tell", W, {"ii", "i"}, kAllVersions, G::Wasi, "fd,ret_offset", S},
    {"fd_close", W, {"i", "i"}, kAllVersions, G::Wasi, "fd"},
    {"fd_fdstat_get", W, {"ii", "i"}, kAllVersions, G::Wasi, "fd,ret_fdstat", S},
    {"fd_fdstat_set_flags", W, {"ii", "i"}, kAllVersions, G::Wasi, "fd,flags", S},
    {"fd_fdstat_set_rights", W, {"iII", "i"}, kAllVersions, G::Wasi, "fd,base,inheriting", S},
    {"fd_filestat_get", W, {"ii", "i"}, kAllVersions, G::Wasi, "fd,ret_filestat", S},
    {"fd_filestat_set_size", W, {"iI", "i"}, kAllVersions, G::Wasi, "fd,size", S},
    {"fd_filestat_set_times", W, {"iIIi", "i"}, kAllVersions, G::Wasi, "fd,atim,mtim,flags", S},
    {"fd_advise", W, {"iIIi", "i"}, kAllVersions, G::Wasi, "fd,offset,len,advice", S},
    {"fd_allocate", W, {"iII", "i"}, kAllVersions, G::Wasi, "fd,offset,len", S},
    {"fd_datasync", W, {"i", "i"}, kAllVersions, G::Wasi, "fd", S},
    {"fd_sync", W, {"i", "i"}, kAllVersions, G::Wasi, "fd", S},
    {"fd_readdir", W, {"iiiIi", "i"}, kAllVersions, G::Wasi, "fd,buf,buf_len,cookie,ret_used", S},
    {"fd_renumber", W, {"ii", "i"}, kAllVersions, G::Wasi, "fd,to", S},
    {"fd_prestat_get", W, {"ii", "i"}, kAllVersions, G::Wasi, "fd,ret_prestat", S},
    {"fd_prestat_dir_name", W, {"iii", "i"}, kAllVersions, G::Wasi, "fd,path,path_len", S},
    {"path_open",
     W,
     {"iiiiiIIii", "i"},
     kAllVersions,
     G::Wasi,
     "fd,dirflags,path,path_len,oflags,rights_base,rights_inheriting,fdflags,ret_fd"},
    {"path_filestat_get",
     W,
     {"iiiii", "i"},
     kAllVersions,
     G::Wasi,
     "fd,flags,path,path_len,ret_filestat",
     S},
    {"path_filestat_set_times",
     W,
     {"iiiiIIi", "i"},
     kAllVersions,
     G::Wasi,
     "fd,flags,path,path_len,atim,mtim,fst_flags",
     S},
    {"path_create_directory", W, {"iii", "i"}, kAllVersions, G::Wasi, "fd,path,path_len", S},
    {"path_remove_directory", W, {"iii", "i"}, kAllVersions, G::Wasi, "fd,path,path_len", S},
    {"path_unlink_file", W, {"iii", "i"}, kAllVersions, G::Wasi, "fd,path,path_len", S},
    {"path_rename",
     W,
     {"iiiiii", "i"},
     kAllVersions,
     G::Wasi,
     "fd,old_path,old_path_len,new_fd,new_path,new_path_len",
     S},
    {"path_readlink",
     W,
     {"iiiiii", "i"},
     kAllVersions,
     G::Wasi,
     "fd,path,path_len,buf,buf_len,ret_used",
     S},
    {"path_link",
     W,
     {"iiiiiii", "i"},
     kAllVersions,
     G::Wasi,
     "old_fd,old_flags,old_path,old_path_len,new_fd,new_path,new_path_len",
     S},
    {"path_symlink",
     W,
     {"iiiii", "i"},
     kAllVersions,
     G::Wasi,
     "old_path,old_path_len,fd,new_path,new_path_len",
     S},
    {"sock_accept", W, {"iii", "i"}, kAllVersions, G::Wasi, "fd,flags,ret_fd", S},
    {"sock_recv",
     W,
     {"iiiiii", "i"},
     kAllVersions,
     G::Wasi,
     "fd,ri_data,ri_data_len,ri_flags,ret_size,ret_flags",
     S},
    {"sock_send",
     W,
     {"iiiii", "i"},
     kAllVersions,
     G::Wasi,
     "fd,si_data,si_data_len,si_flags,ret_size",
     S},
    {"sock_shutdown", W, {"ii", "i"}, kAllVersions, G::Wasi, "fd,how", S},
    {"environ_sizes_get", W, {"ii", "i"}, kAllVersions, G::Wasi, "ret_count,ret_buf_size", S},
    {"environ_get", W, {"ii", "i"}, kAllVersions, G::Wasi, "ret_environ,ret_buf", S},
    {"args_sizes_get", W, {"ii", "i"}, kAllVersions, G::Wasi, "ret_argc,ret_buf_size", S},
    {"args_get", W, {"ii", "i"}, kAllVersions, G::Wasi, "ret_argv,ret_buf", S},
    {"clock_time_get",
     W,
     {"iIi", "i"},
     kAllVersions,
     G::Wasi,
     "clock_id,precision,ret_time",
     S | A},
    {"clock_res_get", W, {"ii", "i"}, kAllVersions, G::Wasi, "clock_id,ret_resolution", S},
    {"random_get", W, {"ii", "i"}, kAllVersions, G::Wasi, "buf,buf_len", S},
    {"sched_yield", W, {"", "i"}, kAllVersions, G::Wasi, ""},
    {"poll_oneoff",
     W,
     {"iiii", "i"},
     kAllVersions,
     G::Wasi,
     "in,out,nsubscriptions,ret_nevents",
     S | A},
    {"proc_exit", W, {"i", ""}, kAllVersions, G::Wasi, "code"},
};

constexpr CallbackSpec kCallbacks[] = {
    {"proxy_on_context_create", {"ii", ""}, kAllVersions, "context_id,parent_context_id"},
    {"proxy_on_vm_start", {"ii", "i"}, kAllVersions, "root_context_id,vm_configuration_size"},
    {"proxy_on_configure", {"ii", "i"}, kAllVersions, "root_context_id,plugin_configuration_size"},
    {"proxy_validate_configuration",
     {"ii", "i"},
     kAllVersions,
     "root_context_id,plugin_configuration_size"},
    {"proxy_on_tick", {"i", ""}, kAllVersions, "root_context_id"},
    {"proxy_on_queue_ready", {"ii", ""}, kAllVersions, "root_context_id,queue_id"},
    {"proxy_on_foreign_function", {"iii", ""}, kV02x, "root_context_id,function_id,arguments_size"},
    {"proxy_on_new_connection", {"i", "i"}, kAllVersions, "context_id"},
    {"proxy_on_downstream_data", {"iii", "i"}, kAllVersions, "context_id,data_size,end_of_stream"},
    {"proxy_on_downstream_connection_close", {"ii", ""}, kAllVersions, "context_id,peer_type"},
    {"proxy_on_upstream_data", {"iii", "i"}, kAllVersions, "context_id,data_size,end_of_stream"},
    {"proxy_on_upstream_connection_close", {"ii", ""}, kAllVersions, "context_id,peer_type"},
    {"proxy_on_request_headers", {"ii", "i"}, kV010, "context_id,num_headers"},
    {"proxy_on_request_headers", {"iii", "i"}, kV02x, "context_id,num_headers,end_of_stream"},
    {"proxy_on_request_body", {"iii", "i"}, kAllVersions, "context_id,body_size,end_of_stream"},
    {"proxy_on_request_trailers", {"ii", "i"}, kAllVersions, "context_id,num_trailers"},
    {"proxy_on_request_metadata", {"ii", "i"}, kAllVersions, "context_id,num_elements"},
    {"proxy_on_response_headers", {"ii", "i"}, kV010, "context_id,num_headers"},
    {"proxy_on_response_headers", {"iii", "i"}, kV02x, "context_id,num_headers,end_of_stream"},
    {"proxy_on_response_body", {"iii", "i"}, kAllVersions, "context_id,body_size,end_of_stream"},
    {"proxy_on_response_trailers", {"ii", "i"}, kAllVersions, "context_id,num_trailers"},
    {"proxy_on_response_metadata", {"ii", "i"}, kAllVersions, "context_id,num_elements"},
    {"proxy_on_http_call_response",
     {"iiiii", ""},
     kAllVersions,
     "root_context_id,token,num_headers,body_size,num_trailers"},
    {"proxy_on_grpc_receive_initial_metadata",
     {"iii", ""},
     kAllVersions,
     "root_context_id,token,num_elements"},
    {"proxy_on_grpc_receive", {"iii", ""}, kAllVersions, "root_context_id,token,message_size"},
    {"proxy_on_grpc_receive_trailing_metadata",
     {"iii", ""},
     kAllVersions,
     "root_context_id,token,num_elements"},
    {"proxy_on_grpc_trailing_metadata",
     {"iii", ""},
     kAllVersions,
     "root_context_id,token,num_elements"},
    {"proxy_on_grpc_close", {"iii", ""}, kAllVersions, "root_context_id,token,status_code"},
    {"proxy_on_done", {"i", "i"}, kAllVersions, "context_id"},
    {"proxy_on_log", {"i", ""}, kAllVersions, "context_id"},
    {"proxy_on_delete", {"i", ""}, kAllVersions, "context_id"},
    {"proxy_on_memory_allocate", {"i", "i"}, kAllVersions, "size"},
    {"malloc", {"i", "i"}, kAllVersions, "size"},
    {"_initialize", {"", ""}, kAllVersions, ""},
    {"main", {"ii", "i"}, kAllVersions, "argc,argv"},
    {"__main_void", {"", "i"}, kAllVersions, ""},
    {"_start", {"", ""}, kAllVersions, ""},
};

}  // namespace

std::span<const HostFunctionSpec> host_functions() {
  return kHostFunctions;
}
std::span<const CallbackSpec> callbacks() {
  return kCallbacks;
}

const HostFunctionSpec* find_host_function(std::string_view name) {
  for (const auto& spec : kHostFunctions)
    if (spec.name == name) return &spec;
  return nullptr;
}

const CallbackSpec* find_callback(std::string_view name, AbiVersion version) {
  for (const auto& spec : kCallbacks)
    if (spec.name == name && has_version(spec.versions, version)) return &spec;
  return nullptr;
}

bool is_abi_export(std::string_view name) {
  if (name == kMarker010 || name == kMarker020 || name == kMarker021) return true;
  if (name == "memory") return true;
  for (const auto& spec : kCallbacks)
    if (spec.name == name) return true;
  return false;
}

bool is_abi_import(std::string_view module, std::string_view name) {
  const HostFunctionSpec* spec = find_host_function(name);
  if (!spec) return false;
  if (spec->module == ImportModule::Env) return module == "env";
  return module == "wasi_snapshot_preview1" || module == "wasi_unstable";
}

Result<AbiVersion> detect_abi_version_from(std::span<const std::string_view> export_names) {
  std::vector<std::string_view> unknown;
  for (std::string_view name : export_names) {
    if (name == kMarker010) return AbiVersion::v0_1_0;
    if (name == kMarker020) return AbiVersion::v0_2_0;
    if (name == kMarker021) return AbiVersion::v0_2_1;
    if (name.starts_with("proxy_abi_") || name.find("abi_version") != std::string_view::npos)
      unknown.push_back(name);
  }
  if (!unknown.empty()) {
    std::string found;
    for (std::string_view name : unknown) {
      if (!found.empty()) found += ", ";
      found += name;
    }
    return make_error("unknown proxy-wasm ABI version: found " + found +
                      "; supported markers are proxy_abi_version_0_1_0, "
                      "proxy_abi_version_0_2_0 and proxy_abi_version_0_2_1");
  }
  return make_error(
      "missing proxy-wasm ABI version: the module exports none of proxy_abi_version_0_1_0, "
      "proxy_abi_version_0_2_0, proxy_abi_version_0_2_1");
}

}  // namespace pwplay::abi
