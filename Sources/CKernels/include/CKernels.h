#ifndef DEPTHBOOK_CKERNELS_H
#define DEPTHBOOK_CKERNELS_H

/// The engine's hot elementwise kernels (DepthMuP imports them in one file, Tensor/Kernels.swift).
///
/// Each kernel exists twice, compiled from one body (KernelBodies.h): for the baseline
/// instruction set of the target (x86-64 SSE2, aarch64 NEON) and, on x86-64, for AVX2 (8 floats
/// per vector). `dbk_kernels_active()` picks AVX2 when the CPU has it, once per call site's
/// first use; `dbk_kernels(isa)` names a variant, so tests compare both bit for bit on one
/// machine. Both give the same bits: same IEEE operations in the same order, no FMA contraction.
///
/// Buffers are row-major float arrays; counts, rows and widths are elements; `restrict`
/// arguments must not overlap.

#define DBK_RELU 0
#define DBK_ABS 1

#define DBK_ISA_BASELINE 0
#define DBK_ISA_AVX2 1

typedef struct dbk_kernel_table {
    /// Adam on `count` elements in place: m ← b1·m + c1·g; v ← b2·v + c2·g·g;
    /// w ← w − rate·m / (√(v·inverse_correction2) + epsilon), √ the Newton form of square_root.
    void (*adam_update)(float *__restrict w, const float *__restrict g, float *__restrict m, float *__restrict v,
                        long count, float b1, float b2, float c1, float c2, float rate, float epsilon,
                        float inverse_correction2);
    /// Σ x[i]: eight lane sums over blocks of 8 (lane j takes x[8k + j]), added lane 0…7 onto −0,
    /// then the tail left to right (the engine's one summation order).
    float (*sum)(const float *x, long count);
    /// Subtracts each row's mean (sum · (1/width)) in place; `values` is [rows, width].
    void (*mean_subtract)(float *values, long rows, long width);
    /// Overwrites y[i] = x[i] + scale·y[i].
    void (*residual_add)(float *__restrict y, const float *__restrict x, float scale, long count);
    /// output[i] = max(input[i], 0) as Swift's max: 0 ≥ x ? 0 : x. `output` may equal `input`.
    void (*relu_forward)(const float *input, float *output, long count);
    /// output[i] = |input[i]| (sign bit cleared). `output` may equal `input`.
    void (*abs_forward)(const float *input, float *output, long count);
    /// gradient[i] *= φ'(h[i]) for relu (0 where h ≤ 0) or abs (−1 where h ≤ 0), kind DBK_RELU/DBK_ABS.
    void (*multiply_derivative)(int kind, const float *__restrict h, float *__restrict gradient, long count);
    /// next = previous + scale·MS(φ(h)) per row, all [rows, width]; width % 8 == 0.
    void (*branch_forward)(int kind, const float *__restrict h, const float *__restrict previous, float *__restrict next,
                           long rows, long width, float scale);
    /// d_pre = φ'(h) ⊙ MS(scale·d_next) per row, all [rows, width]; width % 8 == 0.
    void (*branch_backward)(int kind, const float *__restrict h, const float *__restrict d_next, float *__restrict d_pre,
                            long rows, long width, float scale);
} dbk_kernel_table;

/// The kernels for `isa` (DBK_ISA_BASELINE or DBK_ISA_AVX2), or NULL when this CPU or build
/// lacks that instruction set.
const dbk_kernel_table *dbk_kernels(int isa);

/// The fastest variant this CPU runs (AVX2 where present), chosen once; the environment
/// variable DEPTHBOOK_KERNELS=baseline selects the baseline variant (for A/B timing).
const dbk_kernel_table *dbk_kernels_active(void);

/// The instruction set of `dbk_kernels_active()`.
int dbk_kernels_active_isa(void);

/// The Newton square root of the Adam kernel for one value (x ≥ 0; within 1 ulp for normal x).
float dbk_square_root(float x);

#endif
