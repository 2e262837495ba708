#include "host/trace.h"

namespace pwplay::host {

const char* event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::Callback:
      return "callback";
    case EventKind::HostCall:
      return "hostcall";
    case EventKind::Copy:
      return "copy";
    case EventKind::Log:
      return "log";
    case EventKind::Trap:
      return "trap";
    case EventKind::Memory:
      return "memory";
    case EventKind::Lifecycle:
      return "lifecycle";
  }
  return "unknown";
}

}  // namespace pwplay::host
