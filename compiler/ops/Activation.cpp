#include <cmath>

#include "ops/Lowering.h"

namespace kiln {
namespace {

// erfc(a) for a >= 0 by the Chebyshev fit of Numerical Recipes (erfcc), whose
// relative error is below 1.2e-7 everywhere, so gelu stays accurate where
// 1 + erf(x) is tiny. Halide has no erf of its own.
Halide::Expr erfc_nonnegative(Halide::Expr a) {
  Halide::Expr t = 1.0f / (1.0f + 0.5f * a);
  const float c[] = {-1.26551223f, 1.00002368f, 0.37409196f, 0.09678418f, -0.18628806f,
                     0.27886807f,  -1.13520398f, 1.48851587f, -0.82215223f, 0.17087277f};
  Halide::Expr poly = c[9];
  for (int i = 8; i >= 0; --i) poly = c[i] + t * poly;
  return t * Halide::exp(-a * a + poly);
}

}  // namespace

Halide::Expr activate(Halide::Expr x, const Activation& activation) {
  switch (activation.kind) {
    case ActivationKind::None: return x;
    case ActivationKind::Relu: return Halide::max(x, 0.0f);
    case ActivationKind::Relu6: return Halide::clamp(x, 0.0f, 6.0f);
    case ActivationKind::Sigmoid: return 1.0f / (1.0f + Halide::exp(-x));
    case ActivationKind::Tanh: return Halide::tanh(x);
    case ActivationKind::Silu: return x / (1.0f + Halide::exp(-x));
    case ActivationKind::Hardswish: return x * Halide::clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f;
    case ActivationKind::Hardsigmoid: return Halide::clamp(activation.alpha * x + activation.beta, 0.0f, 1.0f);
    case ActivationKind::LeakyRelu: return Halide::select(x >= 0.0f, x, activation.alpha * x);
    case ActivationKind::Exp: return Halide::exp(x);
    case ActivationKind::Sqrt: return Halide::sqrt(x);
    case ActivationKind::Erf: {
      Halide::Expr magnitude = 1.0f - erfc_nonnegative(Halide::abs(x));
      return Halide::select(x >= 0.0f, magnitude, -magnitude);
    }
    case ActivationKind::Gelu: {
      // 0.5 x (1 + erf(x / sqrt 2)), with 1 + erf(z) = erfc(-z) for z < 0.
      Halide::Expr e = erfc_nonnegative(Halide::abs(x) * static_cast<float>(M_SQRT1_2));
      return Halide::select(x >= 0.0f, x * (1.0f - 0.5f * e), 0.5f * x * e);
    }
  }
  return x;
}

}  // namespace kiln
