#include "debugger/formats/har_scenarios.h"

namespace pwplay::debugger {

ScenarioSuite har_scenarios(const std::string& file, const std::vector<NamedRequest>& requests,
                            const PluginSpec& plugin) {
  ScenarioSuite suite;
  suite.path = file;
  for (const auto& named : requests) {
    Scenario scenario;
    scenario.name = "entry " + std::to_string(named.entry) + ": " + named.name;
    scenario.request = named.request;
    scenario.plugin = plugin;
    if (named.request.upstream.mock)
      scenario.expect.status = named.request.upstream.mock->status;
    else
      scenario.name += " (no recorded response: status not checked)";
    suite.scenarios.push_back(std::move(scenario));
  }
  return suite;
}

}  // namespace pwplay::debugger
