#pragma once

#include <tl/expected.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace hdr::core {

// What went wrong, coarse enough for callers to branch on (e.g. format probing moves on to the
// next reader on UnsupportedFormat) and paired with a message a user can act on.
enum class ErrorCode {
    InvalidArgument,   // wrong settings: the message says which and what is allowed
    UnsupportedFormat, // not a file this reader handles; probing may try another
    CorruptData,       // recognised format, but damaged, truncated or hostile content
    LimitExceeded,     // absurd sizes refused before allocating
    IoError,           // open/read/write/rename failed
    AlreadyExists,     // refusing to overwrite an existing output
    Cancelled,         // the user cancelled the job
    Internal,          // a bug: an exception we did not expect
};

const char* nameOf(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message; // one sentence for the user
    std::string where;   // file, part, tensor or frame at fault (may be empty)

    // "message (where)" — what the CLI prints and the GUI shows.
    std::string describe() const;
};

template <typename T> using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string message, std::string where = {})
{
    return tl::unexpected<Error>(Error{code, std::move(message), std::move(where)});
}

// Exceptions are used inside the core; public functions convert them to Result at the boundary.
class HdrError : public std::runtime_error {
public:
    explicit HdrError(Error error);
    HdrError(ErrorCode code, std::string message, std::string where = {});
    const Error& error() const noexcept { return m_error; }

private:
    Error m_error;
};

[[noreturn]] void throwError(ErrorCode code, std::string message, std::string where = {});

// The value of a Result inside exception-based code: throws its error as HdrError.
template <typename T> T unwrap(Result<T>&& result)
{
    if (!result) {
        throw HdrError(std::move(result.error()));
    }
    return std::move(*result);
}
inline void unwrap(Status&& status)
{
    if (!status) {
        throw HdrError(std::move(status.error()));
    }
}

// Runs fn() and maps any exception to an Error: HdrError keeps its code; std::bad_alloc becomes
// LimitExceeded; anything else becomes `fallback` with the exception's text. `where` names the
// file or object the call worked on.
Error errorFromCurrentException(ErrorCode fallback, const std::string& where);

template <typename Fn>
auto guarded(ErrorCode fallback, const std::string& where, Fn&& fn) -> Result<decltype(fn())>
{
    try {
        if constexpr (std::is_void_v<decltype(fn())>) {
            fn();
            return {};
        } else {
            return fn();
        }
    } catch (...) {
        return tl::unexpected<Error>(errorFromCurrentException(fallback, where));
    }
}

} // namespace hdr::core
