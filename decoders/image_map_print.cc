// ImageMap as JSON and as human text; see image_map.h. Kept apart from
// the decoding so that each file stays about one thing.
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "decoders/image_map.h"
#include "decoders/ubi_headers.h"

namespace flashfault::decoders {
namespace {

using nlohmann::ordered_json;

std::string RecordName(const UbiVtblRecord& r) {
  return PrintableName(Bytes(reinterpret_cast<const uint8_t*>(r.name.data()), r.name.size()));
}

std::string VolumeLabel(const VolumeMap& v) {
  if (const char* internal = UbiInternalVolumeName(v.vol_id)) return internal;
  return absl::StrCat(v.vol_id);
}

// "0-12 -> PEB 2-14, 13 -> PEB 20": runs where LEB and PEB both step by one.
std::string LebRuns(const std::vector<std::pair<uint32_t, uint32_t>>& lebs) {
  std::string s;
  for (size_t i = 0; i < lebs.size();) {
    size_t j = i;
    while (j + 1 < lebs.size() && lebs[j + 1].first == lebs[j].first + 1 &&
           lebs[j + 1].second == lebs[j].second + 1) {
      ++j;
    }
    absl::StrAppend(&s, s.empty() ? "" : ", ");
    if (i == j) {
      absl::StrAppend(&s, lebs[i].first, " -> PEB ", lebs[i].second);
    } else {
      absl::StrAppend(&s, lebs[i].first, "-", lebs[j].first, " -> PEB ", lebs[i].second, "-",
                      lebs[j].second);
    }
    i = j + 1;
  }
  return s;
}

template <typename Set>
std::string JoinSet(const Set& set, size_t most) {
  std::string s;
  size_t n = 0;
  for (const auto& x : set) {
    if (n++ == most) return absl::StrCat(s, " ... (", set.size(), " in all)");
    absl::StrAppend(&s, s.empty() ? "" : " ", x);
  }
  return s;
}

ordered_json UbifsToJson(const UbifsMap& u) {
  ordered_json areas = ordered_json::object();
  for (const UbifsAreaRange& r : UbifsAreas(u.sb)) {
    areas[UbifsAreaName(r.area)] = {{"first_leb", r.first_lnum}, {"lebs", r.lebs}};
  }
  ordered_json counts = ordered_json::object();
  for (uint8_t t = 0; t < kUbifsNodeTypeCount; ++t) counts[UbifsNodeTypeName(t)] = u.counts[t];
  ordered_json j = {{"leb_size", u.sb.leb_size},       {"leb_cnt", u.sb.leb_cnt},
                    {"max_leb_cnt", u.sb.max_leb_cnt}, {"min_io_size", u.sb.min_io_size},
                    {"fmt_version", u.sb.fmt_version}, {"areas", areas},
                    {"lebs_walked", u.lebs_walked},    {"nodes", counts},
                    {"invalid", u.invalid},            {"bad_crc", u.bad_crc},
                    {"inodes", u.inodes}};
  if (u.master) {
    j["master"] = {{"highest_inum", u.master->highest_inum},
                   {"cmt_no", u.master->cmt_no},
                   {"log_lnum", u.master->log_lnum},
                   {"root_lnum", u.master->root_lnum},
                   {"lpt_lnum", u.master->lpt_lnum},
                   {"leb_cnt", u.master->leb_cnt}};
  }
  return j;
}

}  // namespace

ordered_json ImageMapToJson(const ImageMap& map) {
  ordered_json pebs = ordered_json::array();
  for (const PebEntry& e : map.pebs) {
    ordered_json p = {{"use", PebUseName(e.use)}};
    if (e.has_ec) p["ec"] = e.ec;
    if (e.use == PebUse::kMapped || e.use == PebUse::kStale) {
      p["vol_id"] = e.leb.vol_id;
      p["lnum"] = e.leb.lnum;
      p["sqnum"] = e.leb.sqnum;
    }
    pebs.push_back(std::move(p));
  }
  ordered_json j = {{"format", map.format}};
  if (map.vid_hdr_offset) {
    j["vid_hdr_offset"] = *map.vid_hdr_offset;
    j["data_offset"] = *map.data_offset;
    j["image_seq"] = *map.image_seq;
  }
  ordered_json counts = ordered_json::object();
  for (PebUse u : {PebUse::kMapped, PebUse::kStale, PebUse::kFree, PebUse::kCorrupt,
                   PebUse::kErased, PebUse::kBad, PebUse::kJffs2, PebUse::kUnknown}) {
    counts[PebUseName(u)] = map.Count(u);
  }
  j["peb_counts"] = counts;
  ordered_json vols = ordered_json::array();
  for (const VolumeMap& v : map.volumes) {
    ordered_json jv = {{"vol_id", v.vol_id}, {"vol_type", UbiVolTypeName(v.vol_type)}};
    if (const char* internal = UbiInternalVolumeName(v.vol_id)) jv["internal"] = internal;
    if (v.record) {
      jv["name"] = RecordName(*v.record);
      jv["reserved_pebs"] = v.record->reserved_pebs;
      jv["alignment"] = v.record->alignment;
      jv["data_pad"] = v.record->data_pad;
      jv["upd_marker"] = v.record->upd_marker;
      jv["flags"] = v.record->flags;
    }
    ordered_json lebs = ordered_json::array();
    for (const auto& [lnum, peb] : v.lebs) lebs.push_back({{"lnum", lnum}, {"peb", peb}});
    jv["lebs"] = lebs;
    if (v.vol_type == kUbiVolStatic) jv["data_crc_bad"] = v.data_crc_bad;
    if (v.ubifs) jv["ubifs"] = UbifsToJson(*v.ubifs);
    vols.push_back(std::move(jv));
  }
  if (map.format == "ubi") j["volumes"] = vols;
  if (map.jffs2) {
    ordered_json counts = ordered_json::object();
    for (int k = 0; k < kJffs2KindCount; ++k) {
      counts[Jffs2KindName(static_cast<Jffs2Kind>(k))] = map.jffs2->totals.counts[k];
    }
    j["jffs2"] = {{"blocks_with_nodes", map.jffs2->blocks_with_nodes},
                  {"nodes", counts},
                  {"obsolete", map.jffs2->totals.obsolete},
                  {"bad_hdr_crc", map.jffs2->totals.bad_hdr_crc},
                  {"bad_node_crc", map.jffs2->totals.bad_node_crc},
                  {"bad_data_crc", map.jffs2->totals.bad_data_crc},
                  {"inodes", map.jffs2->inodes}};
  }
  j["pebs"] = pebs;
  return j;
}

std::string ImageMapToText(const ImageMap& map) {
  std::string s = absl::StrCat("format:     ", map.format);
  if (map.vid_hdr_offset) {
    absl::StrAppend(&s, " (VID header at ", *map.vid_hdr_offset, ", data at ",
                    *map.data_offset, ", image sequence ", *map.image_seq, ")");
  }
  absl::StrAppend(&s, "\nPEBs:      ");
  for (PebUse u : {PebUse::kMapped, PebUse::kStale, PebUse::kFree, PebUse::kCorrupt,
                   PebUse::kJffs2, PebUse::kUnknown, PebUse::kErased, PebUse::kBad}) {
    if (const uint32_t n = map.Count(u); n > 0) absl::StrAppend(&s, " ", n, " ", PebUseName(u));
  }
  absl::StrAppend(&s, "\n");
  for (const VolumeMap& v : map.volumes) {
    absl::StrAppend(&s, "volume ", VolumeLabel(v));
    if (v.record) {
      absl::StrAppend(&s, " \"", RecordName(*v.record), "\" ", UbiVolTypeName(v.vol_type), ", ",
                      v.record->reserved_pebs, " PEBs reserved");
    } else {
      absl::StrAppend(&s, " ", UbiVolTypeName(v.vol_type));
    }
    absl::StrAppend(&s, ", ", v.lebs.size(), " LEBs mapped: ", LebRuns(v.lebs), "\n");
    if (v.vol_type == kUbiVolStatic) {
      absl::StrAppend(&s, "  data CRC bad in ", v.data_crc_bad, " LEBs\n");
    }
    if (!v.ubifs) continue;
    const UbifsMap& u = *v.ubifs;
    absl::StrAppend(&s, "  UBIFS: LEB size ", u.sb.leb_size, ", ", u.sb.leb_cnt, " LEBs (max ",
                    u.sb.max_leb_cnt, "), areas:");
    for (const UbifsAreaRange& r : UbifsAreas(u.sb)) {
      if (r.lebs == 0) continue;
      absl::StrAppend(&s, " ", UbifsAreaName(r.area), " ", r.first_lnum);
      if (r.lebs > 1) absl::StrAppend(&s, "-", r.first_lnum + r.lebs - 1);
    }
    absl::StrAppend(&s, "\n");
    if (u.master) {
      absl::StrAppend(&s, "  master: highest inode ", u.master->highest_inum, ", commit ",
                      u.master->cmt_no, ", index root at LEB ", u.master->root_lnum, "\n");
    }
    absl::StrAppend(&s, "  nodes in ", u.lebs_walked, " LEBs:");
    for (uint8_t t = 0; t < kUbifsNodeTypeCount; ++t) {
      if (u.counts[t] > 0) absl::StrAppend(&s, " ", UbifsNodeTypeName(t), " ", u.counts[t]);
    }
    absl::StrAppend(&s, "; ", u.invalid, " invalid, ", u.bad_crc, " with a bad CRC\n  inodes: ",
                    JoinSet(u.inodes, 64), "\n");
  }
  if (map.jffs2) {
    const Jffs2Walk& t = map.jffs2->totals;
    absl::StrAppend(&s, "JFFS2 nodes in ", map.jffs2->blocks_with_nodes, " blocks:");
    for (int k = 0; k < kJffs2KindCount; ++k) {
      if (t.counts[k] > 0) {
        absl::StrAppend(&s, " ", Jffs2KindName(static_cast<Jffs2Kind>(k)), " ", t.counts[k]);
      }
    }
    absl::StrAppendFormat(&s, "; %u obsolete; bad CRCs: %u header, %u node, %u data\n",
                          t.obsolete, t.bad_hdr_crc, t.bad_node_crc, t.bad_data_crc);
    absl::StrAppend(&s, "  inodes: ", JoinSet(map.jffs2->inodes, 64), "\n");
  }
  return s;
}

}  // namespace flashfault::decoders
