#pragma once
// "Delete rejected": a separate step that moves every rejected candidate, with its metadata,
// sidecars and finals, into rejected/ under the gallery root (paths inside it mirror the root:
// rejected/stage1/x.png, rejected/metadata/x.json). Moving instead of deleting keeps it reversible
// (move the files back) without depending on a desktop trash, and a rename within one folder tree
// cannot fail half-way for lack of space. Like Lightroom's "Delete Rejected Photos", it never
// happens unasked: moveRejected() asks `confirm` with the plan and moves nothing unless it says yes.
#include "catalog/Candidate.h"
#include "common/Error.h"

#include <filesystem>
#include <functional>
#include <span>
#include <vector>

namespace hdr::catalog {

struct RejectedMovePlan {
    struct Item {
        std::filesystem::path image;
        std::vector<std::filesystem::path> files; // the image and its sidecars, metadata, finals
    };
    std::filesystem::path root;
    std::filesystem::path destination; // root / "rejected"
    std::vector<Item> items;

    std::size_t fileCount() const;
    std::size_t finalsCount = 0; // finals among the files (the confirmation says so)
};

// The files of every rejected candidate that exist now.
RejectedMovePlan planRejectedMove(const std::filesystem::path& root, std::span<const Candidate> candidates);

struct RejectedMoveReport {
    bool confirmed = false;
    std::vector<std::filesystem::path> movedImages;
    std::vector<core::Error> failures; // per candidate; the others still move
};

using ConfirmRejectedMove = std::function<bool(const RejectedMovePlan&)>;

// Asks `confirm` (a missing one counts as no), then moves each item's files. A candidate whose
// files would overwrite something in rejected/ is left in place and reported.
RejectedMoveReport moveRejected(const RejectedMovePlan& plan, const ConfirmRejectedMove& confirm);

} // namespace hdr::catalog
