// The WABT interpreter behind the Vm interface: slow (Debian's build keeps assertions on) but it
// can stop between instructions, so it is the engine for instruction stepping. This header is
// engine-neutral: WABT's interpreter headers stay inside host/engines/wabt/ (see
// interp_adapter.h for why they are compiled apart).
#pragma once

#include <memory>

#include "abi/result.h"
#include "host/vm.h"

namespace pwplay::host {

// A new VM on WABT's interpreter with its own store. Must be used from the thread that created it
// (terminate() excepted).
Result<std::unique_ptr<Vm>> create_wabt_vm(const VmOptions& options);

// "1.0.32".
std::string wabt_version();

}  // namespace pwplay::host
