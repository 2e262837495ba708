// The native engine ("null VM"): a filter built from the same sources as a shared object (.so)
// runs as machine code in the pwplay process, as the baseline of the performance view. It is
// never a default: a native filter that crashes takes the whole process down, nothing stops an
// endless loop, and its memory is not isolated from the host's.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"
#include "host/vm.h"

namespace pwplay::host {

// A VM that loads a native filter (the bytes of an ELF shared object) with dlopen. Each Vm loads
// its own copy, so two plugins never share the filter's globals.
Result<std::unique_ptr<Vm>> create_native_vm(const VmOptions& options);

// "glibc 2.36": the loader that runs native filters.
std::string native_engine_version();

// The ABI host functions the pwplay executable provides to native filters, as C functions with
// these names (the filter leaves them undefined; the dynamic loader binds them to pwplay's).
std::vector<std::string_view> native_host_function_names();

}  // namespace pwplay::host
