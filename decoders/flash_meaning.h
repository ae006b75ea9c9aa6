// FlashMeaning: what a page of flash means, learned incrementally from the
// pages it is shown. Given the geometry's facts, it learns UBI's VID header
// and data offsets from EC headers, the volumes from the layout volume, which
// PEB holds which (vol_id, lnum, sqnum) from VID headers, and each UBIFS
// volume's areas from its superblock; then it classifies any page as an EC
// or VID header, a layout volume record, fastmap, UBIFS node(s) of some
// types in volume X LEB Y, JFFS2 node(s), erased space, or unknown.
//
// For: the fault layer (later) to aim faults by meaning ("the master node of
// volume 0"), and `image info --decode`. Must not: depend on the model, the
// fault layer or the harness (it sees only bytes and FlashFacts), allocate
// per page on the classification path, or let one bad page poison what it
// learned (a header whose CRC fails teaches nothing).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "decoders/bytes.h"
#include "decoders/ubi_headers.h"
#include "decoders/ubi_volume_table.h"
#include "decoders/ubifs_nodes.h"

namespace flashfault::decoders {

// What the classifier needs of the geometry (the harness fills this from
// its Geometry, so this folder needs nothing of backends/).
struct FlashFacts {
  uint32_t page_size = 0;        // NAND page; NOR: 1 (classify bigger chunks)
  uint32_t eraseblock_size = 0;
  uint32_t min_io_size = 0;
  uint32_t eraseblock_count = 0;
};

enum class PageKind : uint8_t {
  kErased,         // every byte 0xFF
  kEcHeader,       // an EC header (and nothing else but erased space)
  kVidHeader,      // a VID header (maybe after the EC header on the same page)
  kLayoutVolume,   // volume table records
  kFastmap,        // fastmap superblock or data
  kUbifs,          // UBIFS node(s), or the middle of one
  kUbifsLpt,       // the LPT area of a UBIFS volume (not common-header nodes)
  kUbiData,        // data of a UBI volume that is not UBIFS (e.g. a static blob)
  kJffs2,          // JFFS2 node(s), or the middle of one
  kUnknown,
};
const char* PageKindName(PageKind k);

struct LebRef {
  uint32_t vol_id = 0;
  uint32_t lnum = 0;
  uint64_t sqnum = 0;
  uint8_t vol_type = 0;
  uint8_t copy_flag = 0;  // the VID header says the PEB was copied (wear-levelling, scrub)
  bool operator==(const LebRef&) const = default;
};

struct PageMeaning {
  PageKind kind = PageKind::kUnknown;
  bool ec_header = false;       // an EC header starts in the bytes
  bool vid_header = false;      // a VID header lies in the bytes
  bool header_crc_bad = false;  // one of them fails its CRC
  bool mapped = false;          // `leb` is known for this PEB
  LebRef leb;
  uint32_t leb_offset = 0;      // where the bytes start in the LEB (data kinds)
  bool area_known = false;      // the volume's UBIFS superblock was seen
  UbifsArea area = UbifsArea::kBeyond;
  // Node types whose headers lie in the bytes: bit t for UbifsNodeType t, or
  // bit k for Jffs2Kind k. `first_type` is the first of them (0xFF: none).
  uint32_t type_mask = 0;
  uint8_t first_type = 0xFF;
  uint16_t nodes = 0;
  uint16_t bad_crc = 0;         // nodes whose CRC fails
  bool node_crcs_checked = true;  // false: UBIFS node CRCs were not checked
  bool continued = false;       // the bytes start inside a node begun earlier
  uint8_t continued_type = 0xFF;  // its type, when that earlier page was seen
  uint32_t continued_inum = 0;    // its inode number (0: none or unknown)
  uint32_t first_node = 0;        // where the first node header starts in the bytes
  // Inode numbers of the nodes whose headers lie in the bytes (UBIFS keys,
  // JFFS2 inode and dirent targets), the first kMaxInums distinct ones.
  static constexpr int kMaxInums = 4;
  uint32_t inums[kMaxInums] = {};
  uint8_t inum_count = 0;
  FastmapPart fastmap = FastmapPart::kNone;
  uint32_t vtbl_first = 0, vtbl_count = 0;  // layout records starting here
  bool operator==(const PageMeaning&) const = default;
};
// One line: "UBIFS ino+dent in vol 0 LEB 5 (main area) at 4096".
std::string DescribePage(const PageMeaning& m);

class FlashMeaning {
 public:
  explicit FlashMeaning(const FlashFacts& facts);

  // Classifies `bytes` at byte `offset` of eraseblock `peb` (usually one
  // page, as it was written), then learns from them. The second form
  // writes into `out` (a cache entry: no copy of the meaning).
  PageMeaning Observe(uint32_t peb, uint32_t offset, Bytes bytes);
  void Observe(uint32_t peb, uint32_t offset, Bytes bytes, PageMeaning& out);
  // Observe in two halves, for a caller that classifies a written page only
  // when somebody asks: Learn takes what the bytes teach (UBI headers, the
  // volume table, a UBIFS superblock); ClassifyInOrder classifies them and
  // remembers the node that runs on into the next page. A page's
  // ClassifyInOrder must follow that of the page before it in the PEB, or
  // that page's Observe.
  void Learn(uint32_t peb, uint32_t offset, Bytes bytes);
  void ClassifyInOrder(uint32_t peb, uint32_t offset, Bytes bytes, PageMeaning& out);
  // Classifies without learning (e.g. a read).
  PageMeaning Classify(uint32_t peb, uint32_t offset, Bytes bytes) const;
  // The PEB was erased: forget what it held.
  void Erased(uint32_t peb);

  const FlashFacts& facts() const { return facts_; }
  // Grows whenever something was learned that changes how pages classify
  // (the VID header offset, a UBIFS superblock): a caller caching meanings
  // re-classifies entries older than this.
  uint64_t generation() const { return generation_; }
  std::optional<uint32_t> vid_hdr_offset() const { return vid_off_; }
  std::optional<uint32_t> data_offset() const { return data_off_; }
  // In-use volume table records, by volume id.
  const std::map<uint32_t, UbiVtblRecord>& volumes() const { return volumes_; }
  std::optional<LebRef> Owner(uint32_t peb) const;
  const UbifsSuperblock* Superblock(uint32_t vol_id) const;
  // Whether UBIFS node CRCs are checked (default yes). A CRC covers the
  // whole node, so it is most of what classifying a written page costs;
  // nothing but a reader of the meanings (the decoded log, a story) needs
  // it, and without it PageMeaning::bad_crc counts nothing and
  // node_crcs_checked is false. UBI headers and JFFS2 nodes are always
  // checked (their CRCs decide what the bytes are).
  void set_check_node_crcs(bool on) { check_node_crcs_ = on; }
  bool check_node_crcs() const { return check_node_crcs_; }

 private:
  // A node that began before `from` runs to `end` (PEB offsets).
  struct Carry {
    bool set = false;
    uint32_t from = 0, end = 0;
    uint8_t type = 0xFF;
    uint32_t inum = 0;
  };
  struct PebState {
    bool ubi = false;     // an EC header was seen
    bool mapped = false;
    LebRef leb;
    Carry carry;          // from the last bytes observed, for the ones after them
  };
  // Per page of a NAND part: the node that runs into the page's start, as
  // learned when an earlier page was observed, so that a read of any page
  // (not just the next one) knows where its first node begins.
  struct PageCarry {
    uint32_t end = 0;  // PEB offset where that node ends; 0: none known
    uint32_t inum = 0;
    uint8_t type = 0xFF;
  };
  Carry IncomingCarry(uint32_t peb, uint32_t offset) const;
  void RememberCarry(uint32_t peb, uint32_t offset, size_t len, const Carry& carry);
  // Classifies into `m`, which it first resets.
  void ClassifyImpl(uint32_t peb, uint32_t offset, Bytes bytes, Carry* carry,
                    PageMeaning& m) const;
  void ClassifyData(bool ubi, const Carry& in, uint32_t offset, Bytes bytes, PageMeaning& m,
                    Carry* carry) const;
  // Whether Learn could learn anything from `len` bytes at `offset` of
  // `peb` (false: they are not where a header, the volume table or a
  // superblock would be).
  bool MayTeach(uint32_t peb, uint32_t offset, size_t len) const;
  void LearnHeaders(uint32_t peb, uint32_t offset, Bytes bytes);
  void LearnData(uint32_t peb, uint32_t offset, Bytes bytes);
  void FeedVolumeTable(uint32_t lnum, uint32_t leb_offset, Bytes bytes);

  FlashFacts facts_;
  bool check_node_crcs_ = true;
  uint64_t generation_ = 0;
  std::optional<uint32_t> vid_off_, data_off_;
  std::vector<PebState> pebs_;
  uint32_t pages_per_eb_ = 0;          // 0: no per-page carries (NOR, or too many)
  uint32_t page_shift_ = 0;            // log2(page_size) when pages_per_eb_ > 0
  std::vector<PageCarry> page_carry_;  // pebs x pages_per_eb_
  std::map<uint32_t, UbiVtblRecord> volumes_;
  std::map<uint32_t, UbifsSuperblock> superblocks_;
  // The volume table's two copies as they arrive, and which bytes did.
  std::vector<uint8_t> vtbl_[kUbiLayoutVolumeLebs];
  std::vector<bool> vtbl_have_[kUbiLayoutVolumeLebs];
};

}  // namespace flashfault::decoders
