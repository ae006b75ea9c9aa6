// The pictures of report.html, as inline SVG (no script, no fonts or images
// from anywhere): a page opened offline shows them exactly.
//
//   BlockMapSvg      one square per eraseblock, shaded by its erase count;
//                    bad at start (factory) black, grown bad red, blocks
//                    where faults were injected ringed in orange; a
//                    <title> per block says it in words
//   TimelineSvg      ops per bin of the op sequence (stacked by kind) above
//                    injected faults per bin (stacked by fault kind)
//   StatesRateSvg    crash states checked per minute over the checks' time,
//                    failing ones in red, all shards of an exploration added
//   CoverageSvg      a fuzzing campaign's coverage (KCOV edges, or its other
//                    features without KCOV) over time, one line per guest
//   PebUseSvg        the decoded image's eraseblocks by use (mapped, free,
//                    erased, bad, stale, corrupt, JFFS2)
//
// Must not: read files or decide what is shown (the page does), or emit
// anything but self-contained SVG.
#pragma once

#include <string>
#include <vector>

#include "decoders/image_map.h"
#include "harness/report/records.h"

namespace flashfault::report {

// The colour of fault kind or op kind `name`: fixed per name, so a kind
// has the same colour in every picture and legend.
std::string SeriesColour(const std::string& name);

std::string BlockMapSvg(const DeviceRecord& d);
std::string TimelineSvg(const DeviceRecord& d);
// `shards`: each shard's states (with at_s when the results have it; else
// their own durations are added up as the clock).
std::string StatesRateSvg(const std::vector<const ExploreRecord*>& shards);
std::string CoverageSvg(const FuzzRecord& r);
std::string PebUseSvg(const decoders::ImageMap& map);

// A legend entry: a colour swatch and its words, as HTML.
std::string LegendItem(const std::string& colour, const std::string& words);

}  // namespace flashfault::report
