// What orbitlake implements of the Delta protocol, checked before reading or writing.
// Pure functions: they look at the protocol and metaData actions only (plus the schema
// string for column-level features).
//
// Reading: reader version 1, version 2 only without column mapping (mode "none"),
// version 3 with no reader features outside kSupportedReaderFeatures. Refused with
// Unsupported naming the feature: deletionVectors, columnMapping, v2Checkpoint,
// typeWidening, variantType, ...
//
// Writing (orbitlake only appends): writer versions 1-7 with, at 7, only the writer
// features in kSupportedWriterFeatures; features that constrain what may be written
// (invariants, CHECK constraints, generated or identity columns, column mapping,
// change data feed on non-appends) are accepted only when the table does not use them.
#pragma once

#include "common/status.h"
#include "delta/actions.h"

namespace orbitlake::delta {

Status CheckReadSupported(const Protocol& protocol, const Metadata& metadata);
// `removes_data`: the commit removes rows (not just appends), which delta.appendOnly forbids.
Status CheckWriteSupported(const Protocol& protocol, const Metadata& metadata, bool removes_data = false);

// The configuration value or its default ("delta.checkpointInterval" -> 10).
int64_t CheckpointInterval(const Metadata& metadata);
bool IsAppendOnly(const Metadata& metadata);

}  // namespace orbitlake::delta
