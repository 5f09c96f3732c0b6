#pragma once
// The folder a batch run writes (docs/batch.md; core/catalog reads it for the gallery):
//   <root>/stage1/<stamp>_stage1_<W>x<H>.png          the candidates
//   <root>/metadata/<stem>.json                       one record per image (ImageRecord.h)
//   <root>/final/<stamp>_final_<W>x<H>.png            the upscaled picks
//   <root>/intermediates/stage2_up/<stamp>_stage2_up_<W>x<H>.png   Lanczos before stage 2
//   <root>/intermediates/stage2/<stamp>_stage2_<W>x<H>.png         after stage-2 img2img
//   <root>/intermediates/stage3_up/<stamp>_stage3_up_<W>x<H>.png   after ESRGAN
//   <root>/intermediates/tiles/<stamp>_tile_<row>_<col>_<W>x<H>.png  refined tiles
//   <root>/hdr/<stamp>_final_...                     the HDR variants (their own tools' names)
// A stamp is the local time "YYYYMMDD_HHMMSS", with "-n" (n = 1, 2, ...) when that second is
// taken already; a stamp in use by any file of the tree is never given out again.
#include "common/Error.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::batch {

enum class Intermediate { Stage2Up, Stage2, Stage3Up, Tiles };
const char* folderOf(Intermediate kind); // "stage2_up", "stage2", "stage3_up", "tiles"

bool isStamp(std::string_view text);
// "a" before "a-1" before "a-2" before "a-10" before "b".
bool stampLess(const std::string& a, const std::string& b);

// "<stamp>_<kind>_<W>x<H>.png" -> its parts (kind "stage1" or "final"); nullopt for other names.
struct BatchFileName {
    std::string stamp;
    std::string kind;
    int width = 0, height = 0;
};
std::optional<BatchFileName> parseBatchFileName(std::string_view fileName);

// A stage-1 image that still needs its final.
struct PendingImage {
    std::string stamp;
    std::filesystem::path image, metadata;
    int width = 0, height = 0;
};

class OutputTree {
public:
    explicit OutputTree(std::filesystem::path root);

    const std::filesystem::path& root() const { return m_root; }
    std::filesystem::path stage1Dir() const { return m_root / "stage1"; }
    std::filesystem::path finalDir() const { return m_root / "final"; }
    std::filesystem::path metadataDir() const { return m_root / "metadata"; }
    std::filesystem::path hdrDir() const { return m_root / "hdr"; }
    std::filesystem::path intermediateDir(Intermediate kind) const;

    // Creates the folders (errors name the folder).
    core::Status createFolders() const;

    // A stamp for `now` that no file of the tree uses and this object has not given out before.
    core::Result<std::string> allocateStamp(std::chrono::system_clock::time_point now);

    std::filesystem::path stage1Path(const std::string& stamp, int width, int height) const;
    std::filesystem::path finalPath(const std::string& stamp, int width, int height) const;
    // metadata/<stem of image>.json
    std::filesystem::path metadataPathFor(const std::filesystem::path& image) const;
    // detail: "" or a tile's "<row>_<col>"
    std::filesystem::path intermediatePath(
        Intermediate kind, const std::string& stamp, std::string_view detail, int width, int height) const;

    // "stage1/<file>": a path of the tree relative to the root, '/'-separated (as records store it).
    std::string relative(const std::filesystem::path& path) const;

    // The --upscale work list: stage-1 images that exist, have their metadata JSON and have no
    // final in final/ yet, oldest stamp first.
    core::Result<std::vector<PendingImage>> pendingUpscales() const;
    bool hasFinal(const std::string& stamp) const;

    // Appends `relativePath` to the array `key` ("finals", "hdr") of the record `json` unless it
    // is there already, rewriting the file atomically.
    core::Status appendToRecord(const std::filesystem::path& json,
                                const std::string& key,
                                const std::string& relativePath) const;

private:
    std::set<std::string> stampsInUse() const;

    std::filesystem::path m_root;
    std::set<std::string> m_given; // stamps this object handed out
};

} // namespace hdr::batch
