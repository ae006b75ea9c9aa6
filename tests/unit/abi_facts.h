/*
 * AbiFact: one measured fact about a MUSE ABI header (a struct's size, a
 * field's offset, size and signedness, a constant's value), named in the
 * kernel header's vocabulary ("read_in" for struct muse_read_in,
 * "read_in.flags", "MUSE_READ") so that the kernel's header
 * (kmod/muse_abi.h, measured by a C translation unit, kmod_abi_facts.c) and
 * the userspace one (harness/muse/muse_abi.h, measured in
 * muse_abi_drift_test.cc) can be compared name by name. Shared by C and C++; it holds declarations only,
 * never a value: every number comes from a compiler measuring a header.
 */
#ifndef FLASHFAULT_TESTS_UNIT_ABI_FACTS_H_
#define FLASHFAULT_TESTS_UNIT_ABI_FACTS_H_

#ifdef __cplusplus
extern "C" {
#endif

enum ff_abi_kind {
  FF_ABI_STRUCT = 0, /* value: sizeof */
  FF_ABI_FIELD = 1,  /* value: offsetof; size: sizeof the member; is_signed */
  FF_ABI_VALUE = 2,  /* value: the constant */
};

struct ff_abi_fact {
  enum ff_abi_kind kind;
  const char *name; /* "read_in", "read_in.flags", "MUSE_READ" */
  unsigned long long value;
  unsigned long long size;
  int is_signed;
};

/* The facts of kmod/muse_abi.h, as a C compiler sees it. */
extern const struct ff_abi_fact ff_kmod_abi_facts[];
extern const unsigned long ff_kmod_abi_fact_count;

#ifdef __cplusplus
}
#endif

#endif /* FLASHFAULT_TESTS_UNIT_ABI_FACTS_H_ */
