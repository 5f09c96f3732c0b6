// `hdrstudio-bench startup`: how long whole commands take from exec to exit, ours against
// OpenImageIO's oiiotool on one EXR of the shared data. Each command runs once untimed (page
// cache), then --repeat times (default 10); best and median. Commands run through popen (sh -c);
// the spawn floor (`sh -c true`) is printed so the shell's share can be told apart.
#include "BenchStartup.h"

#include "BenchSupport.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace hdr::cli {
namespace fs = std::filesystem;

int benchStartup(const Args& args, int repeat, const fs::path& dataDir)
{
    // build/<preset>/tests/bench/hdrstudio-bench -> build/<preset>/app/hdrstudio-cli
    const fs::path appDir = selfExecutable().parent_path().parent_path().parent_path() / "app";
    const fs::path cli = args.value("cli").value_or((appDir / "hdrstudio-cli").string());
    const fs::path gui = cli.parent_path() / "hdrstudio";
    const fs::path file = args.value("file").value_or((dataDir / "exr" / "Carrots.exr").string());
    if (!fs::exists(cli)) {
        return usageError("bench startup: no hdrstudio-cli at " + cli.string() +
                          " (build it, or pass --cli PATH)");
    }
    if (!fs::exists(file)) {
        return usageError("bench startup: no " + file.string() + " (pass --file EXR or --data DIR)");
    }

    struct Timed {
        RunStats stats;
        bool ok = false;
    };
    auto measure = [&](const std::string& command) {
        Timed t;
        int status = 0;
        runCapture(command + " >/dev/null 2>&1", &status); // untimed: page cache, dynamic loader cache
        t.ok = status == 0;
        t.stats = timeRuns(repeat, [&] {
            runCapture(command + " >/dev/null 2>&1", &status);
            t.ok = t.ok && status == 0;
        });
        return t;
    };
    struct Row {
        std::string ours, peer;
        std::string oursCommand, peerCommand;
    };
    const std::string f = shellQuoted(file.string());
    std::vector<Row> rows = {
        {"hdrstudio-cli info FILE",
         "oiiotool --info FILE",
         shellQuoted(cli.string()) + " info " + f,
         "oiiotool --info " + f},
        {"hdrstudio-cli info FILE",
         "oiiotool --info --stats FILE",
         shellQuoted(cli.string()) + " info " + f,
         "oiiotool --info --stats " + f},
        {"hdrstudio-cli model-info --help", "", shellQuoted(cli.string()) + " model-info --help", ""},
    };
    if (fs::exists(gui)) {
        rows.push_back({"hdrstudio --version (offscreen)",
                        "",
                        "QT_QPA_PLATFORM=offscreen " + shellQuoted(gui.string()) + " --version",
                        ""});
    }
    int status = 0;
    runCapture("command -v oiiotool", &status);
    const bool haveOiio = status == 0;

    std::printf("bench startup: %s, %d timed runs per command after one untimed; CPU: %s; load average "
                "before: %s\n",
                file.filename().c_str(),
                repeat,
                cpuModel().c_str(),
                loadAverage().c_str());
    std::fflush(stdout);
    const RunStats floor = timeRuns(repeat, [&] { runCapture("true", &status); });
    TextTable table({"command",
                     "best ms",
                     "median ms",
                     "peer",
                     "peer best ms",
                     "peer median ms",
                     "ratio best",
                     "ratio median"});
    nlohmann::json report = nlohmann::json::array();
    Timed lastOurs;
    std::string lastOursCommand;
    for (const Row& r : rows) {
        // Rows 1 and 2 time the same command of ours: measure it once.
        const Timed ours = r.oursCommand == lastOursCommand ? lastOurs : measure(r.oursCommand);
        lastOurs = ours;
        lastOursCommand = r.oursCommand;
        Timed peer;
        const bool withPeer = !r.peerCommand.empty() && haveOiio;
        if (withPeer) {
            peer = measure(r.peerCommand);
        }
        const double nan = std::nan("");
        const double ob = ours.ok ? ours.stats.best : nan, om = ours.ok ? ours.stats.median : nan;
        const double pb = withPeer && peer.ok ? peer.stats.best : nan,
                     pm = withPeer && peer.ok ? peer.stats.median : nan;
        table.addRow({r.ours + (ours.ok ? "" : " (failed)"),
                      fixed(ob * 1e3, 1),
                      fixed(om * 1e3, 1),
                      r.peer.empty() ? "-" : r.peer + (withPeer && !peer.ok ? " (failed)" : ""),
                      fixed(pb * 1e3, 1),
                      fixed(pm * 1e3, 1),
                      fixed(ratioOf(pb, ob), 2),
                      fixed(ratioOf(pm, om), 2)});
        report.push_back({{"command", r.ours},
                          {"ok", ours.ok},
                          {"best_s", ob},
                          {"median_s", om},
                          {"runs_s", ours.stats.all},
                          {"peer", r.peer},
                          {"peer_best_s", pb},
                          {"peer_median_s", pm},
                          {"peer_runs_s", peer.stats.all},
                          {"ratio_best", ratioOf(pb, ob)},
                          {"ratio_median", ratioOf(pm, om)}});
    }
    std::printf("\n");
    table.print();
    std::printf("FILE = %s; ours: %s\n", file.string().c_str(), cli.string().c_str());
    std::printf("our info reads the pixels (luminance statistics); oiiotool --info reads the header only, "
                "--info --stats reads the pixels too\n");
    std::printf("spawn floor (sh -c true via popen): best %.1f ms, median %.1f ms; ratio = peer time / our "
                "time (> 1: we are faster)%s\n",
                floor.best * 1e3,
                floor.median * 1e3,
                haveOiio ? "" : "; oiiotool not found: no peer rows");
    if (!fs::exists(gui)) {
        std::printf("no %s (built without the UI?): GUI row left out\n", gui.string().c_str());
    }
    std::printf("load average after: %s\n", loadAverage().c_str());
    if (args.flag("json")) {
        const nlohmann::json out = {{"file", file.string()},
                                    {"cli", cli.string()},
                                    {"repeat", repeat},
                                    {"spawn_floor_best_s", floor.best},
                                    {"spawn_floor_median_s", floor.median},
                                    {"rows", report}};
        std::printf("%s\n", out.dump(2).c_str());
    }
    return kExitOk;
}

} // namespace hdr::cli
