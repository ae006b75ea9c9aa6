// Serving a part from inside an agent; see served_part.h.
#include "harness/campaign/served_part.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "harness/campaign/guest_shell.h"

namespace flashfault::campaign {

absl::StatusOr<std::unique_ptr<ServedPart>> ServedPart::Start(
    FaultLayer* layer, const std::string& muse_device, const std::string& name,
    std::function<absl::Status(FaultLayer&, const FaultPlan&)> initial_state,
    const std::function<void(server::ServerOptions&)>& adjust) {
  server::ServerOptions so;
  so.device.layer = layer;
  so.device.initial_state = std::move(initial_state);
  so.muse_device = muse_device;
  so.session.name = name;
  so.log = nullptr;
  if (adjust) adjust(so);
  FF_ASSIGN_OR_RETURN(std::unique_ptr<server::Server> srv, server::Server::Create(std::move(so)));
  std::unique_ptr<ServedPart> p(new ServedPart(std::move(srv)));
  p->name_ = name;
  // A part of this name still going away (the last state's or input's)
  // must not be taken for the new one.
  if (!WaitMtdGone(name, 20000)) {
    return absl::UnavailableError(absl::StrCat("an MTD named ", name, " is still there"));
  }
  ServedPart* raw = p.get();
  p->serving_ = std::thread([raw] { raw->served_ = raw->server_->Run(); });
  p->mtd_ = WaitMtd(name, 20000);
  return p;
}

absl::Status ServedPart::Stop() {
  if (server_ == nullptr) return served_;
  server_->RequestStop();
  if (serving_.joinable()) serving_.join();
  server_.reset();
  if (served_.ok() && mtd_ >= 0 && !WaitMtdGone(name_, 20000)) {
    served_ = absl::UnavailableError(absl::StrCat("the MTD ", name_, " stayed after its server closed"));
  }
  return served_;
}

ServedPart::~ServedPart() { (void)Stop(); }

}  // namespace flashfault::campaign
