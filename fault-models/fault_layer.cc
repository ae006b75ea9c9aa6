// FaultLayer implementation; see fault_layer.h for the order every op
// follows. This file routes ops to families and the model; what a fault
// does lives in the family files, never here.
#include "fault-models/fault_layer.h"

#include <bit>
#include <chrono>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "fault-models/charge_loss.h"
#include "fault-models/erase_fail.h"
#include "fault-models/field_mutation.h"
#include "fault-models/factory_bad.h"
#include "fault-models/grown_bad.h"
#include "fault-models/latency.h"
#include "fault-models/power_cut.h"
#include "fault-models/program_fail.h"
#include "fault-models/read_bitflip.h"
#include "fault-models/read_disturb.h"
#include "fault-models/retention.h"
#include "fault-models/silent_corruption.h"
#include "fault-models/stuck_bit.h"
#include "fault-models/wear_out.h"

namespace flashfault {
namespace {

using Factory = std::unique_ptr<FaultFamily> (*)(const FaultSpec&, uint64_t);

// Indexed by FaultKind, in the enum's order.
constexpr Factory kFactories[kFaultKindCount] = {
    MakeReadBitflip, MakeChargeLoss, MakeStuckBit, MakeProgramFail,
    MakeEraseFail,   MakeFactoryBad, MakeGrownBad, MakePowerCut,
    MakeReadDisturb, MakeRetention,  MakeWearOut,  MakeLatency,
    MakeSilentCorruption, MakeFieldMutation,
};

int OpSlot(uint32_t op) { return std::countr_zero(op); }

}  // namespace

bool IsInjectedFault(const absl::Status& status) {
  return status.GetPayload(kInjectedPayload).has_value();
}

// The services families get; forwards to the layer's private state.
class FaultLayer::Env final : public FaultEnv {
 public:
  explicit Env(FaultLayer& layer) : l_(layer) {}

  const Geometry& geometry() const override { return l_.model_->geometry(); }
  NandModel& model() override { return *l_.model_; }
  uint64_t now_us() const override { return l_.now_us_; }
  uint64_t erases(uint32_t block) const override { return l_.model_->store().meta(block).erases; }

  absl::Status ForwardWrite(const OpState& op) override {
    absl::Status s = l_.model_->Write(op.flash_op, op.write_data, op.write_oob);
    if (s.ok() && op.placed) Programmed(op.first_page, op.page_count);
    return s;
  }

  absl::Status ForwardErase(uint64_t addr, uint64_t len) override {
    absl::Status s = l_.model_->Erase(addr, len);
    if (s.ok()) {
      const uint64_t bs = geometry().block_size();
      for (uint64_t b = addr / bs; b < (addr + len) / bs; ++b) Erased(static_cast<uint32_t>(b));
    }
    return s;
  }

  void Erased(uint32_t block) {
    if (l_.meaning_) l_.meaning_->Erased(block);
    for (FaultFamily* f : l_.listeners_) f->OnErased(*this, block);
  }

  // A write programmed these pages: the classifier saw them already.
  void Programmed(uint64_t first_page, uint64_t count) {
    for (FaultFamily* f : l_.listeners_) f->OnProgrammed(*this, first_page, count);
  }

  void PagesChanged(uint64_t first_page, uint64_t count) override {
    if (l_.meaning_) l_.meaning_->Changed(first_page, count);
    Programmed(first_page, count);
  }

  const decoders::FlashMeaning* flash_meaning() const override { return l_.flash_meaning(); }

  void ToggleForRead(uint64_t page, uint32_t bit) override {
    l_.model_->ToggleCellError(page, bit);
    l_.toggles_.push_back({page, bit});
  }

  void ToggleMaskForRead(uint64_t page, std::span<const uint64_t> mask) override {
    l_.model_->ToggleCellErrorMask(page, mask);
    if (l_.mask_toggles_used_ == l_.mask_toggles_.size()) l_.mask_toggles_.emplace_back();
    MaskToggle& t = l_.mask_toggles_[l_.mask_toggles_used_++];
    t.page = page;
    t.mask.assign(mask.begin(), mask.end());
  }

  void MiscorrectForRead(uint64_t page, EccEngine::Miscorrection mc) override {
    l_.model_->SetMiscorrection(page, std::move(mc));
    l_.miscorrecting_ = true;
  }

  void Sleep(uint64_t us) override { l_.sleeper_(us); }

  void Emit(const FaultRecord& record) override {
    if (l_.sink_ != nullptr) l_.sink_->OnFault(record);
  }

 private:
  FaultLayer& l_;
};

FaultLayer::FaultLayer(std::unique_ptr<NandModel> model, uint64_t seed, FaultLayerOptions options)
    : model_(std::move(model)),
      seed_(seed),
      sink_(options.sink),
      sleeper_(std::move(options.sleeper)),
      env_(std::make_unique<Env>(*this)),
      decode_option_(options.decode) {
  if (!sleeper_) {
    sleeper_ = [](uint64_t us) { std::this_thread::sleep_for(std::chrono::microseconds(us)); };
  }
}

FaultLayer::~FaultLayer() = default;

// Validates one spec (its id is checked by the caller) against `g` and
// builds its family, seeded from the plan's seed as every front end expects.
static absl::StatusOr<std::unique_ptr<FaultFamily>> BuildFamily(const FaultSpec& spec,
                                                                uint64_t plan_seed,
                                                                const Geometry& g) {
  const int kind = static_cast<int>(spec.kind);
  if (kind < 0 || kind >= kFaultKindCount) {
    return absl::InvalidArgumentError(absl::StrCat("faults[", spec.id, "].kind: unknown"));
  }
  FF_RETURN_IF_ERROR(ValidateTrigger(spec.where, spec.when, g, spec.id));
  std::unique_ptr<FaultFamily> family = kFactories[kind](spec, FaultSeed(plan_seed, spec.id));
  FF_RETURN_IF_ERROR(family->Validate(g));
  return family;
}

static absl::Status DuplicateId(const std::string& id) {
  return absl::InvalidArgumentError(absl::StrCat("faults[", id, "].id: used by more than one fault"));
}

// Validates every spec of `plan` against `g` and builds its family.
static absl::StatusOr<std::vector<std::unique_ptr<FaultFamily>>> BuildFamilies(
    const FaultPlan& plan, const Geometry& g) {
  std::vector<std::unique_ptr<FaultFamily>> families;
  std::set<std::string> ids;
  for (size_t i = 0; i < plan.faults.size(); ++i) {
    const FaultSpec& spec = plan.faults[i];
    if (spec.id.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("faults[", i, "].id: must not be empty"));
    }
    if (!ids.insert(spec.id).second) return DuplicateId(spec.id);
    FF_ASSIGN_OR_RETURN(std::unique_ptr<FaultFamily> family, BuildFamily(spec, plan.seed, g));
    families.push_back(std::move(family));
  }
  return families;
}

absl::StatusOr<std::unique_ptr<FaultLayer>> FaultLayer::Create(std::unique_ptr<NandModel> model,
                                                               const FaultPlan& plan,
                                                               FaultLayerOptions options) {
  if (model == nullptr) return absl::InvalidArgumentError("no model given to the fault layer");
  FF_ASSIGN_OR_RETURN(auto families, BuildFamilies(plan, model->geometry()));
  std::unique_ptr<FaultLayer> layer(
      new FaultLayer(std::move(model), plan.seed, std::move(options)));
  layer->Install(plan, std::move(families));
  return layer;
}

absl::Status FaultLayer::ReplacePlan(const FaultPlan& plan) {
  FF_ASSIGN_OR_RETURN(auto families, BuildFamilies(plan, model_->geometry()));
  UndoReadToggles();
  Install(plan, std::move(families));
  return absl::OkStatus();
}

absl::Status FaultLayer::Reset(const FaultPlan& plan) {
  return StartOver(plan, /*wipe_model=*/true);
}

absl::Status FaultLayer::Restart(const FaultPlan& plan) {
  return StartOver(plan, /*wipe_model=*/false);
}

absl::Status FaultLayer::StartOver(const FaultPlan& plan, bool wipe_model) {
  FF_ASSIGN_OR_RETURN(auto families, BuildFamilies(plan, model_->geometry()));
  // The model is wiped (or about to be overwritten by the caller): pending
  // read toggles have nothing to undo.
  toggles_.clear();
  mask_toggles_used_ = 0;
  if (wipe_model) model_->Reset();
  // Wiped, or about to be overwritten: learn the store again before the next op.
  if (meaning_) meaning_->Forget();
  next_op_ = 0;
  now_us_ = 0;
  powered_ = true;
  no_power_ = absl::OkStatus();
  Install(plan, std::move(families));
  return absl::OkStatus();
}

void FaultLayer::Install(const FaultPlan& plan,
                         std::vector<std::unique_ptr<FaultFamily>> families) {
  seed_ = plan.seed;
  families_ = std::move(families);
  for (auto& slot : by_op_) slot.clear();
  listeners_.clear();
  for (const auto& f : families_) Register(f.get());
  if (sink_ != nullptr) {
    RunInfo info{.seed = plan.seed, .geometry = model_->geometry().name, .fault_ids = {}};
    for (const FaultSpec& s : plan.faults) info.fault_ids.push_back(s.id);
    sink_->OnStart(info);
  }
  for (const auto& f : families_) f->Attach(*env_);
  UpdateDecoding();
  UpdateSlowPath();
}

// ---- The fixed order ----

void FaultLayer::RunFamilies(OpState& st) {
  for (FaultFamily* f : by_op_[OpSlot(st.op)]) {
    f->Apply(*env_, st);
    if (st.handled) break;
  }
  if (st.cut) {
    auto id = st.status.GetPayload(kInjectedPayload);
    LosePower(id ? std::string(*id) : std::string("unknown"));
  }
}

void FaultLayer::LosePower(absl::string_view by) {
  powered_ = false;
  // Made once per cut: every op refused until PowerOn() returns a copy.
  no_power_ = absl::UnavailableError(
      absl::StrCat("the part has no power (cut by fault '", by, "'); call PowerOn"));
  no_power_.SetPayload(kInjectedPayload, absl::Cord(by));
  UpdateSlowPath();
}

void FaultLayer::UndoReadToggles() {
  if (miscorrecting_) {
    model_->ClearMiscorrections();
    miscorrecting_ = false;
  }
  for (const Toggle& t : toggles_) model_->ToggleCellError(t.page, t.bit);
  toggles_.clear();
  for (size_t i = 0; i < mask_toggles_used_; ++i) {
    model_->ToggleCellErrorMask(mask_toggles_[i].page, mask_toggles_[i].mask);
  }
  mask_toggles_used_ = 0;
}

void FaultLayer::Finish(const OpState& st, absl::StatusCode code, const ReadReport* report,
                        bool bad) {
  if (sink_ == nullptr) return;
  OpRecord r{.index = st.index,
             .op = st.op,
             .addr = st.op == kOpRead || st.op == kOpWrite ? st.flash_op.addr : st.addr,
             .len = st.op == kOpRead    ? st.read_data.size()
                    : st.op == kOpWrite ? st.write_data.size()
                                        : st.len,
             .oob_len = st.op == kOpRead    ? st.read_oob.size()
                        : st.op == kOpWrite ? st.write_oob.size()
                                            : 0,
             .mode = st.flash_op.mode,
             .ooboffs = st.flash_op.ooboffs,
             .code = code,
             .report = report ? *report : ReadReport{},
             .bad = bad,
             .data = st.write_data,
             .oob = st.write_oob,
             // Logged when asked for (decode), not merely because a fault is
             // aimed: a plan replayed from the start must log as the run did.
             .meanings = decode_option_ ? st.meanings
                                        : std::span<const decoders::PageMeaning>{},
             .flash = flash_meaning()};
  sink_->OnOp(r);
}


absl::StatusOr<ReadReport> FaultLayer::Read(const FlashOp& op, std::span<uint8_t> data,
                                            std::span<uint8_t> oob) {
  if (!slow_) [[likely]] {
    ++next_op_;
    return model_->Read(op, data, oob);
  }
  return ReadSlow(op, data, oob);
}

absl::StatusOr<ReadReport> FaultLayer::ReadSlow(const FlashOp& op, std::span<uint8_t> data,
                                                std::span<uint8_t> oob) {
  OpState st = Describe(next_op_++, kOpRead);
  st.flash_op = op;
  st.read_data = data;
  st.read_oob = oob;
  if (!BeginDataOp(st, data.size(), oob.size())) return no_power_;
  absl::StatusOr<ReadReport> r =
      st.handled ? absl::StatusOr<ReadReport>(st.status) : model_->Read(op, data, oob);
  UndoReadToggles();
  if (r.ok() && !st.handled) {
    for (FaultFamily* f : by_op_[OpSlot(kOpRead)]) f->AfterRead(*env_, st);
  }
  if (r.ok() && st.handled) r = ReadReport{};  // a family answered without the model
  Finish(st, r.status().code(), r.ok() ? &*r : nullptr, false);
  return r;
}

absl::Status FaultLayer::Write(const FlashOp& op, std::span<const uint8_t> data,
                               std::span<const uint8_t> oob) {
  if (!slow_) [[likely]] {
    ++next_op_;
    return model_->Write(op, data, oob);
  }
  return WriteSlow(op, data, oob);
}

absl::Status FaultLayer::WriteSlow(const FlashOp& op, std::span<const uint8_t> data,
                                   std::span<const uint8_t> oob) {
  OpState st = Describe(next_op_++, kOpWrite);
  st.flash_op = op;
  st.write_data = data;
  st.write_oob = oob;
  if (!BeginDataOp(st, data.size(), oob.size())) return no_power_;
  if (st.write_data.data() != data.data()) Redecode(st);  // a family rewrote the bytes
  if (!st.handled) st.status = env_->ForwardWrite(st);
  WriteDone(st);
  Finish(st, st.status.code(), nullptr, false);
  return st.status;
}

absl::Status FaultLayer::Erase(uint64_t addr, uint64_t len) {
  if (!slow_) [[likely]] {
    ++next_op_;
    return model_->Erase(addr, len);
  }
  OpState st = Describe(next_op_++, kOpErase);
  st.addr = addr;
  st.len = len;
  if (!powered_) {
    Finish(st, absl::StatusCode::kUnavailable, nullptr, false);
    return no_power_;
  }
  PlaceBlocks(st, addr, len);
  Decode(st);
  RunFamilies(st);
  if (!st.handled) st.status = env_->ForwardErase(addr, len);
  Finish(st, st.status.code(), nullptr, false);
  return st.status;
}

bool FaultLayer::BeginDataOp(OpState& st, uint64_t data_len, uint64_t oob_len) {
  if (!powered_) {
    Finish(st, absl::StatusCode::kUnavailable, nullptr, false);
    return false;
  }
  const FlashOp& op = st.flash_op;
  PlaceData(st, op.addr, data_len, op.ooboffs, oob_len, op.mode);
  Decode(st);
  RunFamilies(st);
  return true;
}

bool FaultLayer::BeginBlockOp(OpState& st, uint64_t addr) {
  st.addr = addr;
  if (!powered_) {
    Finish(st, absl::StatusCode::kUnavailable, nullptr, false);
    return false;
  }
  if (addr < geometry().total_size()) {
    PlaceBlocks(st, addr - addr % geometry().block_size(), geometry().block_size());
    st.addr = addr;
  }
  Decode(st);
  RunFamilies(st);
  return true;
}

absl::StatusOr<bool> FaultLayer::IsBad(uint64_t addr) {
  if (!slow_) [[likely]] {
    ++next_op_;
    return model_->IsBad(addr);
  }
  OpState st = Describe(next_op_++, kOpIsBad);
  if (!BeginBlockOp(st, addr)) return no_power_;
  absl::StatusOr<bool> r = st.handled ? absl::StatusOr<bool>(st.status) : model_->IsBad(addr);
  if (r.ok() && st.handled) r = false;
  Finish(st, r.status().code(), nullptr, r.ok() && *r);
  return r;
}

absl::Status FaultLayer::MarkBad(uint64_t addr) {
  if (!slow_) [[likely]] {
    ++next_op_;
    return model_->MarkBad(addr);
  }
  OpState st = Describe(next_op_++, kOpMarkBad);
  if (!BeginBlockOp(st, addr)) return no_power_;
  if (!st.handled) {
    st.status = model_->MarkBad(addr);
    if (st.status.ok()) {
      // The model erased the block, then wrote the marker into page 0.
      env_->Erased(st.first_block);
      env_->PagesChanged(st.first_page, 1);
    }
  }
  Finish(st, st.status.code(), nullptr, false);
  return st.status;
}

absl::Status FaultLayer::Sync() {
  if (!slow_) [[likely]] {
    ++next_op_;
    return model_->Sync();
  }
  OpState st = Describe(next_op_++, kOpSync);
  if (!powered_) {
    Finish(st, absl::StatusCode::kUnavailable, nullptr, false);
    return no_power_;
  }
  st.placed = true;
  RunFamilies(st);
  if (!st.handled) st.status = model_->Sync();
  Finish(st, st.status.code(), nullptr, false);
  return st.status;
}

void FaultLayer::Register(FaultFamily* f) {
  for (uint32_t op = 1; op < kOpAll; op <<= 1) {
    if (f->ops() & op) by_op_[OpSlot(op)].push_back(f);
  }
  if (f->wants_changes()) listeners_.push_back(f);
}

absl::Status FaultLayer::AddFault(const FaultSpec& spec) {
  if (spec.id.empty()) return absl::InvalidArgumentError("fault id: must not be empty");
  for (const auto& f : families_) {
    if (f->spec().id == spec.id) return DuplicateId(spec.id);
  }
  FF_ASSIGN_OR_RETURN(std::unique_ptr<FaultFamily> family,
                      BuildFamily(spec, seed_, model_->geometry()));
  FaultFamily* f = family.get();
  families_.push_back(std::move(family));
  Register(f);
  f->Attach(*env_);
  UpdateDecoding();
  UpdateSlowPath();
  return absl::OkStatus();
}

std::vector<FaultStats> FaultLayer::stats() const {
  std::vector<FaultStats> out;
  for (const auto& f : families_) {
    out.push_back({f->spec().id, f->spec().kind, f->trigger().matches(), f->trigger().fires(),
                   f->injected()});
  }
  return out;
}

uint64_t FaultLayer::injected(absl::string_view id) const {
  for (const auto& f : families_) {
    if (f->spec().id == id) return f->injected();
  }
  return 0;
}

}  // namespace flashfault
