// What orbitlake implements of the Delta protocol, checked before reading or writing.
// Pure functions: they look at the protocol and metaData actions only (plus the schema
// string for column-level features).
//
// Reading: reader version 1, version 2 only without column mapping (mode "none"),
// version 3 with reader features among timestampNtz, vacuumProtocolCheck and
// columnMapping (mode "none" only). Writer-only features (appendOnly, invariants,
// checkConstraints, ...) never stop a read. Anything else is refused with Unsupported
// naming the feature: deletionVectors, columnMapping (active), v2Checkpoint,
// typeWidening, variantType, ...
//
// Writing (appends, OPTIMIZE's dataChange=false rewrites, VACUUM's commits; VACUUM
// checks this before deleting anything, as vacuumProtocolCheck asks): writer versions
// 1-7; at 7 the writer features appendOnly, changeDataFeed, timestampNtz and vacuumProtocolCheck,
// and the features that constrain what may be written (invariants, CHECK constraints,
// generated or identity columns, column mapping) only when the table does not use
// them. Every other writer feature is refused by name: a writer must not commit to a
// table whose rules it does not follow.
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
