#include "host/proxy/libevent_version.h"

#include <event2/event.h>

namespace pwplay::host::proxy {

std::string libevent_version() {
  const char* version = event_get_version();
  return version ? version : "";
}

}  // namespace pwplay::host::proxy
