#include "catalog/RejectedMove.h"

#include "catalog/XmpSidecar.h"

#include <algorithm>
#include <set>

namespace hdr::catalog {
namespace {

namespace fs = std::filesystem;
using core::ErrorCode;

// `file` relative to `root`, or empty when it is not inside it.
fs::path inside(const fs::path& root, const fs::path& file)
{
    const fs::path relative = file.lexically_normal().lexically_relative(root.lexically_normal());
    if (relative.empty() || *relative.begin() == "..") return {};
    return relative;
}

bool pathExists(const fs::path& p)
{
    std::error_code ec;
    return fs::exists(fs::symlink_status(p, ec));
}

void addWithCompanions(const fs::path& root, const fs::path& file, std::vector<fs::path>& files)
{
    if (!pathExists(file) || inside(root, file).empty()) return;
    files.push_back(file);
    for (const fs::path& sidecar : {sidecarPathFor(file), adobeSidecarPathFor(file)}) {
        if (pathExists(sidecar) && std::find(files.begin(), files.end(), sidecar) == files.end()) {
            files.push_back(sidecar);
        }
    }
}

} // namespace

std::size_t RejectedMovePlan::fileCount() const
{
    std::size_t n = 0;
    for (const Item& item : items)
        n += item.files.size();
    return n;
}

RejectedMovePlan planRejectedMove(const fs::path& root, std::span<const Candidate> candidates)
{
    RejectedMovePlan plan;
    plan.root = root;
    plan.destination = root / "rejected";
    for (const Candidate& c : candidates) {
        if (c.marks.flag != Flag::Rejected) continue;
        RejectedMovePlan::Item item;
        item.image = c.image;
        addWithCompanions(root, c.image, item.files);
        if (item.files.empty()) continue; // gone already
        if (!c.metadata.empty() && pathExists(c.metadata) && !inside(root, c.metadata).empty()) {
            item.files.push_back(c.metadata);
        }
        for (const fs::path& final : c.finals) {
            const std::size_t before = item.files.size();
            addWithCompanions(root, final, item.files);
            if (item.files.size() == before) continue;
            ++plan.finalsCount;
            const fs::path finalJson = root / "metadata" / (final.stem().string() + ".json");
            if (pathExists(finalJson) &&
                std::find(item.files.begin(), item.files.end(), finalJson) == item.files.end()) {
                item.files.push_back(finalJson);
            }
        }
        plan.items.push_back(std::move(item));
    }
    return plan;
}

RejectedMoveReport moveRejected(const RejectedMovePlan& plan, const ConfirmRejectedMove& confirm)
{
    RejectedMoveReport report;
    if (!confirm || !confirm(plan)) return report;
    report.confirmed = true;
    for (const RejectedMovePlan::Item& item : plan.items) {
        std::vector<std::pair<fs::path, fs::path>> moves;
        std::string problem;
        for (const fs::path& file : item.files) {
            const fs::path relative = inside(plan.root, file);
            const fs::path target = plan.destination / relative;
            if (relative.empty()) {
                problem = "the file is outside the gallery folder";
            } else if (pathExists(target)) {
                problem = "rejected/ already has " + relative.string();
            }
            if (!problem.empty()) break;
            moves.emplace_back(file, target);
        }
        std::size_t done = 0;
        if (problem.empty()) {
            for (; done < moves.size(); ++done) {
                std::error_code ec;
                fs::create_directories(moves[done].second.parent_path(), ec);
                if (!ec) fs::rename(moves[done].first, moves[done].second, ec);
                if (ec) {
                    problem = "cannot move " + moves[done].first.filename().string() + ": " + ec.message();
                    break;
                }
            }
        }
        if (problem.empty()) {
            report.movedImages.push_back(item.image);
            continue;
        }
        // Put back what moved, so a candidate is never split between the two places.
        while (done > 0) {
            --done;
            std::error_code ec;
            fs::rename(moves[done].second, moves[done].first, ec);
        }
        report.failures.push_back(core::Error{ErrorCode::IoError, problem, item.image.string()});
    }
    return report;
}

} // namespace hdr::catalog
