// Log story printer; see log_story.h. Addresses are turned into blocks and
// pages with the logged geometry (the replay object) or the preset of the
// logged geometry name; without either they stay byte addresses.
#include "fault-models/replay/log_story.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/model/geometry_json.h"
#include "backends/model/presets.h"
#include "fault-models/replay/event_record.h"

namespace flashfault {
namespace {

std::string Where(const std::optional<Geometry>& g, uint64_t addr, bool paged) {
  if (!g) return absl::StrCat("addr ", addr);
  const uint64_t block = addr / g->block_size();
  if (!paged) return absl::StrCat("block ", block);
  const uint64_t page = (addr % g->block_size()) / g->page_size;
  std::string s = absl::StrCat("block ", block, " page ", page);
  if (addr % g->page_size != 0) absl::StrAppend(&s, " +", addr % g->page_size);
  return s;
}

std::string OpText(const EventRecord& j, const std::optional<Geometry>& g) {
  const std::string op = j.op.value_or("?");
  const uint64_t addr = j.addr.value_or(0);
  const uint64_t len = j.len.value_or(0);
  const uint64_t oob = j.oob.value_or(0);
  const std::string status = j.status.value_or("?");
  std::string s = absl::StrCat("op ", j.i.value_or(-1), ": ", op);
  if (op == "read" || op == "write") {
    if (len) absl::StrAppend(&s, " ", len, " B");
    if (oob) absl::StrAppend(&s, len ? " + " : " ", oob, " B OOB");
    const std::string mode = j.mode.value_or("place");
    if (mode != "place") absl::StrAppend(&s, " (", mode, ")");
    absl::StrAppend(&s, " at ", Where(g, addr, true), " -> ", status);
    if (op == "read" && status == "ok") {
      const uint64_t corr = j.corr.value_or(0);
      const uint64_t fail = j.fail.value_or(0);
      if (fail) absl::StrAppend(&s, ", uncorrectable (", fail, " ECC steps failed)");
      if (corr) absl::StrAppend(&s, ", ", corr, " bitflips corrected");
      if (j.scrub.value_or(false)) absl::StrAppend(&s, ", scrub advised");
    }
  } else if (op == "erase") {
    const uint64_t blocks = g && g->block_size() ? len / g->block_size() : 0;
    absl::StrAppend(&s, " ", Where(g, addr, false));
    if (blocks > 1) absl::StrAppend(&s, " (", blocks, " blocks)");
    absl::StrAppend(&s, " -> ", status);
  } else if (op == "isbad" || op == "markbad") {
    absl::StrAppend(&s, " ", Where(g, addr, false), " -> ", status);
    if (j.bad) absl::StrAppend(&s, *j.bad ? ", bad" : ", good");
  } else {
    absl::StrAppend(&s, " -> ", status);
  }
  return s;
}

// "UBIFS master node", "UBIFS inode+dent nodes", "JFFS2 dirent node".
std::string NodesText(const char* format, const std::vector<std::string>& nodes) {
  static const std::pair<const char*, const char*> kPretty[] = {
      {"mst", "master"}, {"sb", "superblock"}, {"idx", "index"},   {"ino", "inode"},
      {"ref", "log reference"}, {"cs", "commit start"}, {"orph", "orphan"},
      {"pad", "padding"}, {"trun", "truncation"}, {"xent", "xattr entry"}};
  std::vector<std::string> names;
  for (const std::string& n : nodes) {
    std::string pretty = n;
    for (const auto& [from, to] : kPretty) {
      if (n == from) pretty = to;
    }
    names.push_back(pretty);
  }
  return absl::StrCat(format, " ", absl::StrJoin(names, "+"), names.size() == 1 ? " node" : " nodes");
}

// What one page (block) held, in words.
std::string MeaningText(const EventMeaning& m) {
  std::string head;
  const std::string name = m.name ? absl::StrCat(" \"", *m.name, "\"") : "";
  if (m.vid && m.vol) {
    head = absl::StrCat(m.ec ? "EC header, " : "", "VID vol=", *m.vol, name, " lnum=",
                        m.lnum.value_or(0), " sqnum=", m.sqnum.value_or(0), m.copy ? " copy" : "");
  } else if (m.ec) {
    head = "EC header";
  } else if (m.vol) {
    head = absl::StrCat("vol=", *m.vol, name, " lnum=", m.lnum.value_or(0));
    if (m.off) absl::StrAppend(&head, " +", *m.off);
  }
  if (m.hdr_crc_bad) absl::StrAppend(&head, " (header CRC bad)");
  std::string body;
  const bool jffs2 = m.kind == "jffs2";
  if (m.kind == "ubifs" || jffs2) {
    const char* format = jffs2 ? "JFFS2" : "UBIFS";
    if (!m.nodes.empty()) body = NodesText(format, m.nodes);
    if (m.cont) {
      absl::StrAppend(&body, body.empty() ? "" : ", ", "inside a ", format, " ",
                      *m.cont == "?" ? "node" : NodesText("", {*m.cont}).substr(1));
    }
    if (body.empty()) body = absl::StrCat(format, " bytes");
  } else if (m.kind == "ubifs-lpt") {
    body = "UBIFS LPT";
  } else if (m.kind == "layout-volume") {
    body = "volume table";
  } else if (m.kind == "fastmap") {
    body = absl::StrCat("fastmap ", m.fm.value_or("data"));
  } else if (m.kind == "ubi-data") {
    body = "volume data";
  } else if (m.kind == "erased") {
    body = m.pages > 1 ? absl::StrCat("erased (", m.pages, " pages)") : "erased";
  } else if (m.kind == "unknown") {
    body = "unknown bytes";
  }
  if (m.area && m.kind != "erased") absl::StrAppend(&body, " (", *m.area, " area)");
  if (m.bad_crc) absl::StrAppend(&body, ", ", m.bad_crc, " with a bad CRC");
  if (head.empty()) return body;
  if (body.empty()) return head;
  return absl::StrCat(head, ": ", body);
}

// The op's meanings as one clause: "PEB 17 <- ...; page 4: ...".
std::string OpMeaningText(const EventRecord& j, const std::optional<Geometry>& g) {
  const std::string op = j.op.value_or("?");
  const uint64_t addr = j.addr.value_or(0);
  const std::string peb = g && g->block_size() ? absl::StrCat("PEB ", addr / g->block_size())
                                               : absl::StrCat("addr ", addr);
  if (op == "erase") return absl::StrCat(peb, " erased, held ", MeaningText(j.meanings[0]));
  const char* arrow = op == "write" ? " <- " : op == "read" ? " -> " : ": ";
  std::string s = absl::StrCat(peb, arrow, MeaningText(j.meanings[0]));
  // Further pages: each new description once, in order.
  std::vector<std::string> seen{MeaningText(j.meanings[0])};
  for (size_t i = 1; i < j.meanings.size(); ++i) {
    std::string t = MeaningText(j.meanings[i]);
    if (std::find(seen.begin(), seen.end(), t) != seen.end()) continue;
    absl::StrAppend(&s, "; then ", t);
    seen.push_back(std::move(t));
  }
  return s;
}

std::string FaultText(const EventRecord& j) {
  std::string s = absl::StrCat("fault '", j.id.value_or("?"), "' (", j.kind.value_or("?"), ") ",
                               j.effect.value_or("?"));
  const std::vector<uint64_t>& bits = j.bits;
  if (!bits.empty()) absl::StrAppend(&s, " ", bits.size(), bits.size() == 1 ? " bit" : " bits");
  const int64_t block = j.block.value_or(-1);
  const int64_t page = j.page.value_or(-1);
  if (block >= 0) absl::StrAppend(&s, " at block ", block);
  if (page >= 0) absl::StrAppend(&s, " page ", page);
  if (!bits.empty()) {
    constexpr size_t kShown = 8;
    std::vector<uint64_t> shown(bits.begin(), bits.begin() + std::min(bits.size(), kShown));
    absl::StrAppend(&s, " (bits ", absl::StrJoin(shown, ", "), bits.size() > kShown ? ", ..." : "",
                    ")");
  }
  return s;
}

}  // namespace

absl::Status PrintStory(std::istream& in, const std::string& name, const StoryOptions& options,
                        std::FILE* out) {
  std::optional<Geometry> g;
  std::vector<std::string> pending;  // faults of the op whose line comes next
  std::string line;
  uint64_t lineno = 0;
  auto in_range = [&](int64_t i) {
    if (i < 0) return !options.from.has_value();
    if (options.from && static_cast<uint64_t>(i) < *options.from) return false;
    if (options.to && static_cast<uint64_t>(i) > *options.to) return false;
    return true;
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    absl::StatusOr<EventRecord> rec = ParseEventRecord(line);
    if (!rec.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ":", lineno, ": ", rec.status().message()));
    }
    const EventRecord& j = *rec;
    const std::string& t = j.t;
    const int64_t i = j.i.value_or(-1);
    if (t == "start") {
      if (j.replay && j.replay->contains("geometry")) {
        absl::StatusOr<Geometry> lg = GeometryFromJson((*j.replay)["geometry"]);
        if (lg.ok()) g = *lg;
      }
      if (!g) {
        absl::StatusOr<Geometry> p = FindPreset(j.geometry.value_or(""));
        if (p.ok()) g = *p;
      }
      const std::vector<std::string>& ids = j.faults;
      std::fprintf(out, "run: seed %llu, geometry %s, faults: %s%s\n",
                   static_cast<unsigned long long>(j.seed.value_or(0)),
                   j.geometry.value_or("?").c_str(),
                   ids.empty() ? "none" : absl::StrJoin(ids, ", ").c_str(),
                   j.replay ? " (replayable)" : "");
    } else if (t == "fault") {
      if (i < 0) {
        if (in_range(i)) std::fprintf(out, "at attach: %s\n", FaultText(j).c_str());
      } else {
        pending.push_back(FaultText(j));
      }
    } else if (t == "op") {
      if (in_range(i) && (!options.faults_only || !pending.empty())) {
        std::string s = OpText(j, g);
        if (options.decode && !j.meanings.empty()) absl::StrAppend(&s, " | ", OpMeaningText(j, g));
        for (const std::string& f : pending) absl::StrAppend(&s, "; ", f);
        std::fprintf(out, "%s\n", s.c_str());
      }
      pending.clear();
      if (options.to && i >= 0 && static_cast<uint64_t>(i) > *options.to) break;
    } else if (t == "ctl") {
      if (!options.faults_only && in_range(i)) {
        std::string s = absl::StrCat("before op ", i, ": ", j.what.value_or("?"));
        if (j.us) absl::StrAppend(&s, " +", *j.us, " us");
        if (j.id) absl::StrAppend(&s, " '", *j.id, "'");
        std::fprintf(out, "%s\n", s.c_str());
      }
    } else if (t == "hash") {
      if (!options.faults_only && in_range(i)) {
        std::fprintf(out, "after op %lld: state hash %s\n", static_cast<long long>(i),
                     j.state.value_or("?").c_str());
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ":", lineno, ": unknown record type '", t, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace flashfault
