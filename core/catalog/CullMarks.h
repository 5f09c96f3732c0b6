#pragma once
// What a user decided about a candidate while culling: a flag (pick / reject) and 0-5 stars, the two
// separate axes of Lightroom, darktable and digiKam (../shared/reference/hdr.md §5.2).
//
// In the sidecar (XmpSidecar.h) a rejected image has xmp:Rating = -1, as the XMP specification,
// darktable and Bridge define it, so a rejected image carries no stars. The transitions below
// keep the in-memory state equal to what the file can say, the way darktable does it: rejecting
// clears the stars; giving stars to a rejected image takes the rejection back.

namespace hdr::catalog {

enum class Flag { None, Picked, Rejected };

const char* nameOf(Flag flag); // "unflagged", "picked", "rejected"

struct CullMarks {
    Flag flag = Flag::None;
    int stars = 0; // 0..5; 0 when rejected

    bool operator==(const CullMarks&) const = default;

    CullMarks withFlag(Flag f) const;
    CullMarks withStars(int n) const; // n is clamped to 0..5
    bool isDefault() const { return flag == Flag::None && stars == 0; }
};

} // namespace hdr::catalog
