// The version of the libevent the proxy runs on, for the desktop app's About window.
#pragma once

#include <string>

namespace pwplay::host::proxy {

// "2.1.12-stable": the library's own answer at run time.
std::string libevent_version();

}  // namespace pwplay::host::proxy
