// field_mutation family; see field_mutation.h. Writes: the op's bytes are
// copied, changed and forwarded in place of the caller's (the layer then
// observes what is really programmed). Reads: the change is made to the
// returned bytes after the model read (AfterRead). Where the structure
// starts comes from the layer's decoding (the VID header and data offsets,
// the page's first node), which a field_mutation fault turns on.
// Must not touch the cells of a read.
#include "fault-models/field_mutation.h"

#include "absl/strings/str_cat.h"
#include "fault-models/node_fields.h"

namespace flashfault {
namespace {

class FieldMutation final : public FaultFamily {
 public:
  FieldMutation(const FaultSpec& spec, uint64_t seed)
      : FaultFamily(spec, seed), field_(FindNodeField(spec.field)) {}

  uint32_t ops() const override { return spec_.when.ops & (kOpRead | kOpWrite); }

  absl::Status Validate(const Geometry&) const override {
    if (!field_) return ParamError(spec_, "field", UnknownFieldMessage(spec_.field));
    if (ops() == 0) return ParamError(spec_, "when.ops", "must include read or write");
    const uint64_t width = field_->size == 8 ? ~uint64_t{0}
                                             : (uint64_t{1} << (8 * field_->size)) - 1;
    if ((spec_.value & spec_.mask & ~width) != 0) {
      return ParamError(spec_, "value", absl::StrCat(spec_.value, " does not fit the ",
                                                     int{field_->size}, "-byte field ",
                                                     spec_.field));
    }
    return absl::OkStatus();
  }

  void Apply(FaultEnv& env, OpState& op) override {
    std::optional<Target> t = Strike(env, op);
    if (!t) return;
    if (op.op == kOpRead) {
      pending_ = t;  // changed once the model has answered
      return;
    }
    buf_.assign(op.write_data.begin(), op.write_data.end());
    if (std::optional<FieldChange> c = Mutate(env, op, *t, buf_)) {
      op.write_data = buf_;
      Record(env, op, *t, *c);
    }
  }

  void AfterRead(FaultEnv& env, OpState& op) override {
    if (!pending_) return;
    const Target t = *pending_;
    pending_.reset();
    if (std::optional<FieldChange> c = Mutate(env, op, t, op.read_data)) Record(env, op, t, *c);
  }

 private:
  std::optional<FieldChange> Mutate(FaultEnv& env, const OpState& op, const Target& t,
                                    std::span<uint8_t> bytes) {
    const Geometry& g = env.geometry();
    const uint64_t addr = op.flash_op.addr;
    const uint64_t page_start = t.device_page * g.page_size;
    const uint64_t skip = page_start > addr ? page_start - addr : 0;
    if (skip >= bytes.size()) return std::nullopt;
    FieldContext ctx;
    ctx.peb_offset = (addr + skip) % g.block_size();
    if (const decoders::FlashMeaning* flash = env.flash_meaning()) {
      ctx.vid_offset = flash->vid_hdr_offset();
      ctx.data_offset = flash->data_offset();
    }
    // The page's meaning says where its first node begins, counted from
    // where its classified bytes start: the same place as ours when the
    // bytes start on a page (reads may start at a node inside one).
    const uint64_t i = g.is_nand() ? t.device_page - op.first_page : 0;
    if (i < op.meanings.size() && (op.op == kOpWrite || (addr + skip) % g.page_size == 0)) {
      ctx.first_node = op.meanings[i].first_node;
    }
    if (spec_.where.meaning) ctx.inum = spec_.where.meaning->inum;
    return MutateField(*field_, bytes.subspan(skip), ctx, spec_.value, spec_.mask,
                       spec_.fix_crc);
  }

  void Record(FaultEnv& env, const OpState& op, const Target& t, const FieldChange& c) {
    Fire();
    effect_ = absl::StrCat("set ", spec_.field, " ", c.old_value, " -> ", c.new_value,
                           c.crc_fixed ? ", CRC fixed" : ", CRC left stale");
    Inject(env, static_cast<int64_t>(op.index), t, effect_);
  }

  std::optional<NodeField> field_;
  std::optional<Target> pending_;  // a read struck, to change after the model
  std::vector<uint8_t> buf_;       // a write's bytes as changed
  std::string effect_;
};

}  // namespace

std::unique_ptr<FaultFamily> MakeFieldMutation(const FaultSpec& spec, uint64_t seed) {
  return std::make_unique<FieldMutation>(spec, seed);
}

}  // namespace flashfault
