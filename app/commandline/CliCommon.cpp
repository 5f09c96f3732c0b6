#include "commandline/CliCommon.h"

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace hdr::cli {
namespace {
std::atomic<bool> g_interrupted{false};

extern "C" void onSigint(int)
{
    g_interrupted.store(true);
}
} // namespace

int exitCodeFor(const core::Error& error)
{
    switch (error.code) {
    case core::ErrorCode::InvalidArgument: return kExitUsage;
    case core::ErrorCode::AlreadyExists: return kExitOutputExists;
    case core::ErrorCode::Cancelled: return kExitCancelled;
    default: return kExitFailed;
    }
}

std::optional<int> parseCommandLine(const CommandSpec& spec, const std::vector<std::string>& argv, Args& args)
{
    if (auto err = Args::parse(spec, argv, args)) {
        return usageError(*err);
    }
    if (args.helpRequested()) {
        std::printf("%s", formatHelp(spec).c_str());
        return kExitOk;
    }
    return std::nullopt;
}

int reportError(const core::Error& error)
{
    std::fprintf(stderr, "hdrstudio-cli: %s\n", error.describe().c_str());
    return exitCodeFor(error);
}

int usageError(const std::string& message)
{
    std::fprintf(stderr, "hdrstudio-cli: %s\n", message.c_str());
    return kExitUsage;
}

TerminalJobContext::TerminalJobContext()
    : m_tty(::isatty(STDERR_FILENO) != 0)
{
    // Ctrl-C and SIGTERM (a desktop session ending, `kill`) cancel the job; the core then
    // removes what the job staged, so nothing partial is left.
    std::signal(SIGINT, onSigint);
    std::signal(SIGTERM, onSigint);
}

TerminalJobContext::~TerminalJobContext()
{
    finish();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

bool TerminalJobContext::isCancelled() const
{
    return g_interrupted.load();
}

void TerminalJobContext::setProgress(double fraction, std::string_view stage)
{
    if (!m_tty) {
        return;
    }
    const int permille = int(fraction * 1000.0);
    if (permille / 10 == m_lastPermille.exchange(permille) / 10) {
        return;
    }
    constexpr int width = 30;
    const int filled = int(fraction * width);
    std::fprintf(stderr,
                 "\r  [%.*s%*s] %3d%% %-28.*s",
                 filled,
                 "==============================",
                 width - filled,
                 "",
                 permille / 10,
                 int(stage.size()),
                 stage.data());
    std::fflush(stderr);
}

void TerminalJobContext::finish()
{
    if (m_tty && m_lastPermille.exchange(-1) >= 0) {
        std::fprintf(stderr, "\r%*s\r", 70, "");
    }
}

} // namespace hdr::cli
