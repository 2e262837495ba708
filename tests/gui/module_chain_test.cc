// The Module tab's model (the module read on the engine thread, imports outside the ABI flagged,
// a function picked by name, a search that jumps between hits) and the Filter panel's chain
// (adds, moves, removes, switches, the plugin specs a load takes, JSON checks of configuration),
// through the command table and a real session.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "app/gui/core/chain_model.h"
#include "app/gui/core/module_model.h"
#include "app/gui/core/session_commands.h"
#include "gui/gui_test_support.h"
#include "support/wat.h"

namespace pwplay::gui {
namespace {

using namespace std::chrono_literals;

using test_support::sample;

// An ABI 0.2.1 filter that also imports a host function no proxy implements (so it does not
// load) and exports a helper of its own.
constexpr const char* kCustomImportWat = R"((module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (import "env" "acme_private_call" (func $acme (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func $helper (export "acme_helper") (param $x i32) (result i32)
    (i32.add (local.get $x) (call $acme (i32.const 7))))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $helper (i32.const 41)))
    (i32.const 0)))
)";

class ModuleChain : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("pwplay-module-chain-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    register_module_commands(commands_, model_, session_, [this] { ++shown_; });
    register_chain_commands(commands_, workspace_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<void> run(std::string_view id, std::string_view arg = {}) {
    return commands_.run(id, CommandSource::Automation, arg);
  }
  bool have_samples() const {
    return std::filesystem::exists(sample("add_header.wasm")) &&
           std::filesystem::exists(sample("add_header_as.wasm"));
  }
  std::string write_wat(const std::string& name, const char* wat) const {
    auto wasm = test::wat_to_wasm(wat);
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(wasm.data()),
               static_cast<std::streamsize>(wasm.size()));
    return path;
  }
  // Loads `path` alone and waits for the engine; `loads`: whether it must succeed.
  void load(const std::string& path, bool loads = true) {
    workspace_.filter.wasm_path = path;
    ASSERT_TRUE(load_filter(session_, workspace_));
    ASSERT_EQ(session_.wait(30s), debugger::SessionState::Idle);
    ASSERT_EQ(session_.snapshot()->plugin.loaded, loads) << session_.snapshot()->plugin.error;
  }
  std::shared_ptr<const Snapshot> settle() {
    EXPECT_EQ(session_.wait(30s), debugger::SessionState::Idle);
    auto snapshot = session_.snapshot();
    model_.apply(*snapshot);
    return snapshot;
  }

  std::filesystem::path dir_;
  Workspace workspace_;
  debugger::Session session_;
  Commands commands_;
  ModuleModel model_;
  int shown_ = 0;
};

TEST_F(ModuleChain, ShowModuleReadsTheLoadedModuleOnTheEngineThreadOncePerBuild) {
  if (!have_samples()) GTEST_SKIP() << "samples not built";
  EXPECT_FALSE(run("show-module"));  // nothing loaded yet: says so
  load(sample("add_header.wasm"));
  ASSERT_TRUE(run("show-module"));
  EXPECT_EQ(shown_, 2);
  auto snapshot = settle();
  const debugger::ModuleView* view = model_.view(*snapshot);
  ASSERT_NE(view, nullptr);
  EXPECT_TRUE(view->error.empty()) << view->error;
  EXPECT_EQ(view->abi_version, "0.2.1");
  EXPECT_EQ(view->build, snapshot->plugin.build);
  ASSERT_TRUE(view->info && view->wat);
  // Every import of the sample is part of the ABI (or WASI), so none is flagged.
  ASSERT_FALSE(view->info->imports.empty());
  for (const auto& import : view->info->imports)
    EXPECT_TRUE(host::is_abi_import(import)) << import.module << "." << import.name;
  EXPECT_TRUE(view->info->has_name_section());
  // The standard sections are listed with their sizes, the code section among them.
  bool code = false;
  for (const auto& section : view->info->sections)
    code = code || (section.name == "code" && section.size > 0);
  EXPECT_TRUE(code);
  // Nothing more to read for this build; a reload makes the view stale and asks again.
  EXPECT_FALSE(model_.read_needed(*snapshot));
  ASSERT_TRUE(session_.reload());
  EXPECT_EQ(model_.view(*session_.snapshot()), nullptr);
  EXPECT_TRUE(model_.read_needed(*session_.snapshot()));
  // The disassembly the debugger shows is the same one, not read again.
  auto wat = session_.disassembly();
  ASSERT_TRUE(wat);
}

TEST_F(ModuleChain, ImportsAndExportsOutsideTheAbiAreFlagged) {
  // No proxy implements the private import, so the load fails; the tab shows the module and
  // the import that made it fail.
  load(write_wat("custom.wasm", kCustomImportWat), /*loads=*/false);
  EXPECT_NE(session_.snapshot()->plugin.error.find("acme_private_call"), std::string::npos);
  ASSERT_TRUE(run("show-module"));
  auto snapshot = settle();
  auto log = summarize_module(model_, *snapshot);
  ASSERT_FALSE(log.is_null());
  EXPECT_EQ(log["abi_version"], "0.2.1");
  EXPECT_EQ(log["imports"], 2);
  EXPECT_EQ(log["non_abi_imports"], nlohmann::json::array({"env.acme_private_call"}));
  EXPECT_EQ(log["non_abi_exports"], nlohmann::json::array({"acme_helper"}));
}

TEST_F(ModuleChain, FunctionByNameAndSearchJumpBetweenHits) {
  load(write_wat("custom.wasm", kCustomImportWat), /*loads=*/false);
  // Chosen before the module is read: applied when it arrives.
  ASSERT_TRUE(run("module-function", "helper"));
  auto snapshot = settle();
  const debugger::ModuleView* view = model_.view(*snapshot);
  ASSERT_NE(view, nullptr);
  ASSERT_TRUE(model_.selected());
  const host::FunctionWat* helper = view->wat->function(*model_.selected());
  ASSERT_NE(helper, nullptr);
  EXPECT_EQ(helper->name, "helper");
  EXPECT_EQ(model_.take_scroll_line(), 0);
  // An unknown function is an error naming it; the selection stays.
  auto unknown = run("module-function", "no_such_function");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("no_such_function"), std::string::npos);
  EXPECT_EQ(view->wat->function(*model_.selected()), helper);
  // Two functions call something: "call $acme" in helper, "call $helper" in the headers callback.
  ASSERT_TRUE(run("module-search", "CALL $"));
  ASSERT_EQ(model_.hits().size(), 2u);
  const ModuleHit first = model_.hits()[model_.current_hit()];
  EXPECT_EQ(first.function_index, helper->function_index);
  const std::string line = module_listing_line(*helper, first.line);
  EXPECT_NE(line.find("call $acme"), std::string::npos) << line;
  EXPECT_EQ(line.rfind("0x", 0), 0u) << "the line starts with its file offset: " << line;
  // The offset on the line is the instruction's offset in the file.
  const host::WatInstruction* at =
      view->wat->instruction_at(static_cast<uint32_t>(std::stoul(line.substr(2, 8), nullptr, 16)));
  ASSERT_NE(at, nullptr);
  EXPECT_NE(at->text.find("call $acme"), std::string::npos);
  ASSERT_TRUE(run("module-search-next"));
  const ModuleHit second = model_.hits()[model_.current_hit()];
  EXPECT_NE(second.function_index, helper->function_index);
  EXPECT_EQ(*model_.selected(), second.function_index);
  const host::FunctionWat* caller = view->wat->function(second.function_index);
  EXPECT_NE(module_listing_line(*caller, second.line).find("call $helper"), std::string::npos);
  ASSERT_TRUE(run("module-search-next"));  // wraps around
  EXPECT_EQ(*model_.selected(), helper->function_index);
  auto log = summarize_module(model_, *session_.snapshot());
  EXPECT_EQ(log["function"], "helper");
  EXPECT_EQ(log["search_hits"], 2);
  ASSERT_TRUE(run("module-search", "no such text anywhere"));
  EXPECT_TRUE(model_.hits().empty());
  EXPECT_FALSE(run("module-search-next"));
}

TEST_F(ModuleChain, ChainEditsProduceThePluginSpecsInOrder) {
  EXPECT_TRUE(run("chain-add", "a.wasm"));  // the empty first slot takes it
  EXPECT_TRUE(workspace_.more_filters.empty());
  EXPECT_TRUE(run("chain-add", "b.wasm"));
  EXPECT_TRUE(run("chain-add", "c.wasm"));
  auto paths = [this] {
    std::vector<std::string> out;
    for (const auto& spec : chain_specs(workspace_)) out.push_back(spec.wasm_path);
    return out;
  };
  EXPECT_EQ(paths(), (std::vector<std::string>{"a.wasm", "b.wasm", "c.wasm"}));
  EXPECT_TRUE(run("chain-move", "3 up"));
  EXPECT_EQ(paths(), (std::vector<std::string>{"a.wasm", "c.wasm", "b.wasm"}));
  EXPECT_TRUE(run("chain-move", "1 down"));
  EXPECT_EQ(paths(), (std::vector<std::string>{"c.wasm", "a.wasm", "b.wasm"}));
  EXPECT_EQ(workspace_.filter.wasm_path, "c.wasm");
  auto first_up = run("chain-move", "1 up");
  ASSERT_FALSE(first_up);
  EXPECT_EQ(first_up.error().message, "filter 1 is already first");
  EXPECT_FALSE(run("chain-move", "3 down"));
  EXPECT_FALSE(run("chain-move", "2 sideways"));
  EXPECT_TRUE(run("chain-enable", "2 off"));
  EXPECT_EQ(paths(), (std::vector<std::string>{"c.wasm", "b.wasm"}));
  EXPECT_EQ(chain_filters(workspace_).size(), 3u);
  EXPECT_TRUE(run("chain-enable", "2 on"));
  EXPECT_TRUE(run("chain-remove", "1"));
  EXPECT_EQ(paths(), (std::vector<std::string>{"a.wasm", "b.wasm"}));
  auto out_of_range = run("chain-remove", "5");
  ASSERT_FALSE(out_of_range);
  EXPECT_EQ(out_of_range.error().message, "no filter 5: the chain has 2 filters");
  EXPECT_FALSE(run("chain-remove", "x"));
  EXPECT_TRUE(run("chain-remove", "2"));
  EXPECT_TRUE(run("chain-remove", "1"));
  EXPECT_TRUE(workspace_.filter.wasm_path.empty());
  EXPECT_TRUE(chain_specs(workspace_).front().wasm_path.empty());
}

TEST_F(ModuleChain, ConfigurationIsCheckedAsJsonWithTheErrorLine) {
  EXPECT_FALSE(check_configuration("plain text").json);
  auto good = check_configuration(R"({"a":1,"b":[true]})");
  EXPECT_TRUE(good.json && good.valid);
  EXPECT_EQ(good.pretty, "{\n  \"a\": 1,\n  \"b\": [\n    true\n  ]\n}");
  auto bad = check_configuration("{\n  \"a\": 1,\n  \"b\": ,\n}");
  EXPECT_TRUE(bad.json);
  EXPECT_FALSE(bad.valid);
  EXPECT_EQ(bad.line, 3u);
  EXPECT_EQ(bad.error.rfind("line 3: ", 0), 0u) << bad.error;
}

TEST_F(ModuleChain, TwoFiltersRunInOrderAndTheModuleTabShowsEither) {
  if (!have_samples()) GTEST_SKIP() << "samples not built";
  ASSERT_TRUE(run("chain-add", sample("add_header.wasm")));
  workspace_.filter.configuration = "first";
  ASSERT_TRUE(run("chain-add", sample("add_header_as.wasm")));
  auto request = workspace_.build_request();
  ASSERT_TRUE(request);
  ASSERT_TRUE(send_request(session_, workspace_, *request, debugger::Pausing::Off));
  ASSERT_EQ(session_.wait(30s), debugger::SessionState::Idle);
  auto snapshot = session_.snapshot();
  ASSERT_EQ(snapshot->chain.size(), 2u) << snapshot->plugin.error;
  EXPECT_EQ(snapshot->chain[0].name, "add_header");
  EXPECT_EQ(snapshot->chain[1].name, "add_header_as");
  const debugger::HistoryEntry* run1 = snapshot->last();
  ASSERT_TRUE(run1 && run1->ran()) << (run1 ? run1->error : "no run");
  ASSERT_TRUE(run1->report.upstream_request);
  std::vector<std::string> added;
  for (const auto& [name, value] : run1->report.upstream_request->headers)
    if (name == "x-wasm-filter") added.push_back(value);
  EXPECT_EQ(added, (std::vector<std::string>{"first", "add-header"}));
  // Both filters are in the trace, each event naming its plugin.
  bool saw_second = false;
  for (const auto& event : run1->trace) saw_second = saw_second || event.plugin == "add_header_as";
  EXPECT_TRUE(saw_second);
  // Moved: the next Send loads the chain again, in the new order.
  ASSERT_TRUE(run("chain-move", "2 up"));
  ASSERT_TRUE(send_request(session_, workspace_, *request, debugger::Pausing::Off));
  ASSERT_EQ(session_.wait(30s), debugger::SessionState::Idle);
  snapshot = session_.snapshot();
  added.clear();
  for (const auto& [name, value] : snapshot->last()->report.upstream_request->headers)
    if (name == "x-wasm-filter") added.push_back(value);
  EXPECT_EQ(added, (std::vector<std::string>{"add-header", "first"}));
  EXPECT_EQ(snapshot->loads, 2u);
  // The Module tab shows the second filter's module when asked.
  model_.filter_index = 1;
  ASSERT_TRUE(run("show-module"));
  snapshot = settle();
  const debugger::ModuleView* view = model_.view(*snapshot);
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->wasm_path, sample("add_header.wasm"));
  auto chain_log = summarize_chain(workspace_, *snapshot);
  EXPECT_EQ(chain_log["loaded"], nlohmann::json::array({"add_header_as", "add_header"}));
}

TEST_F(ModuleChain, AChainThatFailsToLoadNamesTheFilter) {
  if (!have_samples()) GTEST_SKIP() << "samples not built";
  ASSERT_TRUE(run("chain-add", sample("add_header.wasm")));
  ASSERT_TRUE(run("chain-add", (dir_ / "missing.wasm").string()));
  ASSERT_TRUE(load_filter(session_, workspace_));
  ASSERT_EQ(session_.wait(30s), debugger::SessionState::Idle);
  auto snapshot = session_.snapshot();
  EXPECT_FALSE(snapshot->plugin.loaded);
  EXPECT_TRUE(snapshot->chain.empty());
  EXPECT_EQ(snapshot->plugin.error.rfind("filter 2 (missing.wasm): ", 0), 0u)
      << snapshot->plugin.error;
  // Switched off, the broken filter is left out and the chain loads.
  ASSERT_TRUE(run("chain-enable", "2 off"));
  ASSERT_TRUE(ensure_filter(session_, workspace_));
  ASSERT_EQ(session_.wait(30s), debugger::SessionState::Idle);
  EXPECT_EQ(session_.snapshot()->chain.size(), 1u);
  EXPECT_TRUE(session_.snapshot()->plugin.loaded);
}

}  // namespace
}  // namespace pwplay::gui
