#pragma once

#include <optional>
#include <string>

namespace hdr::core {

// Transfer functions between linear light and an encoded signal in [0, 1].
//
//   sRGB   (IEC 61966-2-1): V = 12.92 L for L <= 0.0031308, else 1.055 L^(1/2.4) - 0.055
//   Gamma  (pure power):    V = L^(1/gamma)
//   PQ     (SMPTE ST 2084): V = ((c1 + c2 Y^m1) / (1 + c3 Y^m1))^m2, Y = L * sdrWhiteNits / 10000
//   HLG    (BT.2100, scene-referred, no OOTF): V = sqrt(3E) for E <= 1/12, else a ln(12E - b) + c,
//          with E = L * hlgReferenceScale so that linear 1.0 (reference white) lands at V = 0.75
//   Linear: V = L
//
// Linear values are relative: 1.0 = SDR / graphics white. PQ maps 1.0 to sdrWhiteNits
// (203 cd/m², BT.2408 — see ../shared/reference/hdr.md §3.2).
enum class TransferKind { Linear, Srgb, Gamma, PQ, HLG };

struct Transfer {
    TransferKind kind = TransferKind::Srgb;
    float gamma = 2.2f;          // only for TransferKind::Gamma
    float sdrWhiteNits = 203.0f; // only for PQ

    std::string name() const; // "srgb", "gamma2.2", "pq", "hlg", "linear"
    static std::optional<Transfer> fromString(const std::string& name);
    bool operator==(const Transfer&) const = default;

    static Transfer linear() { return {TransferKind::Linear}; }
    static Transfer srgb() { return {TransferKind::Srgb}; }
    static Transfer pureGamma(float g) { return {TransferKind::Gamma, g}; }
    static Transfer pq() { return {TransferKind::PQ}; }
    static Transfer hlg() { return {TransferKind::HLG}; }
};

// Linear -> signal. Inputs are clamped to the encodable range (>= 0; PQ <= 10000 nits;
// HLG <= 1 scene light); NaN becomes 0.
float encode(const Transfer& t, float linear);
// Signal in [0, 1] -> linear.
float decode(const Transfer& t, float signal);

float srgbEncode(float linear);
float srgbDecode(float signal);
float pqEncodeNits(float nits);   // nits in [0, 10000] -> signal
float pqDecodeNits(float signal); // signal -> nits
float hlgOetf(float sceneLight);  // E in [0, 1]
float hlgInverseOetf(float signal);
constexpr float kHlgReferenceScale = 0.26496256f; // E of reference white: hlgOetf(E) = 0.75

} // namespace hdr::core
