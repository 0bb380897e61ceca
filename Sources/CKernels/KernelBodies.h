// The engine's hot elementwise kernels, written once and compiled once per instruction set by
// Kernels.c (which includes this file twice: DBK_ISA(name) gives each copy its own names).
//
// Every kernel performs, per element, exactly the IEEE single-precision operations of the Swift
// loop it replaced, in the same order (Kernels.c is compiled with -ffp-contract=off: no fused
// multiply-add; no -ffast-math: no reassociation), so the baseline and the AVX2 copies give the
// same bits. Reductions keep the engine's one summation order (see dbk_sum). Counts are elements.
// No kernel allocates.

/// √x for x ≥ 0 from the inverse-square-root seed 0x5f3759df, two Newton steps on 1/√x and
/// one on √x: within 1 ulp of the IEEE root for normal x, exactly 0 for x = 0. Multiplies,
/// adds and integer ops only, so the Adam loop vectorizes (sqrtf would, but rounds differently).
static inline __attribute__((always_inline)) float DBK_ISA(square_root)(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    bits = 0x5F3759DFu - (bits >> 1);
    float y;
    memcpy(&y, &bits, sizeof y);
    float half = 0.5f * x;
    y = y * (1.5f - half * y * y);
    y = y * (1.5f - half * y * y);
    float root = x * y;
    return root + 0.5f * y * (x - root * root);
}

static void DBK_ISA(adam_update)(float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
                                 long count, float b1, float b2, float c1, float c2, float rate, float epsilon,
                                 float inverse_correction2) {
    for (long i = 0; i < count; i++) {
        float gi = g[i];
        float mi = b1 * m[i] + c1 * gi;
        float vi = b2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] -= rate * mi / (DBK_ISA(square_root)(vi * inverse_correction2) + epsilon);
    }
}

static inline __attribute__((always_inline)) float DBK_ISA(sum_inline)(const float *x, long count) {
    float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        for (int j = 0; j < 8; j++) partial[j] += x[i + j];
    }
    float total = -0.0f;
    for (int j = 0; j < 8; j++) total += partial[j];
    for (; i < count; i++) total += x[i];
    return total;
}

static float DBK_ISA(sum)(const float *x, long count) { return DBK_ISA(sum_inline)(x, count); }

static void DBK_ISA(mean_subtract)(float *values, long rows, long width) {
    float inverse = 1.0f / (float)width;
    for (long r = 0; r < rows; r++) {
        float *row = values + r * width;
        float mean = DBK_ISA(sum_inline)(row, width) * inverse;
        for (long i = 0; i < width; i++) row[i] -= mean;
    }
}

static void DBK_ISA(residual_add)(float *restrict y, const float *restrict x, float scale, long count) {
    for (long i = 0; i < count; i++) y[i] = x[i] + scale * y[i];
}

static void DBK_ISA(relu_forward)(const float *input, float *output, long count) {
    // Swift's max(x, 0) is `0 >= x ? 0 : x`: +0 for −0, NaN stays NaN.
    for (long i = 0; i < count; i++) output[i] = 0.0f >= input[i] ? 0.0f : input[i];
}

static void DBK_ISA(abs_forward)(const float *input, float *output, long count) {
    for (long i = 0; i < count; i++) output[i] = fabsf(input[i]);
}

static void DBK_ISA(multiply_derivative)(int kind, const float *restrict h, float *restrict gradient, long count) {
    // Blocks of 8 test `h <= 0` and negate as `0 - g` (Swift's SIMD negation: +0 stays +0),
    // the tail tests `!(h > 0)` and negates the sign bit, as the SIMD8 and scalar parts of the
    // Swift loop did; they differ only for NaN h and for g = ±0.
    long blocks = count - count % 8;
    if (kind == DBK_RELU) {
        for (long i = 0; i < blocks; i++) gradient[i] = h[i] <= 0 ? 0.0f : gradient[i];
        for (long i = blocks; i < count; i++) gradient[i] = !(h[i] > 0) ? 0.0f : gradient[i];
    } else {
        for (long i = 0; i < blocks; i++) gradient[i] = h[i] <= 0 ? 0.0f - gradient[i] : gradient[i];
        for (long i = blocks; i < count; i++) gradient[i] = !(h[i] > 0) ? -gradient[i] : gradient[i];
    }
}

static void DBK_ISA(branch_forward)(int kind, const float *restrict h, const float *restrict previous, float *restrict next,
                                    long rows, long width, float scale) {
    float inverse = 1.0f / (float)width;
    for (long r = 0; r < rows; r++) {
        const float *hr = h + r * width, *x = previous + r * width;
        float *y = next + r * width;
        if (kind == DBK_RELU) {
            DBK_ISA(relu_forward)(hr, y, width);
        } else {
            DBK_ISA(abs_forward)(hr, y, width);
        }
        float mean = DBK_ISA(sum_inline)(y, width) * inverse;
        for (long i = 0; i < width; i++) {
            float centred = y[i] - mean;
            y[i] = x[i] + scale * centred;
        }
    }
}

static void DBK_ISA(branch_backward)(int kind, const float *restrict h, const float *restrict d_next, float *restrict d_pre,
                                     long rows, long width, float scale) {
    float inverse = 1.0f / (float)width;
    for (long r = 0; r < rows; r++) {
        const float *hr = h + r * width, *dx = d_next + r * width;
        float *dh = d_pre + r * width;
        for (long i = 0; i < width; i++) dh[i] = scale * dx[i];
        float mean = DBK_ISA(sum_inline)(dh, width) * inverse;
        // width % 8 == 0 (the fused path's precondition): every element takes the blocks' `h <= 0`
        // and their negation `0 - g` (see multiply_derivative).
        if (kind == DBK_RELU) {
            for (long i = 0; i < width; i++) {
                float g = dh[i] - mean;
                dh[i] = hr[i] <= 0 ? 0.0f : g;
            }
        } else {
            for (long i = 0; i < width; i++) {
                float g = dh[i] - mean;
                dh[i] = hr[i] <= 0 ? 0.0f - g : g;
            }
        }
    }
}

static const dbk_kernel_table DBK_ISA(table) = {
    .adam_update = DBK_ISA(adam_update),
    .sum = DBK_ISA(sum),
    .mean_subtract = DBK_ISA(mean_subtract),
    .residual_add = DBK_ISA(residual_add),
    .relu_forward = DBK_ISA(relu_forward),
    .abs_forward = DBK_ISA(abs_forward),
    .multiply_derivative = DBK_ISA(multiply_derivative),
    .branch_forward = DBK_ISA(branch_forward),
    .branch_backward = DBK_ISA(branch_backward),
};
