// libFuzzer target for the TensorBoard event reader (hdr_tensorboard): any byte string, read as an
// event file and as the payload of one correctly framed record (so mutations reach the protobuf
// decoding without having to find CRC-32Cs), must give records or clean errors, never a crash,
// undefined behaviour, a hang or an allocation beyond what the input can hold.

#include "tensorboard/EventProto.h"
#include "tensorboard/EventReader.h"
#include "tensorboard/RecordFraming.h"
#include "tensorboard/SummaryTensor.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace hdr::tensorboard;

namespace {

void check(const hdr::core::Result<EventBatch>& batch, std::size_t inputBytes, const ReaderOptions& options)
{
    if (!batch) {
        if (batch.error().message.empty()) {
            std::abort(); // every error must say something
        }
        return;
    }
    std::size_t imageBytes = 0;
    for (const auto& image : batch->images) {
        imageBytes += image.encoded.size();
        if (image.recordOffset >= inputBytes) {
            std::abort(); // an image from beyond the input
        }
    }
    if (imageBytes > inputBytes) {
        std::abort(); // image bytes are copies of input bytes: never more than the input
    }
    for (const auto& problem : batch->problems) {
        if (problem.message.find("byte offset") == std::string::npos) {
            std::abort(); // errors about records must say where
        }
    }
    if (batch->scalars.size() + batch->images.size() > options.maxOutputsPerEvent * (batch->eventsRead + 1)) {
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    ReaderOptions options;
    options.maxRecordBytes = 1u << 20;
    options.maxOutputsPerEvent = 1000;

    // As a whole event file.
    check(readEventBytes(bytes, "fuzz", options), bytes.size(), options);

    // As the payload of one valid record after a version event.
    const std::string file = frameRecord(encodeFileVersionEvent(1.0)) + frameRecord(bytes);
    check(readEventBytes(file, "fuzz", options), file.size(), options);

    // As a bare TensorProto, through both tensor decoders.
    try {
        (void)decodeScalarTensor(bytes);
        std::size_t total = 0;
        forEachImageInTensor(bytes, [&](std::int64_t, std::int64_t, std::string_view png, std::int64_t) {
            total += png.size();
        });
        if (total > size) {
            std::abort();
        }
    } catch (const hdr::core::HdrError&) {
        // malformed wire data: the expected clean failure
    }
    return 0;
}
