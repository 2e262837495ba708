#include "host/trace.h"

#include <cstdio>

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

std::string printable(std::string_view bytes, size_t limit) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  if (bytes.size() > limit) out += "...";
  return out;
}

std::string printable_text(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string format_fields(const std::vector<TraceField>& fields, size_t value_limit) {
  std::string out;
  for (const auto& field : fields) {
    if (!out.empty()) out += ", ";
    out += field.name + "=" + (value_limit ? printable(field.value, value_limit) : field.value);
  }
  return out;
}

std::string event_arguments(const TraceEvent& event, size_t value_limit) {
  if (event.kind != EventKind::Copy) return format_fields(event.args, value_limit);
  char where[48];
  std::snprintf(where, sizeof(where), " %u B @ 0x%x", event.length, event.address);
  std::string out = event.direction == CopyDirection::HostToVm ? "host -> vm" : "vm -> host";
  out += where;
  if (!event.label.empty()) out += "  " + event.label;
  return out;
}

std::string event_line(const TraceEvent& event, const EventLineOptions& options) {
  std::string line = std::string(event_kind_name(event.kind)) + " " + event.name;
  auto value = [&](const TraceField& field) {
    return options.value_limit ? printable(field.value, options.value_limit) : field.value;
  };
  if (options.style == EventLineOptions::Style::Words) {
    if (!event.phase.empty()) line += " " + event.phase;
    for (const auto& field : event.args)
      if (!options.skip || !options.skip(field)) line += " " + field.name + "=" + value(field);
  } else {
    if (!event.phase.empty()) line += " (" + event.phase + ")";
    std::vector<TraceField> kept;
    for (const auto& field : event.args)
      if (!options.skip || !options.skip(field)) kept.push_back(field);
    line += "(" +
            (event.kind == EventKind::Copy ? event_arguments(event, options.value_limit)
                                           : format_fields(kept, options.value_limit)) +
            ")";
  }
  if (!event.result.empty()) line += " -> " + event.result;
  if (event.injected && options.mark_injected) line += " [injected]";
  return line;
}

}  // namespace pwplay::host
