// shared_data (AssemblyScript): counts requests in shared data, with compare-and-swap,
// as samples/cpp/shared_counter.cc does.
//
// Shared data is a key-value store every VM with the same vm_id sees (one VM per worker
// thread in a real proxy). Request headers: reads the key "as_requests"
// (proxy_get_shared_data gives the value and its CAS number), writes value + 1 passing that CAS
// (proxy_set_shared_data), and retries on CAS_MISMATCH (another VM wrote in between). Adds
// `x-request-count: <n>` upstream.
// proxy-runtime 0.1.8's own get_shared_data/set_shared_data pass the wrong pointers, so this
// sample calls the host functions directly: the out-parameters are addresses of small
// `Reference` objects, and the value the host allocated (with the SDK's malloc) is freed here.

export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext,
  Context,
  registerRootContext,
  FilterHeadersStatusValues,
  LogLevelValues,
  WasmResultValues,
  log,
  stream_context,
} from "@solo-io/proxy-runtime";
import { Reference } from "@solo-io/proxy-runtime/runtime";
import { free } from "@solo-io/proxy-runtime/malloc";
import * as imports from "@solo-io/proxy-runtime/imports";

const KEY = "as_requests";
const MAX_ATTEMPTS = 16;

class SharedValue {
  constructor(public value: string, public cas: u32) {}
}

// The value and CAS number of `key`, or null when the key does not exist yet.
function getShared(key: string): SharedValue | null {
  const name = String.UTF8.encode(key);
  const data = new Reference<usize>();
  const size = new Reference<usize>();
  const cas = new Reference<u32>();
  const result = imports.proxy_get_shared_data(changetype<usize>(name), name.byteLength, data.ptr(), size.ptr(), cas.ptr());
  if (result != WasmResultValues.Ok) return null;
  const text = size.data == 0 ? "" : String.UTF8.decodeUnsafe(data.data, size.data);
  if (data.data != 0) free(data.data); // the host allocated it in our memory: ours to free
  return new SharedValue(text, cas.data);
}

function setShared(key: string, value: string, cas: u32): WasmResultValues {
  const name = String.UTF8.encode(key);
  const bytes = String.UTF8.encode(value);
  return imports.proxy_set_shared_data(changetype<usize>(name), name.byteLength, changetype<usize>(bytes), bytes.byteLength, cas);
}

// The new count, or 0 when the update kept losing the race.
function increment(): u64 {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = getShared(KEY);
    let count: u64 = 0;
    let cas: u32 = 0; // 0: the key does not exist yet
    if (current != null) {
      count = current.value.length > 0 ? U64.parseInt(current.value) : 0;
      cas = current.cas;
    }
    count += 1;
    const result = setShared(KEY, count.toString(), cas);
    if (result == WasmResultValues.Ok) return count;
    if (result != WasmResultValues.CasMismatch) return 0;
  }
  return 0;
}

class SharedDataRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new SharedData(context_id, this);
  }
}

class SharedData extends Context {
  constructor(context_id: u32, root_context: SharedDataRoot) {
    super(context_id, root_context);
  }

  onRequestHeaders(num_headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const count = increment();
    if (count == 0) {
      log(LogLevelValues.warn, "shared_data: could not update the shared counter");
    } else {
      stream_context.headers.request.add("x-request-count", count.toString());
      log(LogLevelValues.info, "shared_data: request " + count.toString());
    }
    return FilterHeadersStatusValues.Continue;
  }
}

function newRoot(context_id: u32): RootContext {
  return new SharedDataRoot(context_id);
}
registerRootContext(newRoot, "shared_data");
registerRootContext(newRoot, "");
