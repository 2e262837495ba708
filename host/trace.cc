#include "host/trace.h"

namespace pwplay::host {

const char* pause_point_name(PausePoint::Where where) {
  switch (where) {
    case PausePoint::Where::CallbackEnter:
      return "entering a callback";
    case PausePoint::Where::CallbackExit:
      return "leaving a callback";
    case PausePoint::Where::HostCallDone:
      return "after a host call";
    case PausePoint::Where::Trap:
      return "after a trap";
    case PausePoint::Where::Instruction:
      return "at a wasm instruction";
  }
  return "";
}

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
