// auth_callout (AssemblyScript): asks an "auth" service before letting a request through,
// as samples/cpp/http_callout.cc does, with @solo-io/proxy-runtime's httpCall.
//
// Request headers: sends `GET /check` (with `x-original-path`) to the cluster "auth"
//   (proxy_http_call) and pauses the request (StopIteration).
// Callout response: proxy_on_http_call_response arrives on the root context; the SDK maps the
//   call's token back to the stream, switches to it (proxy_set_effective_context) and calls
//   onAuthAnswer. Status 200 resumes the request (proxy_continue_stream) with `x-auth: ok`;
//   anything else, or no answer at all, gets a local 403 "denied by auth".

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
  continue_request,
  stream_context,
} from "@solo-io/proxy-runtime";

function header(name: string, value: string): HeaderPair {
  return new HeaderPair(String.UTF8.encode(name), String.UTF8.encode(value));
}

function deny(): void {
  const none: Headers = [];
  send_local_response(403, "denied_by_auth", String.UTF8.encode("denied by auth\n"), none, GrpcStatusValues.InvalidCode);
}

// The SDK calls this with the stream already made the effective context.
function onAuthAnswer(origin: Context, num_headers: u32, body_size: usize, num_trailers: u32): void {
  if (num_headers == 0) {
    log(LogLevelValues.warn, "auth_callout: the auth call failed");
    deny();
    return;
  }
  const status = stream_context.headers.http_callback.get(":status");
  if (status != "200") {
    log(LogLevelValues.info, "auth_callout: auth answered " + status);
    deny();
    return;
  }
  stream_context.headers.request.add("x-auth", "ok");
  continue_request();
}

class AuthRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new AuthCallout(context_id, this);
  }
}

class AuthCallout extends Context {
  constructor(context_id: u32, root_context: AuthRoot) {
    super(context_id, root_context);
  }

  onRequestHeaders(num_headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const path = stream_context.headers.request.get(":path");
    const headers: Headers = [
      header(":method", "GET"),
      header(":path", "/check"),
      header(":authority", "auth"),
      header("x-original-path", path),
    ];
    const trailers: Headers = [];
    const result = this.root_context.httpCall("auth", headers, new ArrayBuffer(0), trailers, 1000, this, onAuthAnswer);
    if (result != WasmResultValues.Ok) {
      log(LogLevelValues.error, "auth_callout: cannot call the auth cluster");
      deny();
    }
    return FilterHeadersStatusValues.StopIteration; // until onAuthAnswer decides
  }
}

function newRoot(context_id: u32): RootContext {
  return new AuthRoot(context_id);
}
registerRootContext(newRoot, "auth_callout");
registerRootContext(newRoot, "");
