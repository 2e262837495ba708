// deny_list (AssemblyScript): the same filter as samples/cpp/deny_list.cc, written with the
// @solo-io/proxy-runtime SDK.
//
// Configure:        asks the cluster named by the plugin configuration (default "rules") for
//                   `GET /deny-list`; the answer's body is one path per line.
// Callout response: keeps the paths and logs how many it loaded.
// Request headers:  a request whose path (without the query) is on the list gets a local 403;
//                   before the list has arrived, requests go through with a warning.

export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext,
  Context,
  registerRootContext,
  FilterHeadersStatusValues,
  GrpcStatusValues,
  HeaderPair,
  Headers,
  LogLevelValues,
  WasmResultValues,
  log,
  send_local_response,
  stream_context,
} from "@solo-io/proxy-runtime";
import { BufferTypeValues, get_buffer_bytes } from "@solo-io/proxy-runtime/runtime";

let denied = new Set<string>();
let loaded = false;

function header(name: string, value: string): HeaderPair {
  return new HeaderPair(String.UTF8.encode(name), String.UTF8.encode(value));
}

// The rules call's answer (a plain function: the SDK's callbacks cannot capture state).
function onRules(origin: Context, num_headers: u32, body_size: usize, num_trailers: u32): void {
  const status = num_headers == 0 ? "" : stream_context.headers.http_callback.get(":status");
  if (status != "200") {
    log(LogLevelValues.warn, "deny_list: the rules call failed (status '" + status + "'): no path is denied");
    return;
  }
  const body = String.UTF8.decode(get_buffer_bytes(BufferTypeValues.HttpCallResponseBody, 0, body_size as u32));
  const lines = body.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.endsWith("\r")) line = line.substring(0, line.length - 1);
    if (line.length > 0) denied.add(line);
  }
  loaded = true;
  log(LogLevelValues.info, "deny_list: loaded " + denied.size.toString() + " denied paths");
}

class DenyListRoot extends RootContext {
  // proxy-runtime 0.1.8's own onConfigure reads the configuration wrongly (see add_header.ts):
  // read the PLUGIN_CONFIGURATION buffer here.
  onConfigure(configuration_size: u32): bool {
    let cluster = "rules";
    if (configuration_size > 0) {
      cluster = String.UTF8.decode(get_buffer_bytes(BufferTypeValues.PluginConfiguration, 0, configuration_size));
    }
    const headers: Headers = [header(":method", "GET"), header(":path", "/deny-list"), header(":authority", cluster)];
    const trailers: Headers = [];
    const result = this.httpCall(cluster, headers, new ArrayBuffer(0), trailers, 2000, this, onRules);
    if (result != WasmResultValues.Ok) {
      log(LogLevelValues.error, "deny_list: cannot call the cluster '" + cluster + "'");
      return false;
    }
    log(LogLevelValues.info, "deny_list: asked '" + cluster + "' for the deny-list");
    return true;
  }

  createContext(context_id: u32): Context {
    return new DenyList(context_id, this);
  }
}

class DenyList extends Context {
  constructor(context_id: u32, root_context: DenyListRoot) {
    super(context_id, root_context);
  }

  onRequestHeaders(num_headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const path = stream_context.headers.request.get(":path");
    if (!loaded) {
      log(LogLevelValues.warn, "deny_list: the deny-list has not arrived yet; letting " + path + " through");
      return FilterHeadersStatusValues.Continue;
    }
    const query = path.indexOf("?");
    const bare = query < 0 ? path : path.substring(0, query);
    if (!denied.has(bare)) return FilterHeadersStatusValues.Continue;
    log(LogLevelValues.info, "deny_list: denied " + path);
    const none: Headers = [];
    send_local_response(403, "denied_by_deny_list", String.UTF8.encode("denied by deny_list\n"), none, GrpcStatusValues.InvalidCode);
    return FilterHeadersStatusValues.StopIteration;
  }
}

function newRoot(context_id: u32): RootContext {
  return new DenyListRoot(context_id);
}
registerRootContext(newRoot, "deny_list");
registerRootContext(newRoot, "");
