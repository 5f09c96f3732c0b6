#include "batch/OutputTree.h"

#include "common/AtomicFile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

namespace hdr::batch {
namespace fs = std::filesystem;

namespace {

using core::ErrorCode;

constexpr std::size_t kMaxRecordBytes = 4u << 20;
constexpr std::size_t kStampBaseLength = 15; // YYYYMMDD_HHMMSS

bool allDigits(std::string_view s)
{
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// n of "base-n" (0 without a suffix).
unsigned long long stampNumber(const std::string& stamp)
{
    unsigned long long n = 0;
    if (stamp.size() > kStampBaseLength + 1) {
        std::from_chars(stamp.data() + kStampBaseLength + 1, stamp.data() + stamp.size(), n);
    }
    return n;
}

// The stamp a file name of the tree starts with ("<stamp>_..."), or empty.
std::string stampOfFileName(std::string_view name)
{
    const auto end = name.find('_', 9);
    if (end == std::string_view::npos) return {};
    const std::string_view stamp = name.substr(0, end);
    return isStamp(stamp) ? std::string(stamp) : std::string();
}

std::string sizeText(int width, int height)
{
    return std::to_string(width) + "x" + std::to_string(height);
}

bool parseSize(std::string_view text, int& width, int& height)
{
    const auto x = text.find('x');
    if (x == std::string_view::npos) return false;
    const std::string_view w = text.substr(0, x), h = text.substr(x + 1);
    if (!allDigits(w) || !allDigits(h) || w.size() > 6 || h.size() > 6) return false;
    std::from_chars(w.data(), w.data() + w.size(), width);
    std::from_chars(h.data(), h.data() + h.size(), height);
    return width > 0 && height > 0;
}

} // namespace

const char* folderOf(Intermediate kind)
{
    switch (kind) {
    case Intermediate::Stage2Up: return "stage2_up";
    case Intermediate::Stage2: return "stage2";
    case Intermediate::Stage3Up: return "stage3_up";
    case Intermediate::Tiles: return "tiles";
    }
    return "tiles";
}

bool isStamp(std::string_view text)
{
    if (text.size() < kStampBaseLength || text[8] != '_') return false;
    if (!allDigits(text.substr(0, 8)) || !allDigits(text.substr(9, 6))) return false;
    if (text.size() == kStampBaseLength) return true;
    return text[kStampBaseLength] == '-' && allDigits(text.substr(kStampBaseLength + 1)) &&
           text.size() <= kStampBaseLength + 1 + 9;
}

bool stampLess(const std::string& a, const std::string& b)
{
    const int base = a.compare(0, kStampBaseLength, b, 0, kStampBaseLength);
    if (base != 0) return base < 0;
    return stampNumber(a) < stampNumber(b);
}

std::optional<BatchFileName> parseBatchFileName(std::string_view fileName)
{
    BatchFileName out;
    out.stamp = stampOfFileName(fileName);
    if (out.stamp.empty()) return std::nullopt;
    std::string_view rest = fileName.substr(out.stamp.size() + 1);
    const auto dot = rest.rfind('.');
    if (dot == std::string_view::npos) return std::nullopt;
    rest = rest.substr(0, dot);
    const auto underscore = rest.rfind('_');
    if (underscore == std::string_view::npos) return std::nullopt;
    out.kind = std::string(rest.substr(0, underscore));
    if (out.kind != "stage1" && out.kind != "final") return std::nullopt;
    if (!parseSize(rest.substr(underscore + 1), out.width, out.height)) return std::nullopt;
    return out;
}

OutputTree::OutputTree(fs::path root)
    : m_root(std::move(root))
{
}

fs::path OutputTree::intermediateDir(Intermediate kind) const
{
    return m_root / "intermediates" / folderOf(kind);
}

core::Status OutputTree::createFolders() const
{
    std::vector<fs::path> folders{stage1Dir(), finalDir(), metadataDir()};
    for (Intermediate kind :
         {Intermediate::Stage2Up, Intermediate::Stage2, Intermediate::Stage3Up, Intermediate::Tiles})
        folders.push_back(intermediateDir(kind));
    for (const fs::path& folder : folders) {
        std::error_code ec;
        fs::create_directories(folder, ec);
        if (ec || !fs::is_directory(folder, ec)) {
            return core::fail(ErrorCode::IoError, "cannot create the output folder", folder.string());
        }
    }
    return {};
}

std::set<std::string> OutputTree::stampsInUse() const
{
    std::set<std::string> out;
    std::vector<fs::path> folders{stage1Dir(), finalDir(), metadataDir(), hdrDir()};
    for (Intermediate kind :
         {Intermediate::Stage2Up, Intermediate::Stage2, Intermediate::Stage3Up, Intermediate::Tiles})
        folders.push_back(intermediateDir(kind));
    for (const fs::path& folder : folders) {
        std::error_code ec;
        for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
            if (std::string stamp = stampOfFileName(it->path().filename().string()); !stamp.empty()) {
                out.insert(std::move(stamp));
            }
        }
    }
    return out;
}

core::Result<std::string> OutputTree::allocateStamp(std::chrono::system_clock::time_point now)
{
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    std::tm local{};
    if (!localtime_r(&seconds, &local)) {
        return core::fail(ErrorCode::Internal, "the clock's time cannot be converted to local time");
    }
    char base[32];
    std::strftime(base, sizeof base, "%Y%m%d_%H%M%S", &local);
    const std::set<std::string> used = stampsInUse();
    for (int n = 0; n < 1000000; ++n) {
        std::string stamp = n == 0 ? std::string(base) : std::string(base) + "-" + std::to_string(n);
        if (!used.count(stamp) && !m_given.count(stamp)) {
            m_given.insert(stamp);
            return stamp;
        }
    }
    return core::fail(
        ErrorCode::LimitExceeded, "no free file stamp is left for this second", m_root.string());
}

fs::path OutputTree::stage1Path(const std::string& stamp, int width, int height) const
{
    return stage1Dir() / (stamp + "_stage1_" + sizeText(width, height) + ".png");
}

fs::path OutputTree::finalPath(const std::string& stamp, int width, int height) const
{
    return finalDir() / (stamp + "_final_" + sizeText(width, height) + ".png");
}

fs::path OutputTree::metadataPathFor(const fs::path& image) const
{
    return metadataDir() / (image.stem().string() + ".json");
}

fs::path OutputTree::intermediatePath(
    Intermediate kind, const std::string& stamp, std::string_view detail, int width, int height) const
{
    std::string name =
        stamp + "_" + (kind == Intermediate::Tiles ? std::string("tile") : std::string(folderOf(kind)));
    if (!detail.empty()) name += "_" + std::string(detail);
    return intermediateDir(kind) / (name + "_" + sizeText(width, height) + ".png");
}

std::string OutputTree::relative(const fs::path& path) const
{
    return path.lexically_relative(m_root).generic_string();
}

bool OutputTree::hasFinal(const std::string& stamp) const
{
    std::error_code ec;
    const std::string prefix = stamp + "_final_";
    for (fs::directory_iterator it(finalDir(), ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename().string().rfind(prefix, 0) == 0 && it->is_regular_file(ec)) return true;
    }
    return false;
}

core::Result<std::vector<PendingImage>> OutputTree::pendingUpscales() const
{
    std::error_code ec;
    if (!fs::is_directory(stage1Dir(), ec)) {
        return core::fail(ErrorCode::InvalidArgument,
                          "There is no stage1/ folder in " + m_root.string() +
                              "; run the batch with --stage1 first.",
                          m_root.string());
    }
    std::set<std::string> finished;
    for (fs::directory_iterator it(finalDir(), ec), end; !ec && it != end; it.increment(ec)) {
        const auto name = parseBatchFileName(it->path().filename().string());
        if (name && name->kind == "final") finished.insert(name->stamp);
    }
    ec.clear();
    std::vector<PendingImage> out;
    fs::directory_iterator it(stage1Dir(), ec);
    if (ec)
        return core::fail(
            ErrorCode::IoError, "cannot list the stage-1 images: " + ec.message(), stage1Dir().string());
    for (const fs::directory_entry& entry : it) {
        const fs::path& path = entry.path();
        const auto name = parseBatchFileName(path.filename().string());
        if (!name || name->kind != "stage1" || path.extension() != ".png") continue;
        if (finished.count(name->stamp) || !entry.is_regular_file(ec)) continue;
        PendingImage p;
        p.stamp = name->stamp;
        p.image = path;
        p.metadata = metadataPathFor(path);
        p.width = name->width;
        p.height = name->height;
        if (!fs::is_regular_file(p.metadata, ec)) continue;
        out.push_back(std::move(p));
    }
    std::sort(out.begin(), out.end(), [](const PendingImage& a, const PendingImage& b) {
        return stampLess(a.stamp, b.stamp);
    });
    return out;
}

core::Status OutputTree::appendToRecord(const fs::path& json,
                                        const std::string& key,
                                        const std::string& relativePath) const
{
    return core::guarded(ErrorCode::IoError, json.string(), [&] {
        const auto bytes = core::unwrap(core::readFileBytes(json, kMaxRecordBytes));
        const auto* text = reinterpret_cast<const char*>(bytes.data());
        nlohmann::json record = nlohmann::json::parse(text, text + bytes.size(), nullptr, false);
        if (record.is_discarded() || !record.is_object()) {
            core::throwError(
                ErrorCode::CorruptData, "the metadata record is not a JSON object", json.string());
        }
        nlohmann::json& list = record[key];
        if (list.is_null()) list = nlohmann::json::array();
        if (!list.is_array()) {
            core::throwError(ErrorCode::CorruptData,
                             "\"" + key + "\" of the metadata record is not a list",
                             json.string());
        }
        if (std::find(list.begin(), list.end(), nlohmann::json(relativePath)) != list.end()) return;
        list.push_back(relativePath);
        const std::string out = record.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        core::unwrap(core::writeFileAtomically(
            json, {reinterpret_cast<const std::byte*>(out.data()), out.size()}, true));
    });
}

} // namespace hdr::batch
