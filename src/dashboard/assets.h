// The dashboard's web files, embedded into the binary at build time (src/dashboard/CMakeLists.txt
// runs cmake/EmbedFiles.cmake): the page, its script and style (src/dashboard/web/) and
// uPlot, the chart library that scripts/vendor-uplot installed from the npm registry at a
// pinned version. Embedded, not read from an installed path, so that the one binary is
// the whole dashboard (a container image or a copied binary cannot lose the files) and
// the browser never fetches anything from the internet.
//
// Thread safety: immutable data.
#pragma once

#include <string_view>

namespace orbitlake::dashboard {

struct Asset {
  std::string_view name;  // "index.html", "uPlot.iife.min.js", ...
  std::string_view content_type;
  std::string_view data;
};

// nullptr for a name that is not embedded (uPlot when the build did not find it).
const Asset* FindAsset(std::string_view name);

// The uPlot version embedded, "" when the build did not find uPlot (scripts/vendor-uplot
// was not run before the build): the page then says so instead of drawing.
std::string_view ChartLibraryVersion();

}  // namespace orbitlake::dashboard
