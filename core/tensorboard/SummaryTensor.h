#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace hdr::tensorboard {

// Reading the TensorProto inside Summary.Value.tensor (TensorFlow tensor.proto / tensor_shape.proto):
//   dtype 1 (DataType enum), tensor_shape 2 { dim 2 { size 1 } }, tensor_content 4 (raw little-endian
//   elements), float_val 5, double_val 6, int_val 7, string_val 8, int64_val 10, bool_val 11,
//   half_val 13, uint32_val 16, uint64_val 17 (numeric lists packed or not).
// PyTorch's SummaryWriter.add_scalar(new_style=True) writes DT_FLOAT with float_val; TensorFlow 2's
// tf.summary.scalar writes the value as tensor_content. Both arrive with plugin "scalars".

// DataType values we decode (TensorFlow types.proto).
enum class TensorDType : std::int64_t {
    Float = 1,
    Double = 2,
    Int32 = 3,
    UInt8 = 4,
    Int16 = 5,
    Int8 = 6,
    String = 7,
    Int64 = 9,
    Bool = 10,
    BFloat16 = 14,
    UInt16 = 17,
    Half = 19,
    UInt32 = 22,
    UInt64 = 23,
};

// The value of a one-element numeric tensor (any shape whose dimensions are all 1), as a double;
// nullopt for other dtypes, more than one element, or content whose size does not match the dtype.
// A tensor with no values at all is 0, as TensorFlow's make_ndarray reads it. Throws
// core::HdrError (CorruptData) when the wire data itself is malformed.
std::optional<double> decodeScalarTensor(std::string_view tensorProto);

// The "images" plugin tensor (tensorboard plugins/image/summary_v2.py): a rank-1 string tensor
// [width, height, encoded_0, encoded_1, ...] with width and height as decimal text. Calls `visit`
// for each encoded image with its index; returns false (visiting nothing) when the tensor is not
// of that form. Throws core::HdrError (CorruptData) on malformed wire data.
bool forEachImageInTensor(
    std::string_view tensorProto,
    const std::function<
        void(std::int64_t width, std::int64_t height, std::string_view encoded, std::int64_t index)>& visit);

} // namespace hdr::tensorboard
