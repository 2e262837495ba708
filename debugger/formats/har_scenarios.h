// A HAR file as a scenario suite (`pwplay test --har`): each HTTP entry becomes a scenario whose
// request is the entry's request, whose upstream answers with the entry's recorded response, and
// which expects the client to receive the recorded status.
#pragma once

#include <string>
#include <vector>

#include "debugger/formats/har.h"
#include "debugger/formats/scenario.h"
#include "debugger/plugin_spec.h"

namespace pwplay::debugger {

// One scenario per request, named "entry N: NAME", each run with `plugin`. An entry with no
// recorded response (status 0: blocked or aborted in the browser) goes to the embedded echo
// upstream and has no status to expect; its name says so.
ScenarioSuite har_scenarios(const std::string& file, const std::vector<NamedRequest>& requests,
                            const PluginSpec& plugin);

}  // namespace pwplay::debugger
