// tfe_ops.hpp -- the nonlinear, comparison, layout, pooling, convolution,
// mean, division, minimum, cumulative sum and sort operations of the C++
// binding (tfe.hpp includes it; include tfe.hpp).
// Each is a free function over tfe::Tensor that adds a node to the
// operand's context and throws tfe::Error (TFE_ERR_INVALID_ARGUMENT naming
// the shapes) when the operands do not fit.
#ifndef TFE_OPS_HPP
#define TFE_OPS_HPP

#include "tfe.hpp"

namespace tfe {

/// How pooling and convolution windows meet the input's edges.
enum class Padding : std::uint32_t { Valid = TFE_PADDING_VALID, Same = TFE_PADDING_SAME };

/// Exact ReLU.
inline Tensor relu(const Tensor &x) { return x.unary(tfe_relu); }
// The approximations: domains and error bounds in the docs of their C
// functions (include/tfe.h) and in docs/approximations.md.
inline Tensor sigmoid(const Tensor &x) { return x.unary(tfe_sigmoid); }
/// clamp(0.2 x + 0.5, 0, 1), as in TF Encrypted.
inline Tensor hard_sigmoid(const Tensor &x) { return x.unary(tfe_hard_sigmoid); }
inline Tensor exp(const Tensor &x) { return x.unary(tfe_exp); }
inline Tensor reciprocal(const Tensor &x) { return x.unary(tfe_reciprocal); }
inline Tensor inv_sqrt(const Tensor &x) { return x.unary(tfe_inv_sqrt); }
/// Softmax along the last axis.
inline Tensor softmax(const Tensor &x) { return x.unary(tfe_softmax); }
inline Tensor tanh(const Tensor &x) { return x.unary(tfe_tanh); }
/// Natural logarithm.
inline Tensor log(const Tensor &x) { return x.unary(tfe_log); }
inline Tensor sqrt(const Tensor &x) { return x.unary(tfe_sqrt); }

/// Comparisons give 0.0 or 1.0 per element (broadcasting).
inline Tensor operator<(const Tensor &x, const Tensor &y) { return x.binary(y, tfe_less); }
inline Tensor operator<=(const Tensor &x, const Tensor &y) { return x.binary(y, tfe_less_equal); }
inline Tensor operator>(const Tensor &x, const Tensor &y) { return x.binary(y, tfe_greater); }
inline Tensor operator>=(const Tensor &x, const Tensor &y) { return x.binary(y, tfe_greater_equal); }
/// Elementwise equality as 0.0 or 1.0 (not operator==, which would read as a test).
inline Tensor equal(const Tensor &x, const Tensor &y) { return x.binary(y, tfe_equal); }
inline Tensor maximum(const Tensor &x, const Tensor &y) { return x.binary(y, tfe_maximum); }

inline Tensor reduce_max(const Tensor &x, std::size_t axis) {
    return x.unary([=](auto ctx, auto t, auto out) { return tfe_reduce_max(ctx, t, axis, out); });
}
/// The index of the first maximum along `axis`.
inline Tensor argmax(const Tensor &x, std::size_t axis) {
    return x.unary([=](auto ctx, auto t, auto out) { return tfe_argmax(ctx, t, axis, out); });
}
/// 1.0 at the first maximum along `axis`, 0.0 elsewhere (the shape of `x`).
inline Tensor argmax_one_hot(const Tensor &x, std::size_t axis) {
    return x.unary([=](auto ctx, auto t, auto out) { return tfe_argmax_one_hot(ctx, t, axis, out); });
}
/// `cond ? a : b` elementwise (broadcasting); `cond` holds 0.0 or 1.0.
inline Tensor select(const Tensor &cond, const Tensor &a, const Tensor &b) {
    return cond.binary(a, [&](auto ctx, auto c, auto x, auto out) { return tfe_select(ctx, c, x, b.get(), out); });
}

inline Tensor slice(const Tensor &x, const std::vector<std::size_t> &begin, const std::vector<std::size_t> &size) {
    return x.unary([&](auto ctx, auto t, auto out) {
        return tfe_slice(ctx, t, begin.data(), begin.size(), size.data(), size.size(), out);
    });
}
/// Zero padding: one (before, after) pair per axis.
inline Tensor pad(const Tensor &x, const std::vector<std::pair<std::size_t, std::size_t>> &pads) {
    std::vector<std::size_t> flat;
    for (const auto &p : pads) {
        flat.push_back(p.first);
        flat.push_back(p.second);
    }
    return x.unary([&](auto ctx, auto t, auto out) { return tfe_pad(ctx, t, flat.data(), flat.size(), out); });
}
inline Tensor concat(const Tensor &x, const Tensor &y, std::size_t axis) {
    return x.binary(y, [=](auto ctx, auto a, auto b, auto out) { return tfe_concat(ctx, a, b, axis, out); });
}
inline Tensor expand_dims(const Tensor &x, std::size_t axis) {
    return x.unary([=](auto ctx, auto t, auto out) { return tfe_expand_dims(ctx, t, axis, out); });
}
inline Tensor squeeze(const Tensor &x, std::size_t axis) {
    return x.unary([=](auto ctx, auto t, auto out) { return tfe_squeeze(ctx, t, axis, out); });
}
inline Tensor gather(const Tensor &x, const std::vector<std::size_t> &indices, std::size_t axis) {
    return x.unary([&](auto ctx, auto t, auto out) {
        return tfe_gather(ctx, t, indices.data(), indices.size(), axis, out);
    });
}
/// [N, everything else].
inline Tensor flatten(const Tensor &x) { return x.unary(tfe_flatten); }

/// Which pooling `pool2d` applies (tfe_pool_t).
enum class Pool : std::uint32_t { Max = TFE_POOL_MAX, Average = TFE_POOL_AVERAGE };

/// Max or average pooling of an NHWC tensor (SAME averages over the elements inside the input).
inline Tensor pool2d(const Tensor &x, Pool pool, std::pair<std::size_t, std::size_t> window,
                     std::pair<std::size_t, std::size_t> strides, Padding padding) {
    return x.unary([&](auto ctx, auto t, auto out) {
        return tfe_pool2d(ctx, t, static_cast<std::uint32_t>(pool), window.first, window.second, strides.first,
                          strides.second, static_cast<std::uint32_t>(padding), out);
    });
}
/// Max pooling of an NHWC tensor.
inline Tensor max_pool2d(const Tensor &x, std::pair<std::size_t, std::size_t> window,
                         std::pair<std::size_t, std::size_t> strides, Padding padding) {
    return pool2d(x, Pool::Max, window, strides, padding);
}
/// Average pooling of an NHWC tensor (SAME averages over the elements inside the input).
inline Tensor avg_pool2d(const Tensor &x, std::pair<std::size_t, std::size_t> window,
                         std::pair<std::size_t, std::size_t> strides, Padding padding) {
    return pool2d(x, Pool::Average, window, strides, padding);
}
inline Tensor global_avg_pool2d(const Tensor &x) { return x.unary(tfe_global_avg_pool2d); }
/// NHWC convolution with a [KH, KW, C, O] filter.
inline Tensor conv2d(const Tensor &x, const Tensor &filter, std::pair<std::size_t, std::size_t> strides,
                     Padding padding) {
    return x.binary(filter, [&](auto ctx, auto a, auto f, auto out) {
        return tfe_conv2d(ctx, a, f, strides.first, strides.second, static_cast<std::uint32_t>(padding), out);
    });
}

/// Which cumulative sum tfe::cumsum computes (TensorFlow's exclusive and reverse).
enum class Cumsum : std::uint32_t {
    Inclusive = TFE_CUMSUM_INCLUSIVE,
    Exclusive = TFE_CUMSUM_EXCLUSIVE,
    Reverse = TFE_CUMSUM_REVERSE,
    ExclusiveReverse = TFE_CUMSUM_EXCLUSIVE_REVERSE,
};
/// The order of tfe::sort.
enum class SortOrder : std::uint32_t { Ascending = TFE_SORT_ASCENDING, Descending = TFE_SORT_DESCENDING };

/// The mean of every element (a scalar): within |sum|·2^-26 + 2^-16; at most 2^16 elements.
inline Tensor reduce_mean(const Tensor &x) { return x.unary(tfe_reduce_mean); }
/// The mean along `axis`, which is removed.
inline Tensor reduce_mean(const Tensor &x, std::size_t axis) {
    return x.unary([=](auto ctx, auto t, auto out) { return tfe_reduce_mean_axis(ctx, t, axis, out); });
}
/// `x / divisor` for a public divisor, 2^-20 <= |divisor| <= 2^16: within |x|·2^-26 + 2^-16.
inline Tensor operator/(const Tensor &x, double divisor) {
    return x.unary([=](auto ctx, auto t, auto out) { return tfe_div_public(ctx, t, divisor, out); });
}
/// Exact |x|.
inline Tensor abs(const Tensor &x) { return x.unary(tfe_abs); }
/// Exact elementwise minimum (broadcasting).
inline Tensor minimum(const Tensor &x, const Tensor &y) { return x.binary(y, tfe_minimum); }
inline Tensor reduce_min(const Tensor &x, std::size_t axis) {
    return x.unary([=](auto ctx, auto t, auto out) { return tfe_reduce_min(ctx, t, axis, out); });
}
/// The index of the first minimum along `axis`.
inline Tensor argmin(const Tensor &x, std::size_t axis) {
    return x.unary([=](auto ctx, auto t, auto out) { return tfe_argmin(ctx, t, axis, out); });
}
/// Cumulative sums along `axis`, exact and free.
inline Tensor cumsum(const Tensor &x, std::size_t axis, Cumsum mode = Cumsum::Inclusive) {
    return x.unary([=](auto ctx, auto t, auto out) {
        return tfe_cumsum(ctx, t, axis, static_cast<std::uint32_t>(mode), out);
    });
}
/// Sorted along `axis` by an oblivious network, exact.
inline Tensor sort(const Tensor &x, std::size_t axis, SortOrder order = SortOrder::Ascending) {
    return x.unary([=](auto ctx, auto t, auto out) {
        return tfe_sort(ctx, t, axis, static_cast<std::uint32_t>(order), out);
    });
}

} // namespace tfe

#endif // TFE_OPS_HPP
