// The `pwplay serve --proxy-config FILE` format: a JSON and a YAML file with every key, and
// errors that name the file and the key at fault.
#include "debugger/formats/proxy_config_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "support/cli.h"

namespace pwplay::debugger {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::sample;
using testing::write_temp_file;
using UpstreamKind = host::proxy::UpstreamConfig::Kind;

std::string load_error(const std::string& path) {
  auto loaded = load_proxy_config_file(path);
  EXPECT_FALSE(loaded.ok()) << path;
  return loaded.ok() ? "" : loaded.error().message;
}

json filter_entry(const std::string& filename) {
  return {{"vm_config", {{"code", {{"local", {{"filename", filename}}}}}}}};
}

TEST(ProxyConfigFile, LoadsEveryKeyFromJson) {
  json first = filter_entry(sample("add_header"));
  first["name"] = "tag";
  first["configuration"] = "from-config";
  json config = {{"listen", "127.0.0.1:0"},
                 {"upstream", "127.0.0.1:9000"},
                 {"clusters", {{"auth", "127.0.0.1:9001"}, {"log", "[::1]:9002"}}},
                 {"filters", {first, filter_entry(sample("add_header"))}}};
  const std::string path = write_temp_file("proxy_every_key.json", config.dump());

  auto loaded = load_proxy_config_file(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->listen, "127.0.0.1:0");
  ASSERT_TRUE(loaded->upstream.has_value());
  EXPECT_EQ(loaded->upstream->kind, UpstreamKind::Remote);
  EXPECT_EQ(loaded->upstream->remote.host, "127.0.0.1");
  EXPECT_EQ(loaded->upstream->remote.port, 9000);
  ASSERT_EQ(loaded->clusters.size(), 2u);
  EXPECT_EQ(loaded->clusters.at("auth").host, "127.0.0.1");
  EXPECT_EQ(loaded->clusters.at("auth").port, 9001);
  EXPECT_EQ(loaded->clusters.at("log").host, "::1");
  EXPECT_EQ(loaded->clusters.at("log").port, 9002);
  ASSERT_EQ(loaded->plugins.size(), 2u);
  EXPECT_EQ(loaded->plugins[0].name, "tag");
  EXPECT_EQ(loaded->plugins[0].configuration, "from-config");
  EXPECT_EQ(loaded->plugins[0].wasm_path, sample("add_header"));
  auto first_loaded = resolve_plugin(loaded->plugins[0]);
  ASSERT_TRUE(first_loaded.ok()) << first_loaded.error().message;
  EXPECT_EQ(first_loaded->config.name, "tag");
  EXPECT_EQ(first_loaded->config.configuration, "from-config");
  EXPECT_EQ(first_loaded->config.wasm_path, sample("add_header"));
  ASSERT_GE(first_loaded->wasm.size(), 4u);
  EXPECT_EQ(std::string(first_loaded->wasm.begin(), first_loaded->wasm.begin() + 4),
            std::string("\0asm", 4));
  // Without a name, a filter is named after its module.
  auto second_loaded = resolve_plugin(loaded->plugins[1]);
  ASSERT_TRUE(second_loaded.ok()) << second_loaded.error().message;
  EXPECT_EQ(second_loaded->config.name, "add_header");
  EXPECT_EQ(second_loaded->wasm, first_loaded->wasm);
}

TEST(ProxyConfigFile, LoadsAMockUpstream) {
  json config = {
      {"upstream",
       {{"status", 418}, {"headers", json::array({{"x-mock", "yes"}})}, {"body", "teapot"}}}};
  const std::string path = write_temp_file("proxy_mock.json", config.dump());

  auto loaded = load_proxy_config_file(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_FALSE(loaded->listen.has_value());
  EXPECT_TRUE(loaded->clusters.empty());
  EXPECT_TRUE(loaded->plugins.empty());
  ASSERT_TRUE(loaded->upstream.has_value());
  EXPECT_EQ(loaded->upstream->kind, UpstreamKind::Mock);
  EXPECT_EQ(loaded->upstream->mock.status, 418u);
  const abi::HeaderPairs expected_headers = {{"x-mock", "yes"}};
  EXPECT_EQ(loaded->upstream->mock.headers, expected_headers);
  EXPECT_EQ(loaded->upstream->mock.body, "teapot");
}

TEST(ProxyConfigFile, LoadsYamlAndFindsModulesNextToTheFile) {
  const std::string path = write_temp_file("proxy_config.yaml",
                                           "listen: 127.0.0.1:8081\n"
                                           "upstream: echo\n"
                                           "clusters:\n"
                                           "  auth: 127.0.0.1:9001\n"
                                           "filters:\n"
                                           "  - name: gate\n"
                                           "    root_id: gate_root\n"
                                           "    vm_config:\n"
                                           "      code:\n"
                                           "        local:\n"
                                           "          filename: proxy_config_filter.wasm\n");
  // A relative module path that does not exist from the working directory is taken from the
  // file's directory.
  const fs::path module = fs::path(path).parent_path() / "proxy_config_filter.wasm";
  fs::copy_file(sample("add_header"), module, fs::copy_options::overwrite_existing);

  auto loaded = load_proxy_config_file(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->listen, "127.0.0.1:8081");
  ASSERT_TRUE(loaded->upstream.has_value());
  EXPECT_EQ(loaded->upstream->kind, UpstreamKind::Echo);
  ASSERT_EQ(loaded->clusters.size(), 1u);
  EXPECT_EQ(loaded->clusters.at("auth").port, 9001);
  ASSERT_EQ(loaded->plugins.size(), 1u);
  EXPECT_EQ(loaded->plugins[0].name, "gate");
  EXPECT_EQ(loaded->plugins[0].root_id, "gate_root");
  EXPECT_EQ(loaded->plugins[0].wasm_path, module.string());
  auto gate = resolve_plugin(loaded->plugins[0]);
  ASSERT_TRUE(gate.ok()) << gate.error().message;
  EXPECT_EQ(gate->config.root_id, "gate_root");
  EXPECT_FALSE(gate->wasm.empty());
}

TEST(ProxyConfigFile, RejectsAnUnknownKey) {
  const std::string path = write_temp_file("proxy_unknown_key.json",
                                           R"({"listen": "127.0.0.1:0", "upstreams": "echo"})");
  EXPECT_EQ(load_error(path),
            path + ": unknown field 'upstreams' (expected listen, upstream, clusters, filters)");
}

TEST(ProxyConfigFile, RejectsAnUnknownFieldOfAMockUpstream) {
  const std::string path =
      write_temp_file("proxy_mock_field.json", R"({"upstream": {"status": 200, "boddy": "x"}})");
  EXPECT_EQ(load_error(path), path +
                                  ": upstream: unknown or invalid field 'boddy' (a mock response "
                                  "has status, headers, body)");
}

TEST(ProxyConfigFile, RejectsAClusterWithABadAddress) {
  const std::string path =
      write_temp_file("proxy_bad_cluster.json", R"({"clusters": {"auth": "nowhere"}})");
  EXPECT_EQ(load_error(path), path +
                                  ": --cluster 'auth=nowhere': expected NAME=HOST:PORT (--cluster "
                                  "auth: 'nowhere' is not HOST:PORT (no port))");

  const std::string not_a_string =
      write_temp_file("proxy_cluster_number.json", R"({"clusters": {"auth": 9000}})");
  EXPECT_EQ(load_error(not_a_string), not_a_string + ": clusters.auth must be a string HOST:PORT");
}

}  // namespace
}  // namespace pwplay::debugger
