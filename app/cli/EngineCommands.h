#pragma once
// The commands that need libtorch (diffusion, upscaling, training) live in a plugin library,
// libhdr_cli_engine.so, loaded when one of them runs: `hdrstudio-cli info` and the other imaging
// commands start without loading libtorch (~0.5 s). The program lists these commands from the
// table below; the plugin exports one entry point that runs any of them by name.
#include <string>
#include <vector>

namespace hdr::cli {

struct EngineCommand {
    const char* name;
    const char* summary;
};

// Every command of the engine in this build (empty without diffusion and training).
const std::vector<EngineCommand>& engineCommands();

// Loads the engine and runs `command`; prints the loader's error (exit 1) when it cannot load.
int runEngineCommand(const std::string& command, const std::vector<std::string>& args);

} // namespace hdr::cli

// The plugin's entry point: runs `command` with its arguments, returns the exit code, or -1 for a
// command the engine does not have.
extern "C" int hdrstudio_cli_engine_run(const char* command, const std::vector<std::string>* args);
