#include <cmath>

#include "ops/Lowering.h"

namespace kiln {
namespace {

// erfc(a) for a >= 0 by Abramowitz and Stegun's 7.1.26, t (a1 + ... + a5
// t^4) exp(-a^2), t = 1 / (1 + p a): absolute error below 1.5e-7, and half
// the terms of a fit with relative error throughout, whose constants and
// terms spilled the registers of the convolutions gelu is fused into.
// Halide has no erf of its own.
Halide::Expr erfc_nonnegative(Halide::Expr a) {
  Halide::Expr t = 1.0f / (1.0f + 0.3275911f * a);
  const float c[] = {0.254829592f, -0.284496736f, 1.421413741f, -1.453152027f, 1.061405429f};
  Halide::Expr poly = c[4];
  for (int i = 3; i >= 0; --i) poly = c[i] + t * poly;
  return t * poly * Halide::exp(-a * a);
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
