#include "catalog/Catalog.h"

#include "catalog/CandidateMetadata.h"
#include "catalog/XmpSidecar.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>

namespace hdr::catalog {
namespace {

namespace fs = std::filesystem;
using core::ErrorCode;

bool isHidden(const fs::path& p)
{
    const std::string name = p.filename().string();
    return name.empty() || name[0] == '.'; // includes AtomicOutputFile's temp files
}

std::string lowerExtension(const fs::path& p)
{
    std::string ext = p.extension().string();
    std::transform(
        ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext;
}

// A batch root has stage1/ (a folder that merely has a "final" or "metadata" subfolder is not one).
bool isBatchRoot(const fs::path& folder)
{
    std::error_code ec;
    return fs::is_directory(folder / "stage1", ec);
}

// The image files directly in `folder`, sorted by path.
std::vector<fs::path> listImages(const fs::path& folder)
{
    std::vector<fs::path> images;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) return images;
    fs::directory_iterator it(folder, ec);
    if (ec) core::throwError(ErrorCode::IoError, "cannot list the folder: " + ec.message(), folder.string());
    for (const fs::directory_entry& entry : it) {
        std::error_code typeError;
        if (!isHidden(entry.path()) && isImageFile(entry.path()) && entry.is_regular_file(typeError)) {
            images.push_back(entry.path());
        }
    }
    std::sort(images.begin(), images.end());
    return images;
}

} // namespace

bool isImageFile(const fs::path& path)
{
    static const std::set<std::string> kExtensions = {
        ".png", ".jpg", ".jpeg", ".webp", ".exr", ".hdr", ".tif", ".tiff", ".bmp"};
    return kExtensions.count(lowerExtension(path)) > 0;
}

Catalog::Catalog(fs::path root, CatalogLayout layout)
    : m_root(std::move(root))
    , m_layout(layout)
{
}

core::Result<Catalog> Catalog::open(const fs::path& folder)
{
    return core::guarded(ErrorCode::IoError, folder.string(), [&] {
        fs::path path = fs::absolute(folder).lexically_normal();
        if (path.filename().empty()) path = path.parent_path();
        std::error_code ec;
        if (!fs::is_directory(path, ec)) {
            core::throwError(ErrorCode::InvalidArgument, "the gallery folder does not exist", path.string());
        }
        if (isBatchRoot(path)) return Catalog(path, CatalogLayout::Batch);
        // The stage1/ folder of a batch opens the whole batch.
        if (path.filename() == "stage1" && fs::is_directory(path.parent_path() / "metadata", ec)) {
            return Catalog(path.parent_path(), CatalogLayout::Batch);
        }
        return Catalog(path, CatalogLayout::PlainFolder);
    });
}

const Candidate* Catalog::find(const fs::path& image) const
{
    const auto it = m_entries.find(image.string());
    return it == m_entries.end() ? nullptr : &m_candidates[it->second.index];
}

std::vector<std::string> Catalog::loraNames() const
{
    std::set<std::string> names;
    for (const Candidate& c : m_candidates) {
        for (const LoraUse& l : c.loras)
            names.insert(l.name);
    }
    return {names.begin(), names.end()};
}

fs::path Catalog::imageFolder() const
{
    return m_layout == CatalogLayout::Batch ? m_root / "stage1" : m_root;
}

fs::path Catalog::metadataPathFor(const Candidate& c) const
{
    return m_layout == CatalogLayout::Batch ? m_root / "metadata" / (c.stem + ".json") : fs::path();
}

Catalog::FileSignature Catalog::signatureOf(const fs::path& path)
{
    FileSignature s;
    if (path.empty()) return s;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::is_regular_file(status)) return s;
    const auto time = fs::last_write_time(path, ec);
    if (ec) return s;
    s.size = fs::file_size(path, ec);
    if (ec) return s;
    s.exists = true;
    s.modifiedNs = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
    return s;
}

void Catalog::readCandidate(Candidate& c, const FileSignature& metadata) const
{
    const bool haveJson = metadata.exists && readMetadataJson(metadataPathFor(c), m_root, c);
    // Without our JSON (a plain folder, a batch file whose JSON is not written yet or unreadable),
    // the PNG's own "parameters" text says what it can.
    if (!haveJson) {
        const std::string problem = c.problem;
        readImageParameters(c);
        if (!problem.empty()) c.problem = problem + (c.problem.empty() ? "" : "; " + c.problem);
    }
    if (c.stamp.empty()) c.stamp = stampOfStem(c.stem);
    auto marks = readSidecar(c.image);
    if (marks) {
        c.sidecar = marks->path;
        c.marks = marks->marks;
    } else {
        c.sidecar = existingSidecar(c.image);
        const std::string problem =
            "the sidecar cannot be read, ratings are not shown: " + marks.error().describe();
        c.problem = c.problem.empty() ? problem : c.problem + "; " + problem;
    }
}

std::map<std::string, std::vector<fs::path>> Catalog::listFinals() const
{
    std::map<std::string, std::vector<fs::path>> byStamp;
    if (m_layout != CatalogLayout::Batch) return byStamp;
    for (const fs::path& file : listImages(m_root / "final")) {
        const std::string stamp = stampOfStem(file.stem().string());
        if (!stamp.empty()) byStamp[stamp].push_back(file);
    }
    return byStamp;
}

core::Result<RefreshSummary> Catalog::refresh()
{
    return core::guarded(ErrorCode::IoError, m_root.string(), [&] {
        if (m_layout == CatalogLayout::PlainFolder && isBatchRoot(m_root)) {
            // The batch generator created its folders after the gallery opened this one.
            m_layout = CatalogLayout::Batch;
        }
        const std::vector<fs::path> images = listImages(imageFolder());
        const std::map<std::string, std::vector<fs::path>> finalsByStamp = listFinals();
        RefreshSummary summary;
        std::vector<Candidate> candidates;
        std::map<std::string, Entry> entries;
        candidates.reserve(images.size());
        for (const fs::path& image : images) {
            const FileSignature imageSignature = signatureOf(image);
            if (!imageSignature.exists) continue; // removed meanwhile
            Entry entry;
            entry.image = imageSignature;
            Candidate c;
            c.image = image;
            c.stem = image.stem().string();
            entry.metadata = signatureOf(metadataPathFor(c));
            entry.sidecarPath = existingSidecar(image);
            entry.sidecar = entry.sidecarPath ? signatureOf(*entry.sidecarPath) : FileSignature{};
            const auto old = m_entries.find(image.string());
            const bool known = old != m_entries.end();
            const bool same =
                known && old->second.image == entry.image && old->second.metadata == entry.metadata &&
                old->second.sidecar == entry.sidecar && old->second.sidecarPath == entry.sidecarPath;
            if (same) {
                c = m_candidates[old->second.index];
                entry.listedFinals = old->second.listedFinals;
            } else {
                c.modifiedNs = imageSignature.modifiedNs;
                readCandidate(c, entry.metadata);
                entry.listedFinals = c.finals; // the JSON's list
            }
            // Finals: the JSON's list and the files in final/ with this stamp, those that exist.
            std::set<fs::path> finals(entry.listedFinals.begin(), entry.listedFinals.end());
            if (const auto it = finalsByStamp.find(c.stamp); !c.stamp.empty() && it != finalsByStamp.end()) {
                finals.insert(it->second.begin(), it->second.end());
            }
            std::vector<fs::path> existing;
            for (const fs::path& f : finals) {
                std::error_code ec;
                if (fs::is_regular_file(f, ec)) existing.push_back(f);
            }
            const bool finalsChanged = known && same && existing != c.finals;
            c.finals = std::move(existing);
            if (!known) {
                ++summary.added;
            } else if (!same || finalsChanged) {
                ++summary.changed;
            }
            entries.emplace(image.string(), std::move(entry));
            candidates.push_back(std::move(c));
        }
        for (const auto& [path, entry] : m_entries) {
            if (!entries.count(path)) ++summary.removed;
        }
        m_candidates = std::move(candidates);
        m_entries = std::move(entries);
        reindex();
        return summary;
    });
}

void Catalog::reindex()
{
    std::stable_sort(m_candidates.begin(), m_candidates.end(), [](const Candidate& a, const Candidate& b) {
        if (const int c = compareStamps(a.stamp, b.stamp); c != 0) return c < 0;
        return a.image < b.image;
    });
    for (std::size_t i = 0; i < m_candidates.size(); ++i)
        m_entries[m_candidates[i].image.string()].index = i;
}

core::Status Catalog::setMarks(const fs::path& image, const CullMarks& marks)
{
    const auto it = m_entries.find(image.string());
    if (it == m_entries.end()) {
        return core::fail(ErrorCode::InvalidArgument, "the image is not in this gallery", image.string());
    }
    auto written = writeSidecar(image, marks);
    if (!written) return tl::unexpected(written.error());
    Candidate& c = m_candidates[it->second.index];
    c.marks = marks;
    c.sidecar = *written;
    it->second.sidecarPath = *written;
    it->second.sidecar = *written ? signatureOf(**written) : FileSignature{};
    return {};
}

} // namespace hdr::catalog
