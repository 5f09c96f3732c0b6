#include "common/Error.h"

#include <new>

namespace hdr::core {

const char* nameOf(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::UnsupportedFormat: return "unsupported format";
    case ErrorCode::CorruptData: return "corrupt data";
    case ErrorCode::LimitExceeded: return "limit exceeded";
    case ErrorCode::IoError: return "I/O error";
    case ErrorCode::AlreadyExists: return "already exists";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::Internal: return "internal error";
    }
    return "unknown error";
}

std::string Error::describe() const
{
    if (where.empty()) {
        return message;
    }
    return message + " (" + where + ")";
}

HdrError::HdrError(Error error)
    : std::runtime_error(error.describe())
    , m_error(std::move(error))
{
}

HdrError::HdrError(ErrorCode code, std::string message, std::string where)
    : HdrError(Error{code, std::move(message), std::move(where)})
{
}

void throwError(ErrorCode code, std::string message, std::string where)
{
    throw HdrError(code, std::move(message), std::move(where));
}

Error errorFromCurrentException(ErrorCode fallback, const std::string& where)
{
    try {
        throw;
    } catch (const HdrError& e) {
        Error err = e.error();
        if (err.where.empty()) {
            err.where = where;
        }
        return err;
    } catch (const std::bad_alloc&) {
        return Error{ErrorCode::LimitExceeded, "not enough memory for this image", where};
    } catch (const std::exception& e) {
        return Error{fallback, e.what(), where};
    } catch (...) {
        return Error{ErrorCode::Internal, "unknown exception", where};
    }
}

} // namespace hdr::core
