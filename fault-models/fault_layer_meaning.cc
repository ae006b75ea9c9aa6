// The fault layer's decoding: when ops are classified by meaning, and the
// hooks that keep the MeaningTracker in step with the ops (fault_layer.h,
// "With decoding on"). Must not decide faults: families read OpState::meanings.
#include "fault-models/fault_layer.h"

namespace flashfault {

void FaultLayer::UpdateDecoding() {
  // The ops whose meanings somebody reads: the log reads every op's; an aim
  // or a field mutation (it finds its node with what the classifier learned:
  // the VID header and data offsets, where the page's first node begins)
  // reads those of the ops its family acts on.
  meaning_ops_ = decode_option_ ? kOpAll : 0u;
  for (const auto& f : families_) {
    if (f->spec().where.meaning.has_value() || f->spec().kind == FaultKind::kFieldMutation) {
      meaning_ops_ |= f->ops();
    }
  }
  const bool want = meaning_ops_ != 0;
  if (want && meaning_ == nullptr) {
    // Node CRCs (most of a written page's cost) only for the log's readers.
    meaning_ = std::make_unique<MeaningTracker>(model_->geometry(), decode_option_);
  } else if (!want) {
    // Off: it would go stale while it sees no ops.
    meaning_.reset();
  }
}

void FaultLayer::DecodeOther(OpState& st) {
  if (!meaning_->learned()) meaning_->LearnAll(*model_);
  if (st.op == kOpWrite) {
    DecodeWrite(st);
    return;
  }
  if ((st.op & meaning_ops_) == 0) return;  // nobody reads its meanings, and it teaches nothing
  if (st.op == kOpRead) {
    st.meanings = meaning_->ForRead(*model_, st.flash_op.addr, st.read_data.size(),
                                    st.first_page, st.page_count, meaning_buf_);
    return;
  }
  meaning_->ForBlocks(*model_, st.first_block, st.block_count, meaning_buf_);
  st.meanings = meaning_buf_;
}

void FaultLayer::DecodeWrite(OpState& st) {
  if ((st.op & meaning_ops_) == 0) {
    // Nobody reads this write's meanings; it still teaches the classifier.
    meaning_->LearnWrite(*model_, st.flash_op.addr, st.write_data, st.first_page, st.page_count);
    return;
  }
  st.meanings = meaning_->ForWrite(*model_, st.flash_op.addr, st.write_data, st.first_page,
                                   st.page_count, meaning_buf_);
}

void FaultLayer::Redecode(OpState& st) {
  if (meaning_ == nullptr || !st.placed) return;
  DecodeWrite(st);
}

void FaultLayer::WriteDone(const OpState& st) {
  if (meaning_ == nullptr || !st.placed || st.status.ok()) return;
  // Failed, refused or cut: what was observed may not be what the cells hold.
  meaning_->Changed(st.first_page, st.page_count);
}

}  // namespace flashfault
