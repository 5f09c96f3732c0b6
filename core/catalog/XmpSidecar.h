#pragma once
// Ratings and flags in XMP sidecars, so darktable, digiKam, Lightroom/Bridge and Photo Mechanic see
// the culling done here and the other way round (../shared/reference/hdr.md §5).
//
// What is written (one documented combination, each part read by the tool named):
//   xmp:Rating          0..5 stars; -1 when rejected (XMP specification: -1 = rejected,
//                       0 = unrated). darktable reads -1 as its reject flag
//                       (src/common/image.c dt_image_get_xmp_rating_from_flags), Bridge as Reject.
//   digiKam:PickLabel   3 picked, 1 rejected, 0 none (digiKam dmetadata_labels.cpp: NoPickLabel 0,
//                       RejectedLabel 1, PendingLabel 2, AcceptedLabel 3). Written when picked or
//                       rejected, or when the property is already there.
// Not xmp:Label: Lightroom, Bridge and darktable read it as a colour label ("Red", "Select").
// Lightroom Classic keeps pick flags in its catalog only, so there is nothing of its to write.
// Kept in step only when the file already has them (digiKam and Photo Mechanic write them):
//   MicrosoftPhoto:Rating (percent: 0, 1, 25, 50, 75, 99) and photomechanic:Tagged (True/False).
// What is read (every common variant): xmp:Rating under any prefix bound to the XMP namespace
// (older Adobe files use "xap"), as attribute or element; Rating < 0 or PickLabel 1 = rejected;
// PickLabel 3 or Tagged True = picked; MicrosoftPhoto:Rating when there is no xmp:Rating; several
// rdf:Description blocks. PickLabel 2 ("pending") reads as unflagged.
//
// Sidecar name: we create "image.png.xmp" (darktable and digiKam's default), and read
// "image.xmp" (Adobe, Photo Mechanic, digiKam's "compatible" option) when that is the only one.
// The full name is needed because a final can exist as name.png and name.exr; the Adobe name
// would make them share one sidecar. An update goes into the sidecar that exists, so a folder
// keeps the naming its other tool chose.
//
// Updates change only the properties above, splicing them into the original text: every other
// byte (foreign namespaces, darktable history, comments, xpacket padding) stays. Writes are atomic.
#include "catalog/CullMarks.h"
#include "common/Error.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hdr::catalog {

inline constexpr std::string_view kXmpNamespace = "http://ns.adobe.com/xap/1.0/";
inline constexpr std::string_view kDigiKamNamespace = "http://www.digikam.org/ns/1.0/";
inline constexpr std::string_view kMicrosoftPhotoNamespace = "http://ns.microsoft.com/photo/1.0/";
inline constexpr std::string_view kPhotoMechanicNamespace = "http://ns.camerabits.com/photomechanic/1.0/";
inline constexpr std::string_view kRdfNamespace = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

// Largest sidecar read (darktable histories reach a few hundred KiB).
inline constexpr std::size_t kMaxSidecarBytes = 16u << 20;

// The marks an XMP packet states. Errors: not well-formed XML, or no rdf:RDF element.
core::Result<CullMarks> readCullMarks(std::string_view xmp);
// `xmp` with our properties set to `marks` and nothing else changed. A blank `xmp` gives a new
// packet. Errors as readCullMarks: a file we cannot parse is never rewritten.
core::Result<std::string> updateCullMarks(std::string_view xmp, const CullMarks& marks);

std::filesystem::path sidecarPathFor(const std::filesystem::path& image);      // image.png.xmp
std::filesystem::path adobeSidecarPathFor(const std::filesystem::path& image); // image.xmp
// The sidecar that exists for `image`: image.png.xmp first, then image.xmp.
std::optional<std::filesystem::path> existingSidecar(const std::filesystem::path& image);

struct SidecarMarks {
    std::optional<std::filesystem::path> path; // the sidecar read; unset when there is none
    CullMarks marks;
};
// Marks from the image's sidecar (defaults when there is none). Errors name the sidecar.
core::Result<SidecarMarks> readSidecar(const std::filesystem::path& image);
// Writes `marks` into the image's existing sidecar, or creates image.png.xmp (not when `marks`
// are the defaults and no sidecar exists). Returns the sidecar's path (unset when none was
// needed).
core::Result<std::optional<std::filesystem::path>> writeSidecar(const std::filesystem::path& image,
                                                                const CullMarks& marks);

} // namespace hdr::catalog
