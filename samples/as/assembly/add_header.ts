// add_header (AssemblyScript): the same filter as samples/cpp/add_header.cc, written
// with the @solo-io/proxy-runtime SDK.
//
// Request headers:  adds `x-wasm-filter: <plugin configuration>` (or "add-header" when
//                   the configuration is empty) and logs `add-header: <method> <path>`.
// Response headers: adds `x-wasm-response: add-header`.

// Re-exporting the SDK's `proxy` module exports the ABI callbacks, the allocator and the
// version marker the host looks for.
export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext,
  Context,
  registerRootContext,
  FilterHeadersStatusValues,
  LogLevelValues,
  log,
  stream_context,
} from "@solo-io/proxy-runtime";
import { BufferTypeValues, get_buffer_bytes } from "@solo-io/proxy-runtime/runtime";

// One root context per plugin; it keeps the plugin configuration.
class AddHeaderRoot extends RootContext {
  config: string = "";

  // proxy-runtime 0.1.8's default onConfigure passes the configuration size where the
  // host expects a result pointer, so getConfiguration() stays empty (and the host
  // writes into a random address). Read the PLUGIN_CONFIGURATION buffer ourselves.
  onConfigure(configuration_size: u32): bool {
    const bytes = get_buffer_bytes(BufferTypeValues.PluginConfiguration, 0, configuration_size);
    this.config = String.UTF8.decode(bytes);
    return true;
  }

  createContext(context_id: u32): Context {
    return new AddHeader(context_id, this);
  }
}

// One stream context per request.
class AddHeader extends Context {
  constructor(context_id: u32, root_context: AddHeaderRoot) {
    super(context_id, root_context);
  }

  onRequestHeaders(num_headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const method = stream_context.headers.request.get(":method");
    const path = stream_context.headers.request.get(":path");
    log(LogLevelValues.info, "add-header: " + method + " " + path);

    const config = (this.root_context as AddHeaderRoot).config;
    const value = config == "" ? "add-header" : config;
    stream_context.headers.request.add("x-wasm-filter", value);
    return FilterHeadersStatusValues.Continue;
  }

  onResponseHeaders(num_headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    stream_context.headers.response.add("x-wasm-response", "add-header");
    return FilterHeadersStatusValues.Continue;
  }
}

// The SDK picks the root context factory by the host property `plugin_root_id`.
// Register under "add_header" and under "" (hosts that leave the root id empty).
function newRoot(context_id: u32): RootContext {
  return new AddHeaderRoot(context_id);
}
registerRootContext(newRoot, "add_header");
registerRootContext(newRoot, "");
