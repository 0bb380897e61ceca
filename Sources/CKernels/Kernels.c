// Instantiates KernelBodies.h once per instruction set and picks one at run time.
//
// NOTE: why not `__attribute__((target_clones("avx2","default")))`: it needs an ELF ifunc (no
// macOS), and nothing can call the default clone on an AVX2 machine, so a test could not compare
// the two variants' bits. Including the one body twice, the second time under
// `#pragma clang attribute push(target("avx2"))`, gives both variants under their own names from
// one definition; the choice is a CPU-feature check made once (`__builtin_cpu_supports`).
// Compiled with -O3 -ffp-contract=off (Package.swift): clang vectorizes the loops, contracts no
// a*b+c into an FMA, and never reassociates a float sum, so both variants equal the scalar order.

#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define DBK_ISA(name) baseline_##name
#include "KernelBodies.h"
#undef DBK_ISA

#if defined(__x86_64__) && defined(__clang__)
#define DBK_HAS_AVX2_VARIANT 1
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#define DBK_ISA(name) avx2_##name
#include "KernelBodies.h"
#undef DBK_ISA
#pragma clang attribute pop
#endif

const dbk_kernel_table *dbk_kernels(int isa) {
    switch (isa) {
    case DBK_ISA_BASELINE:
        return &baseline_table;
#ifdef DBK_HAS_AVX2_VARIANT
    case DBK_ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") ? &avx2_table : NULL;
#endif
    default:
        return NULL;
    }
}

int dbk_kernels_active_isa(void) {
    // DEPTHBOOK_KERNELS=baseline keeps the baseline variant on an AVX2 machine (A/B timing runs).
    const char *forced = getenv("DEPTHBOOK_KERNELS");
    if (forced != NULL && strcmp(forced, "baseline") == 0) return DBK_ISA_BASELINE;
    // Any other value is a typo (or "avx2", the default): say so once, so that an A/B run
    // that meant the baseline does not silently time the default.
    static int warned = 0;
    if (forced != NULL && forced[0] != '\0' && strcmp(forced, "avx2") != 0 && !__atomic_exchange_n(&warned, 1, __ATOMIC_ACQ_REL)) {
        fprintf(stderr, "warning: DEPTHBOOK_KERNELS=%s is not a kernel set; hint: use DEPTHBOOK_KERNELS=baseline, or unset it for the fastest (avx2 where the CPU has it)\n", forced);
    }
    return dbk_kernels(DBK_ISA_AVX2) != NULL ? DBK_ISA_AVX2 : DBK_ISA_BASELINE;
}

const dbk_kernel_table *dbk_kernels_active(void) {
    // Computed once; a benign race at first use stores the same pointer.
    static const dbk_kernel_table *active = NULL;
    const dbk_kernel_table *table = __atomic_load_n(&active, __ATOMIC_ACQUIRE);
    if (table == NULL) {
        table = dbk_kernels(dbk_kernels_active_isa());
        __atomic_store_n(&active, table, __ATOMIC_RELEASE);
    }
    return table;
}

float dbk_square_root(float x) { return baseline_square_root(x); }
