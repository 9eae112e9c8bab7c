// Converts arrow::Status into orbitlake's Status at the Arrow boundary.
#pragma once

#include <string_view>

#include <arrow/status.h>

#include "common/status.h"

namespace orbitlake::columnar {

inline Status FromArrow(const arrow::Status& st, std::string_view context) {
  if (st.ok()) return Status::OK();
  std::string m(context);
  m += ": ";
  m += st.ToString();
  if (st.IsIOError()) return Status::IOError(std::move(m));
  if (st.IsInvalid() || st.IsTypeError()) return Status::InvalidArgument(std::move(m));
  if (st.IsNotImplemented()) return Status::Unsupported(std::move(m));
  if (st.IsOutOfMemory() || st.IsCapacityError()) return Status::IOError(std::move(m));
  return Status::Internal(std::move(m));
}

}  // namespace orbitlake::columnar
