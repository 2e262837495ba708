// The V8 engine behind the Vm interface. This header stays free of V8 types so engine-neutral
// code can create V8 VMs without pulling in V8's headers.
#pragma once

#include <memory>
#include <string>

#include "abi/result.h"
#include "host/vm.h"

namespace pwplay::host {

// A new V8 VM with its own isolate and context. Initializes the process-wide V8 platform on
// first use. Must be used from the thread that created it (terminate() excepted).
Result<std::unique_ptr<Vm>> create_v8_vm(const VmOptions& options);

// "10.2.154", without starting V8.
std::string v8_engine_version();

}  // namespace pwplay::host
