#pragma once

#include "commandline/CliArgs.h"
#include "common/Error.h"
#include "common/JobContext.h"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace hdr::cli {

// Exit codes (documented in --help):
enum ExitCode {
    kExitOk = 0,
    kExitFailed = 1,       // the input could not be read / the work failed
    kExitUsage = 2,        // wrong arguments
    kExitOutputExists = 3, // the output exists and --overwrite was not given
    kExitCancelled = 130,  // interrupted (Ctrl-C)
};

int exitCodeFor(const core::Error& error);
// Parses a command's arguments. Returns an exit code when the command should stop here: a usage
// error (printed, kExitUsage) or --help (printed, kExitOk); std::nullopt to go on.
std::optional<int>
parseCommandLine(const CommandSpec& spec, const std::vector<std::string>& argv, Args& args);
// Prints "hdrstudio-cli: <message>" to stderr and returns the exit code for it.
int reportError(const core::Error& error);
int usageError(const std::string& message);

// Progress on stderr (a bar when stderr is a terminal, nothing otherwise), cancelled by Ctrl-C.
class TerminalJobContext final : public core::JobContext {
public:
    TerminalJobContext();
    ~TerminalJobContext() override;
    bool isCancelled() const override;
    void setProgress(double fraction, std::string_view stage) override;
    void finish();

private:
    bool m_tty = false;
    std::atomic<int> m_lastPermille{-1};
};

// Runs a command: returns its exit code. Each command file defines one.
using CommandFn = int (*)(const std::vector<std::string>& args);
struct Command {
    const char* name;
    const char* summary;
    CommandFn run;
};

int runInfo(const std::vector<std::string>& args);
int runConvert(const std::vector<std::string>& args);
int runDemo(const std::vector<std::string>& args);
int runGainMap(const std::vector<std::string>& args);
int runFuse(const std::vector<std::string>& args);
int runToneMap(const std::vector<std::string>& args);
int runCompare(const std::vector<std::string>& args);
int runBracket(const std::vector<std::string>& args);
int runSelectExposures(const std::vector<std::string>& args);
int runMerge(const std::vector<std::string>& args);
int runModelInfo(const std::vector<std::string>& args);       // HDR_WITH_DIFFUSION builds
int runHdr(const std::vector<std::string>& args);             // HDR_WITH_DIFFUSION builds
int runGenerate(const std::vector<std::string>& args);        // HDR_WITH_DIFFUSION builds
int runGainMapGenerate(const std::vector<std::string>& args); // HDR_WITH_DIFFUSION builds
int runSdrToHdr(const std::vector<std::string>& args);        // HDR_WITH_DIFFUSION builds
int runUpscale(const std::vector<std::string>& args);         // HDR_WITH_DIFFUSION builds
int runItm(const std::vector<std::string>& args);             // HDR_WITH_TRAINING builds
int runExposureModel(const std::vector<std::string>& args);   // HDR_WITH_TRAINING builds
int runBatch(const std::vector<std::string>& args);           // HDR_WITH_DIFFUSION builds

} // namespace hdr::cli
