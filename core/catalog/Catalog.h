#pragma once
// The images of one gallery folder and what is known about each (CandidateMetadata.h, XmpSidecar.h).
// A batch root (a folder with stage1/, or the stage1/ folder itself) lists stage1/ with metadata/
// and final/; any other folder lists its images. refresh() is incremental: only files whose size
// or time changed are read again, so it can run every few seconds while a batch is writing.
//
// Not thread-safe: one thread at a time (the gallery runs all catalog work in one ordered queue).
#include "catalog/Candidate.h"
#include "common/Error.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace hdr::catalog {

enum class CatalogLayout { Batch, PlainFolder };

struct RefreshSummary {
    int added = 0;
    int changed = 0; // metadata, sidecar or finals changed
    int removed = 0;
    bool any() const { return added + changed + removed > 0; }
};

// File extensions listed as images (lower case, with the dot).
bool isImageFile(const std::filesystem::path& path);

class Catalog {
public:
    // Errors: the folder does not exist or cannot be listed.
    static core::Result<Catalog> open(const std::filesystem::path& folder);

    const std::filesystem::path& root() const { return m_root; }
    CatalogLayout layout() const { return m_layout; }
    const std::vector<Candidate>& candidates() const { return m_candidates; } // by stamp, then name
    const Candidate* find(const std::filesystem::path& image) const;
    // LoRA names used by any candidate, sorted.
    std::vector<std::string> loraNames() const;

    core::Result<RefreshSummary> refresh();

    // Writes the marks into the image's sidecar (XmpSidecar.h) and keeps them. Errors: unknown
    // image, a sidecar that cannot be parsed (never overwritten) or written.
    core::Status setMarks(const std::filesystem::path& image, const CullMarks& marks);

private:
    struct FileSignature {
        bool exists = false;
        std::int64_t modifiedNs = 0;
        std::uintmax_t size = 0;
        bool operator==(const FileSignature&) const = default;
    };
    struct Entry {
        FileSignature image, metadata, sidecar;
        std::optional<std::filesystem::path> sidecarPath;
        std::vector<std::filesystem::path> listedFinals; // from final/ by stamp
        std::size_t index = 0;                           // into m_candidates
    };

    Catalog(std::filesystem::path root, CatalogLayout layout);
    std::filesystem::path imageFolder() const;
    std::filesystem::path metadataPathFor(const Candidate& c) const;
    static FileSignature signatureOf(const std::filesystem::path& path);
    void readCandidate(Candidate& c, const FileSignature& metadata) const;
    std::map<std::string, std::vector<std::filesystem::path>> listFinals() const;
    void reindex();

    std::filesystem::path m_root;
    CatalogLayout m_layout = CatalogLayout::PlainFolder;
    std::vector<Candidate> m_candidates;
    std::map<std::string, Entry> m_entries; // by image path
};

} // namespace hdr::catalog
