// Small error-propagation helpers for absl::Status / absl::StatusOr.
//
// Debian's Abseil (20220623) ships neither RETURN_IF_ERROR nor
// ASSIGN_OR_RETURN, so the project keeps its own two macros here and nowhere
// else. They must stay trivial: no logging, no status rewriting.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FF_CONCAT_INNER_(a, b) a##b
#define FF_CONCAT_(a, b) FF_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function when it is not OK.
#define FF_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    ::absl::Status ff_status_ = (expr);           \
    if (!ff_status_.ok()) return ff_status_;      \
  } while (0)

// `FF_ASSIGN_OR_RETURN(auto x, F());` evaluates F() (an absl::StatusOr<T>),
// returns its status when it is an error, else moves the value into `x`.
#define FF_ASSIGN_OR_RETURN(lhs, expr) \
  FF_ASSIGN_OR_RETURN_IMPL_(FF_CONCAT_(ff_statusor_, __LINE__), lhs, expr)
#define FF_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
