// config (AssemblyScript): header rules read from the plugin configuration, like
// samples/cpp/header_rules.cc but in a line format that needs no JSON parser:
//
//   request add x-env: dev
//   request replace user-agent: pwplay
//   request remove x-debug
//   response add x-served-by: config_as
//
// Configure: proxy_on_configure reads the PLUGIN_CONFIGURATION buffer (proxy_get_buffer_bytes)
//   and parses it. A line it cannot read fails the start-up (onConfigure returns false) with an
//   error log naming the line.
// Headers: applies the rules with proxy_remove_header_map_value, proxy_replace_header_map_value
//   and proxy_add_header_map_value, in the order they were written.
// Without a configuration the filter uses EXAMPLE_RULES, so its request preset shows something.

export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext,
  Context,
  registerRootContext,
  FilterHeadersStatusValues,
  LogLevelValues,
  log,
  stream_context,
} from "@solo-io/proxy-runtime";
import { BufferTypeValues, get_buffer_bytes } from "@solo-io/proxy-runtime/runtime";

const EXAMPLE_RULES = "request add x-env: playground\nrequest replace user-agent: config_as\n" +
  "request remove x-debug\nresponse add x-served-by: config_as\n";

class Rule {
  constructor(public response: bool, public action: string, public name: string, public value: string) {}
}

class ConfigRoot extends RootContext {
  rules: Rule[] = [];

  // Reads the PLUGIN_CONFIGURATION buffer itself: proxy-runtime 0.1.8's own getConfiguration()
  // passes the size where a pointer belongs (see add_header.ts).
  onConfigure(configuration_size: u32): bool {
    let text = EXAMPLE_RULES;
    if (configuration_size > 0) {
      text = String.UTF8.decode(get_buffer_bytes(BufferTypeValues.PluginConfiguration, 0, configuration_size));
    } else {
      log(LogLevelValues.info, "config: no configuration: using the example rules");
    }
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line.length == 0 || line.startsWith("#")) continue;
      const error = this.addRule(line);
      if (error.length > 0) {
        log(LogLevelValues.error, "config: bad configuration, line " + (i + 1).toString() + ": " + error);
        return false;
      }
    }
    log(LogLevelValues.info, "config: " + this.rules.length.toString() + " rules");
    return true;
  }

  // "" on success, else what is wrong with the line.
  addRule(line: string): string {
    const first = line.indexOf(" ");
    const second = first < 0 ? -1 : line.indexOf(" ", first + 1);
    if (second < 0) return "expected '<request|response> <add|replace|remove> <name>[: value]'";
    const direction = line.substring(0, first);
    const action = line.substring(first + 1, second);
    const rest = line.substring(second + 1).trim();
    if (direction != "request" && direction != "response") return "expected request or response, got '" + direction + "'";
    if (action != "add" && action != "replace" && action != "remove") return "expected add, replace or remove, got '" + action + "'";
    const colon = rest.indexOf(":");
    if (action == "remove") {
      if (colon >= 0 || rest.length == 0) return "remove takes a header name only";
      this.rules.push(new Rule(direction == "response", action, rest.toLowerCase(), ""));
      return "";
    }
    if (colon <= 0) return action + " needs '<name>: <value>'";
    const name = rest.substring(0, colon).trim().toLowerCase();
    const value = rest.substring(colon + 1).trim();
    this.rules.push(new Rule(direction == "response", action, name, value));
    return "";
  }

  createContext(context_id: u32): Context {
    return new Config(context_id, this);
  }
}

class Config extends Context {
  constructor(context_id: u32, root_context: ConfigRoot) {
    super(context_id, root_context);
  }

  apply(response: bool): void {
    const rules = (this.root_context as ConfigRoot).rules;
    const headers = response ? stream_context.headers.response : stream_context.headers.request;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (rule.response != response) continue;
      if (rule.action == "add") headers.add(rule.name, rule.value);
      else if (rule.action == "replace") headers.replace(rule.name, rule.value);
      else headers.remove(rule.name);
    }
  }

  onRequestHeaders(num_headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    this.apply(false);
    return FilterHeadersStatusValues.Continue;
  }

  onResponseHeaders(num_headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    this.apply(true);
    return FilterHeadersStatusValues.Continue;
  }
}

function newRoot(context_id: u32): RootContext {
  return new ConfigRoot(context_id);
}
registerRootContext(newRoot, "config");
registerRootContext(newRoot, "");
