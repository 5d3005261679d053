// LoadConfig on an arbitrary TOML file. Invariants: no crash; a failure is a kConfig error with a
// message (it names the key or the file line).
// fuzz-libs: tc_config
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/config_loader.h"
#include "config/config_renderer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One file per fuzzing process, rewritten for every input (LoadConfig reads a path).
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir != nullptr ? dir : "/tmp") + "/tc_config_fuzz_" +
           std::to_string(getpid()) + ".toml";
  }();
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, file) != size) std::abort();
  std::fclose(file);

  tc::ConfigSources sources;
  sources.file = path;
  tc::Result<tc::Config> config = tc::LoadConfig(sources);
  if (!config.ok()) {
    if (config.error().error_class != tc::ErrorClass::kConfig) std::abort();
    if (config.error().message.empty()) std::abort();
    return 0;
  }
  (void)tc::RenderRedactedConfig(*config);
  return 0;
}
