// The incremental classifier; see flash_meaning.h.
#include "decoders/flash_meaning.h"

#include <algorithm>
#include <bit>

#include "absl/strings/str_cat.h"
#include "decoders/jffs2_nodes.h"

namespace flashfault::decoders {
namespace {

constexpr size_t kVtblBytes = size_t{kUbiMaxVolumes} * kUbiVtblRecordSize;

// Whether [inner, inner+inner_len) lies inside [outer, outer+outer_len), in 64
// bits so nothing wraps.
bool Contains(uint64_t outer, uint64_t outer_len, uint64_t inner, uint64_t inner_len) {
  return inner >= outer && inner + inner_len <= outer + outer_len;
}

// Records one node's type (and inode number, 0 = none) into the meaning.
inline void NoteType(PageMeaning& m, uint8_t type, bool bad_crc, uint32_t inum) {
  if (type < 32) m.type_mask |= uint32_t{1} << type;
  if (m.first_type == 0xFF) m.first_type = type;
  if (m.nodes < UINT16_MAX) ++m.nodes;
  if (bad_crc && m.bad_crc < UINT16_MAX) ++m.bad_crc;
  if (inum == 0 || m.inum_count == PageMeaning::kMaxInums) return;
  for (int i = 0; i < m.inum_count; ++i) {
    if (m.inums[i] == inum) return;
  }
  m.inums[m.inum_count++] = inum;
}

}  // namespace

const char* PageKindName(PageKind k) {
  switch (k) {
    case PageKind::kErased: return "erased";
    case PageKind::kEcHeader: return "ec-header";
    case PageKind::kVidHeader: return "vid-header";
    case PageKind::kLayoutVolume: return "layout-volume";
    case PageKind::kFastmap: return "fastmap";
    case PageKind::kUbifs: return "ubifs";
    case PageKind::kUbifsLpt: return "ubifs-lpt";
    case PageKind::kUbiData: return "ubi-data";
    case PageKind::kJffs2: return "jffs2";
    case PageKind::kUnknown: return "unknown";
  }
  return "?";
}

std::string DescribePage(const PageMeaning& m) {
  std::string s = PageKindName(m.kind);
  const bool jffs2 = m.kind == PageKind::kJffs2;
  std::string types;
  for (uint8_t t = 0; t < 32; ++t) {
    if ((m.type_mask >> t & 1) == 0) continue;
    absl::StrAppend(&types, types.empty() ? "" : "+",
                    jffs2 ? Jffs2KindName(static_cast<Jffs2Kind>(t)) : UbifsNodeTypeName(t));
  }
  if (!types.empty()) absl::StrAppend(&s, " ", types, " (", m.nodes, " nodes)");
  if (m.continued) {
    absl::StrAppend(&s, " continuing ",
                    m.continued_type == 0xFF ? "a node"
                    : jffs2 ? Jffs2KindName(static_cast<Jffs2Kind>(m.continued_type))
                            : UbifsNodeTypeName(m.continued_type));
  }
  if (m.bad_crc > 0) absl::StrAppend(&s, ", ", m.bad_crc, " with a bad CRC");
  if (!m.node_crcs_checked) absl::StrAppend(&s, ", node CRCs not checked");
  if (m.header_crc_bad) absl::StrAppend(&s, ", header CRC bad");
  if (m.kind == PageKind::kFastmap) absl::StrAppend(&s, " ", FastmapPartName(m.fastmap));
  if (m.kind == PageKind::kLayoutVolume && m.vtbl_count > 0) {
    absl::StrAppend(&s, " records ", m.vtbl_first, "..", m.vtbl_first + m.vtbl_count - 1);
  }
  if (m.mapped) {
    const char* internal = UbiInternalVolumeName(m.leb.vol_id);
    absl::StrAppend(&s, " in vol ", internal ? internal : absl::StrCat(m.leb.vol_id), " LEB ",
                    m.leb.lnum, " at ", m.leb_offset);
    if (m.area_known) absl::StrAppend(&s, " (", UbifsAreaName(m.area), " area)");
  }
  return s;
}

// Per-page carries cost 8 bytes a page; past this many pages (a 2 GiB part
// of 2 KiB pages) the classifier keeps only the per-PEB one.
constexpr uint64_t kMaxPageCarries = uint64_t{1} << 20;

FlashMeaning::FlashMeaning(const FlashFacts& facts) : facts_(facts), pebs_(facts.eraseblock_count) {
  // NAND pages are powers of two: a page index is a shift away.
  if (facts.page_size >= 64 && std::has_single_bit(facts.page_size) &&
      facts.eraseblock_size % facts.page_size == 0) {
    const uint64_t pages = uint64_t{facts.eraseblock_size / facts.page_size} * facts.eraseblock_count;
    if (pages <= kMaxPageCarries) {
      pages_per_eb_ = facts.eraseblock_size / facts.page_size;
      page_shift_ = static_cast<uint32_t>(std::countr_zero(facts.page_size));
      page_carry_.resize(pages);
    }
  }
}

inline FlashMeaning::Carry FlashMeaning::IncomingCarry(uint32_t peb, uint32_t offset) const {
  if (peb >= pebs_.size()) return {};
  const uint32_t q = offset >> page_shift_;
  if (pages_per_eb_ > 0 && q << page_shift_ == offset && q < pages_per_eb_) {
    const PageCarry& c = page_carry_[uint64_t{peb} * pages_per_eb_ + q];
    if (c.end > offset) return {true, offset, c.end, c.type, c.inum};
  }
  const Carry& c = pebs_[peb].carry;
  if (c.set && offset >= c.from && offset < c.end) return c;
  return {};
}

inline void FlashMeaning::RememberCarry(uint32_t peb, uint32_t offset, size_t len,
                                        const Carry& carry) {
  if (peb >= pebs_.size()) return;
  pebs_[peb].carry = carry;
  if (!carry.set || pages_per_eb_ == 0) return;
  // Every page that starts inside the node learns where it ends.
  const uint64_t ps = facts_.page_size;
  const uint64_t first = (offset + len + ps - 1) >> page_shift_;
  const uint64_t end = std::min<uint64_t>(pages_per_eb_, (uint64_t{carry.end} + ps - 1) >> page_shift_);
  PageCarry* row = &page_carry_[uint64_t{peb} * pages_per_eb_];
  for (uint64_t q = first; q < end; ++q) row[q] = {carry.end, carry.inum, carry.type};
}

std::optional<LebRef> FlashMeaning::Owner(uint32_t peb) const {
  if (peb >= pebs_.size() || !pebs_[peb].mapped) return std::nullopt;
  return pebs_[peb].leb;
}

const UbifsSuperblock* FlashMeaning::Superblock(uint32_t vol_id) const {
  auto it = superblocks_.find(vol_id);
  return it == superblocks_.end() ? nullptr : &it->second;
}

void FlashMeaning::Erased(uint32_t peb) {
  if (peb >= pebs_.size()) return;
  pebs_[peb] = PebState{};
  if (pages_per_eb_ > 0) {
    std::fill_n(page_carry_.begin() + uint64_t{peb} * pages_per_eb_, pages_per_eb_, PageCarry{});
  }
}

PageMeaning FlashMeaning::Classify(uint32_t peb, uint32_t offset, Bytes bytes) const {
  PageMeaning m;
  ClassifyImpl(peb, offset, bytes, nullptr, m);
  return m;
}

PageMeaning FlashMeaning::Observe(uint32_t peb, uint32_t offset, Bytes bytes) {
  PageMeaning m;
  Observe(peb, offset, bytes, m);
  return m;
}

// Every written page passes here when the log decodes: its helpers are
// inlined into it (flatten); their calls cost more than their work.
[[gnu::flatten]] void FlashMeaning::Observe(uint32_t peb, uint32_t offset, Bytes bytes,
                                            PageMeaning& out) {
  if (peb < pebs_.size() && data_off_ && offset > *data_off_) {
    const PebState& st = pebs_[peb];
    if (st.ubi && st.mapped && st.leb.vol_id < kUbiLayoutVolumeId) {
      // Most pages of all: LEB data of a mapped PEB of a user volume, past
      // the headers and the superblock, so they teach nothing (MayTeach)
      // and hold no header; ClassifyImpl's answer without its questions.
      static constexpr PageMeaning kFresh{};
      out = kFresh;
      out.mapped = true;
      out.leb = st.leb;
      Carry carry;
      ClassifyData(true, IncomingCarry(peb, offset), offset, bytes, out, &carry);
      RememberCarry(peb, offset, bytes.size(), carry);
      return;
    }
  }
  // Learn first, so the page that teaches (a superblock, a VID header) is
  // itself classified with what it taught.
  Learn(peb, offset, bytes);
  ClassifyInOrder(peb, offset, bytes, out);
}

inline bool FlashMeaning::MayTeach(uint32_t peb, uint32_t offset, size_t len) const {
  // What LearnHeaders and LearnData look at, asked cheaply: most written
  // pages are LEB data of a volume that holds neither of those.
  if (offset == 0 || peb >= pebs_.size()) return true;
  if (vid_off_ && Contains(offset, len, *vid_off_, kUbiVidHeaderSize)) return true;
  const PebState& st = pebs_[peb];
  if (!st.mapped || !data_off_) return false;
  // The volume table, or bytes that reach the start of LEB 0 (a superblock).
  return st.leb.vol_id == kUbiLayoutVolumeId || (st.leb.lnum == 0 && offset <= *data_off_);
}

void FlashMeaning::Learn(uint32_t peb, uint32_t offset, Bytes bytes) {
  if (!MayTeach(peb, offset, bytes.size())) return;
  LearnHeaders(peb, offset, bytes);
  LearnData(peb, offset, bytes);
}


void FlashMeaning::ClassifyInOrder(uint32_t peb, uint32_t offset, Bytes bytes, PageMeaning& out) {
  Carry carry;
  ClassifyImpl(peb, offset, bytes, &carry, out);
  RememberCarry(peb, offset, bytes.size(), carry);
}

void FlashMeaning::ClassifyImpl(uint32_t peb, uint32_t offset, Bytes bytes, Carry* carry,
                                PageMeaning& m) const {
  static constexpr PageMeaning kFresh{};
  m = kFresh;  // a copy of a constant: cheaper than building the defaults
  const PebState* st = peb < pebs_.size() ? &pebs_[peb] : nullptr;
  if (st != nullptr && st->mapped) {
    m.mapped = true;
    m.leb = st->leb;
  }
  // Headers: the EC header at 0, the VID header where EC headers say.
  if (offset == 0 && HasUbiEcMagic(bytes)) {
    m.ec_header = true;
    m.kind = PageKind::kEcHeader;
    std::optional<UbiEcHeader> ec = DecodeUbiEcHeader(bytes);
    m.header_crc_bad |= !ec || ec->crc != CrcStatus::kOk;
  }
  if (vid_off_ && Contains(offset, bytes.size(), *vid_off_, kUbiVidHeaderSize)) {
    const Bytes at = bytes.subspan(*vid_off_ - offset);
    if (HasUbiVidMagic(at)) {
      m.vid_header = true;
      m.kind = PageKind::kVidHeader;
      std::optional<UbiVidHeader> vid = DecodeUbiVidHeader(at);
      m.header_crc_bad |= !vid || vid->crc != CrcStatus::kOk;
      if (vid && vid->crc == CrcStatus::kOk) {
        m.mapped = true;
        m.leb = {vid->vol_id, vid->lnum, vid->sqnum, vid->vol_type, vid->copy_flag};
      }
    }
  }
  const bool ubi = m.ec_header || (st != nullptr && st->ubi);
  if (ubi && data_off_) {
    // The part of the bytes at or beyond the data offset is LEB data.
    if (uint64_t{offset} + bytes.size() <= *data_off_) {
      if (!m.ec_header && !m.vid_header) m.kind = AllErased(bytes) ? PageKind::kErased
                                                                   : PageKind::kUnknown;
      return;
    }
    const uint32_t skip = offset < *data_off_ ? *data_off_ - offset : 0;
    const PageKind header_kind = m.kind;
    ClassifyData(true, IncomingCarry(peb, offset + skip), offset + skip, bytes.subspan(skip),
                 m, carry);
    if (m.ec_header || m.vid_header) m.kind = header_kind;
    return;
  }
  if (m.ec_header || m.vid_header) return;
  ClassifyData(false, IncomingCarry(peb, offset), offset, bytes, m, carry);
}

// `offset` is the PEB offset of bytes[0]; `ubi`: they are LEB data of a
// UBI PEB (at or beyond the data offset).
void FlashMeaning::ClassifyData(bool ubi, const Carry& in, uint32_t offset, Bytes bytes,
                                PageMeaning& m, Carry* carry) const {
  if (ubi) m.leb_offset = offset - *data_off_;
  // A node begun on an earlier page of this PEB runs into these bytes.
  uint32_t start = 0;
  if (in.set) {
    m.continued = true;
    m.continued_type = in.type;
    m.continued_inum = in.inum;
    start = static_cast<uint32_t>(std::min<uint64_t>(in.end - offset, bytes.size()));
  }
  m.first_node = start;
  if (AllErased(bytes)) {
    m.kind = PageKind::kErased;
    return;
  }
  if (m.mapped && ubi) {
    if (m.leb.vol_id == kUbiLayoutVolumeId) {
      m.kind = PageKind::kLayoutVolume;
      const uint32_t first = (m.leb_offset + kUbiVtblRecordSize - 1) / kUbiVtblRecordSize;
      const uint64_t end = std::min<uint64_t>(uint64_t{m.leb_offset} + bytes.size(), kVtblBytes);
      if (end > uint64_t{first} * kUbiVtblRecordSize) {
        m.vtbl_first = first;
        m.vtbl_count = static_cast<uint32_t>((end - uint64_t{first} * kUbiVtblRecordSize +
                                              kUbiVtblRecordSize - 1) / kUbiVtblRecordSize);
      }
      return;
    }
    if (m.leb.vol_id == kUbiFastmapSbVolumeId || m.leb.vol_id == kUbiFastmapDataVolumeId) {
      m.kind = PageKind::kFastmap;
      m.fastmap = ClassifyFastmap(bytes);
      return;
    }
    if (const UbifsSuperblock* sb = Superblock(m.leb.vol_id)) {
      m.area_known = true;
      m.area = UbifsAreaOfLeb(*sb, m.leb.lnum);
      if (m.area == UbifsArea::kLpt) {
        m.kind = PageKind::kUbifsLpt;
        return;
      }
    }
  }
  // JFFS2 lives on bare flash; UBIFS only inside UBI.
  const bool jffs2 = !ubi && !m.ec_header;
  uint8_t last_type = 0xFF;
  uint32_t last_inum = 0;
  size_t next = 0;
  WalkStop stop;
  if (jffs2) {
    Jffs2Walk w = WalkJffs2Nodes(bytes, start, [&](const Jffs2Node& n) {
      if (n.hdr_crc == CrcStatus::kOk) {
        NoteType(m, n.kind, n.node_crc == CrcStatus::kBad || n.data_crc == CrcStatus::kBad, n.ino);
        last_type = n.kind;
        last_inum = n.ino;
      } else if (m.bad_crc < UINT16_MAX) {
        ++m.bad_crc;
      }
      return true;
    });
    stop = w.stop;
    next = w.next_offset;
    if (w.skipped_bytes > 0 && m.nodes == 0 && !m.continued) {
      m.kind = PageKind::kUnknown;
      return;
    }
  } else {
    UbifsWalk w = WalkUbifsNodesInline(bytes, start, [&](const UbifsNode& n) {
      const uint32_t inum = n.has_key ? n.key.inum
                            : n.node_type == kUbifsTrun ? static_cast<uint32_t>(n.inum)
                                                         : 0;
      NoteType(m, n.node_type, n.crc == CrcStatus::kBad, inum);
      last_type = n.node_type;
      last_inum = inum;
      return true;
    }, check_node_crcs_);
    m.node_crcs_checked = check_node_crcs_;
    stop = w.stop;
    next = w.next_offset;
    if (w.stop == WalkStop::kGarbage && w.stop_offset == start && !m.continued) {
      // Nothing UBIFS here: a page inside a long node we did not see begin,
      // or not UBIFS at all.
      m.kind = ubi ? PageKind::kUbiData : PageKind::kUnknown;
      return;
    }
  }
  m.kind = jffs2 ? PageKind::kJffs2 : PageKind::kUbifs;
  if (carry != nullptr) {
    carry->from = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{offset} + bytes.size(),
                                                           UINT32_MAX));
    if (stop == WalkStop::kOverrun && next > 0) {
      carry->set = true;
      carry->end = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{offset} + next, UINT32_MAX));
      carry->type = last_type;
      carry->inum = last_inum;
    } else if (m.continued && start >= bytes.size()) {
      *carry = {true, carry->from, in.end, in.type, in.inum};  // still inside it
    }
  }
}

void FlashMeaning::LearnHeaders(uint32_t peb, uint32_t offset, Bytes bytes) {
  if (peb >= pebs_.size()) return;
  PebState& st = pebs_[peb];
  if (offset == 0) {
    std::optional<UbiEcHeader> ec = DecodeUbiEcHeader(bytes);
    if (ec && ec->crc == CrcStatus::kOk) {
      // A fresh EC header means a fresh erase: the old mapping is gone.
      Erased(peb);
      st.ubi = true;
      // Offsets are claims: the VID header must fit before the data, the
      // data inside the eraseblock; the first sane pair wins.
      const uint64_t eb = facts_.eraseblock_size;
      if (!vid_off_ && ec->vid_hdr_offset >= kUbiEcHeaderSize &&
          uint64_t{ec->vid_hdr_offset} + kUbiVidHeaderSize <= ec->data_offset &&
          ec->data_offset < eb && ec->vid_hdr_offset % 8 == 0) {
        vid_off_ = ec->vid_hdr_offset;
        data_off_ = ec->data_offset;
        ++generation_;
        for (int i = 0; i < static_cast<int>(kUbiLayoutVolumeLebs); ++i) {
          vtbl_[i].assign(std::min<uint64_t>(kVtblBytes, eb - *data_off_), 0xFF);
          vtbl_have_[i].assign(vtbl_[i].size(), false);
        }
      }
    }
  }
  if (vid_off_ && Contains(offset, bytes.size(), *vid_off_, kUbiVidHeaderSize)) {
    std::optional<UbiVidHeader> vid = DecodeUbiVidHeader(bytes.subspan(*vid_off_ - offset));
    if (vid && vid->crc == CrcStatus::kOk) {
      st.ubi = true;
      st.mapped = true;
      st.leb = {vid->vol_id, vid->lnum, vid->sqnum, vid->vol_type, vid->copy_flag};
    }
  }
}

void FlashMeaning::LearnData(uint32_t peb, uint32_t offset, Bytes bytes) {
  if (peb >= pebs_.size() || !data_off_ || !pebs_[peb].mapped) return;
  if (uint64_t{offset} + bytes.size() <= *data_off_) return;
  const uint32_t skip = offset < *data_off_ ? *data_off_ - offset : 0;
  const Bytes data = bytes.subspan(skip);
  const uint32_t leb_offset = offset + skip - *data_off_;
  const LebRef& leb = pebs_[peb].leb;
  if (leb.vol_id == kUbiLayoutVolumeId && leb.lnum < kUbiLayoutVolumeLebs) {
    FeedVolumeTable(leb.lnum, leb_offset, data);
  } else if (leb.lnum == 0 && leb_offset == 0) {
    std::optional<UbifsSuperblock> sb = DecodeUbifsSuperblock(data);
    // A page holds only the superblock's start: a CRC that could not be
    // checked is accepted, one that fails is not.
    if (sb && sb->crc != CrcStatus::kBad) {
      // Only a change of the areas changes what pages mean: an identical
      // superblock written again does not age cached meanings.
      auto [it, fresh] = superblocks_.try_emplace(leb.vol_id, *sb);
      const UbifsSuperblock& old = it->second;
      if (fresh || old.leb_cnt != sb->leb_cnt || old.log_lebs != sb->log_lebs ||
          old.lpt_lebs != sb->lpt_lebs || old.orph_lebs != sb->orph_lebs) {
        it->second = *sb;
        ++generation_;
      }
    }
  }
}

void FlashMeaning::FeedVolumeTable(uint32_t lnum, uint32_t leb_offset, Bytes bytes) {
  std::vector<uint8_t>& buf = vtbl_[lnum];
  std::vector<bool>& have = vtbl_have_[lnum];
  if (leb_offset >= buf.size()) return;
  const size_t n = std::min(bytes.size(), buf.size() - leb_offset);
  std::copy_n(bytes.begin(), n, buf.begin() + leb_offset);
  std::fill_n(have.begin() + leb_offset, n, true);
  // Each copy is complete on its own: rebuild from whichever copy holds a
  // record whole with a good CRC, copy 0 first.
  volumes_.clear();
  for (uint32_t i = 0; i < kUbiMaxVolumes; ++i) {
    for (uint32_t c = 0; c < kUbiLayoutVolumeLebs; ++c) {
      const size_t off = size_t{i} * kUbiVtblRecordSize;
      if (off + kUbiVtblRecordSize > vtbl_[c].size()) continue;
      if (!std::all_of(vtbl_have_[c].begin() + off,
                       vtbl_have_[c].begin() + off + kUbiVtblRecordSize, [](bool b) { return b; })) {
        continue;
      }
      std::optional<UbiVtblRecord> r = DecodeUbiVtblRecord(Bytes(vtbl_[c]).subspan(off), i);
      if (r && r->crc == CrcStatus::kOk) {
        if (r->in_use()) volumes_[i] = std::move(*r);
        break;
      }
    }
  }
}

}  // namespace flashfault::decoders
