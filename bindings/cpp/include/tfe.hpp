// tfe.hpp -- the C++17 binding of libtfe, header-only, over include/tfe.h.
//
// One move-only RAII class per C handle: Context, Tensor, Feeds, Session,
// Party, Result, Model, Predictor (and Array, values read from a file). A
// failed call throws tfe::Error, which carries the tfe_status_t and the
// library's message. Operators read like the math:
//
//   tfe::Context ctx;
//   auto w = ctx.private_variable("server0", std::vector<double>(100, 1.0), {10, 10});
//   auto x = ctx.private_input("input-provider", {5, 10}, provide);
//   auto y = tfe::matmul(x, w) + x;            // also x - y, x * y, -x
//   tfe::Session sess(ctx);
//   tfe::Result result = sess.run(y.reveal());
//
// Lifetimes: tensors and sessions keep their context's state alive (the C
// context and the input callbacks), so operators never touch a freed
// context and callbacks outlive every session that calls them. A moved-from
// object holds no handle; using it throws tfe::Error with
// TFE_ERR_NULL_POINTER, never crashes.
//
// Thread safety: as the C types (see tfe.h): contexts and sessions may be
// shared between threads, tensors and results are immutable, feeds must
// not be modified while a run uses them.
//
// Files: this one (Error, Context, Tensor and its arithmetic), which
// includes tfe_session.hpp (Feeds, Session, Party, Result), tfe_ops.hpp
// (nonlinear, comparison, layout, pooling and convolution operations),
// tfe_nn.hpp (Model, Predictor, Array), tfe_serve.hpp (Server, Client),
// tfe_train.hpp (Trainer) and tfe_log.hpp (LogCallback).
#ifndef TFE_HPP
#define TFE_HPP

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tfe.h"

namespace tfe {

/// A failed tfe call: its status and the library's message (which names
/// the function and says what was expected and what was found).
class Error : public std::runtime_error {
  public:
    Error(tfe_status_t status, const std::string &message) : std::runtime_error(message), status_(status) {}
    tfe_status_t status() const noexcept { return status_; }
    /// "TFE_ERR_INVALID_ARGUMENT" and so on.
    const char *status_name() const noexcept { return tfe_status_name(static_cast<int>(status_)); }

  private:
    tfe_status_t status_;
};

/// Produces a private input's values at its owner: called on a library
/// thread with the input's name and shape and a zeroed buffer of `len`
/// doubles to fill row-major. Throwing fails the run with
/// TFE_ERR_INVALID_ARGUMENT, and a message naming the input and holding the
/// exception's what(), at the owner only (other players learn only that
/// the input was invalid); the exception does not leave the library thread.
using Provider = std::function<void(const std::string &name, const std::vector<std::size_t> &shape, double *out,
                                    std::size_t len)>;

namespace detail {

/// Throws tfe::Error for any status but TFE_OK.
inline void check(tfe_status_t status) {
    if (status != TFE_OK) {
        throw Error(status, tfe_last_error_message());
    }
}

/// What a callback threw, kept until the C call it was given to returns:
/// no exception may unwind into the library.
class Thrown {
  public:
    /// `body()`'s answer to the library, or `on_throw` once its exception is kept.
    template <class Body> int guard(Body body, int on_throw) noexcept {
        try {
            return body();
        } catch (...) {
            error_ = std::current_exception();
            return on_throw;
        }
    }

    /// Rethrows the kept exception, else throws for any status but TFE_OK.
    void check(tfe_status_t status) const {
        if (error_) {
            std::rethrow_exception(error_);
        }
        detail::check(status);
    }

  private:
    std::exception_ptr error_;
};

template <class T, void (*Free)(T *)> struct Deleter {
    void operator()(T *p) const noexcept { Free(p); }
};
template <class T, void (*Free)(T *)> using Handle = std::unique_ptr<T, Deleter<T, Free>>;

/// What a context's tensors and sessions share: the C context and the
/// providers whose addresses are the callbacks' user_data (a std::list, so
/// the addresses never move).
struct ContextState {
    Handle<tfe_context_t, tfe_context_free> context;
    std::list<Provider> providers;
};

/// The C callback of every Provider: no exception crosses into the library;
/// its text becomes the run's error message (tfe_input_set_error).
inline int provide(void *user_data, const char *name, const std::size_t *shape, std::size_t rank, double *out,
                   std::size_t len) noexcept {
    try {
        const auto &provider = *static_cast<const Provider *>(user_data);
        provider(name, std::vector<std::size_t>(shape, shape + rank), out, len);
        return TFE_OK;
    } catch (const std::exception &e) {
        tfe_input_set_error(e.what());
    } catch (...) {
        tfe_input_set_error("the provider threw an exception that is not a std::exception");
    }
    return TFE_ERR_INVALID_ARGUMENT;
}

/// The C name of a definition: NULL for an automatic one.
inline const char *c_name(const std::string &name) noexcept { return name.empty() ? nullptr : name.c_str(); }

/// A copy of the `n` items at `data` (NULL when `n` is 0).
template <class T> std::vector<T> copy_of(const T *data, std::size_t n) {
    return n == 0 ? std::vector<T>{} : std::vector<T>(data, data + n);
}

/// The handle a C function `create(args..., &out)` makes, owned by the caller.
template <class T, class Create, class... Args> T *created(Create create, Args... args) {
    T *out = nullptr;
    check(create(args..., &out));
    return out;
}

/// The count a C getter `getter(handle, args..., &count)` writes.
template <class Getter, class... Args> std::size_t count_of(Getter getter, Args... args) {
    std::size_t count = 0;
    check(getter(args..., &count));
    return count;
}

/// A copy of the shape a C getter `getter(handle, args..., &shape, &rank)` points to.
template <class Getter, class... Args> std::vector<std::size_t> shape_of(Getter getter, Args... args) {
    const std::size_t *shape = nullptr;
    std::size_t rank = 0;
    check(getter(args..., &shape, &rank));
    return copy_of(shape, rank);
}

/// A copy of the values a C getter `getter(handle, args..., &values, &len)` points to.
template <class Getter, class... Args> std::vector<double> values_of(Getter getter, Args... args) {
    const double *values = nullptr;
    std::size_t len = 0;
    check(getter(args..., &values, &len));
    return copy_of(values, len);
}

} // namespace detail

/// The version of the loaded library, "MAJOR.MINOR.PATCH".
inline std::string version() { return tfe_version(); }

/// The default fixed-point configuration (16 fractional, 20 integer bits).
inline tfe_config_t default_config() noexcept { return tfe_config_default(); }

/// The default session options (loopback TCP, 30 s timeouts).
inline tfe_session_options_t default_session_options() noexcept { return tfe_session_options_default(); }

class Context;

/// What a tensor is (tfe_tensor_kind_t).
enum class TensorKind : int {
    Public = TFE_TENSOR_PUBLIC,
    Private = TFE_TENSOR_PRIVATE,
    Revealed = TFE_TENSOR_REVEALED,
    Assignment = TFE_TENSOR_ASSIGNMENT,
};

/// The name of an input or variable, given at definition (what feeds,
/// saved graphs, messages and `tfe party --input NAME=FILE` use): 1 to 64
/// letters, digits, '-', '_' or '.', unique in its context. A
/// default-constructed Name lets the library choose ("input<N>",
/// "variable<N>").
struct Name {
    Name() = default;
    explicit Name(std::string name) : value(std::move(name)) {}
    std::string value;
};

/// A node of a context's graph (tfe_tensor_t). Move-only.
class Tensor {
  public:
    Tensor(Tensor &&) noexcept = default;
    Tensor &operator=(Tensor &&) noexcept = default;
    Tensor(const Tensor &) = delete;
    Tensor &operator=(const Tensor &) = delete;

    /// The shape inferred when the tensor was defined.
    std::vector<std::size_t> shape() const { return detail::shape_of(tfe_tensor_shape, get()); }

    /// The name of an input or variable (what saved graphs and feeds use).
    std::string name() const {
        const char *name = nullptr;
        detail::check(tfe_tensor_name(get(), &name));
        return name;
    }

    /// Public, private, revealed or an assignment.
    TensorKind kind() const {
        tfe_tensor_kind_t kind = TFE_TENSOR_PUBLIC;
        detail::check(tfe_tensor_kind(get(), &kind));
        return static_cast<TensorKind>(kind);
    }

    /// The owner of an input or variable, or the player a value is revealed
    /// to; empty for any other tensor.
    std::string owner() const {
        const char *owner = nullptr;
        detail::check(tfe_tensor_owner(get(), &owner));
        return owner ? owner : "";
    }

    /// Reveals the tensor to every server.
    Tensor reveal() const { return unary([](auto ctx, auto x, auto out) { return tfe_reveal(ctx, x, nullptr, out); }); }

    /// Reveals the tensor to the player `to` only.
    Tensor reveal(const std::string &to) const {
        return unary([&](auto ctx, auto x, auto out) { return tfe_reveal(ctx, x, to.c_str(), out); });
    }

    /// The C handle (owned by this object; NULL when moved from).
    tfe_tensor_t *get() const noexcept { return handle_.get(); }

    /// Adds a node `op(context, this, &out)` to this tensor's context.
    template <class Op> Tensor unary(Op op) const {
        return Tensor(state_, detail::created<tfe_tensor_t>(op, context(), get()));
    }

    /// Adds a node `op(context, this, other, &out)` to this tensor's context.
    template <class Op> Tensor binary(const Tensor &other, Op op) const {
        return Tensor(state_, detail::created<tfe_tensor_t>(op, context(), get(), other.get()));
    }

  private:
    friend class Context;
    Tensor(std::shared_ptr<detail::ContextState> state, tfe_tensor_t *handle)
        : state_(std::move(state)), handle_(handle) {}

    tfe_context_t *context() const noexcept { return state_ ? state_->context.get() : nullptr; }

    std::shared_ptr<detail::ContextState> state_;
    detail::Handle<tfe_tensor_t, tfe_tensor_free> handle_;
};

inline Tensor operator+(const Tensor &x, const Tensor &y) { return x.binary(y, tfe_add); }
inline Tensor operator-(const Tensor &x, const Tensor &y) { return x.binary(y, tfe_sub); }
/// Elementwise product (broadcasting); `tfe::matmul` is the matrix product.
inline Tensor operator*(const Tensor &x, const Tensor &y) { return x.binary(y, tfe_mul); }
inline Tensor operator-(const Tensor &x) { return x.unary(tfe_neg); }
inline Tensor matmul(const Tensor &x, const Tensor &y) { return x.binary(y, tfe_matmul); }
inline Tensor square(const Tensor &x) { return x.unary(tfe_square); }
/// The sum of every element (a scalar).
inline Tensor reduce_sum(const Tensor &x) { return x.unary(tfe_reduce_sum); }
/// The sum along `axis`, which the result drops.
inline Tensor reduce_sum(const Tensor &x, std::size_t axis) {
    return x.unary([=](auto ctx, auto t, auto out) { return tfe_reduce_sum_axis(ctx, t, axis, out); });
}
/// Reverses the axes (a matrix transpose for rank 2).
inline Tensor transpose(const Tensor &x) {
    return x.unary([](auto ctx, auto t, auto out) { return tfe_transpose(ctx, t, nullptr, 0, out); });
}
/// Axis i of the result is axis perm[i] of x.
inline Tensor transpose(const Tensor &x, const std::vector<std::size_t> &perm) {
    return x.unary([&](auto ctx, auto t, auto out) { return tfe_transpose(ctx, t, perm.data(), perm.size(), out); });
}
inline Tensor reshape(const Tensor &x, const std::vector<std::size_t> &shape) {
    return x.unary([&](auto ctx, auto t, auto out) { return tfe_reshape(ctx, t, shape.data(), shape.size(), out); });
}
inline Tensor reveal(const Tensor &x) { return x.reveal(); }
inline Tensor reveal(const Tensor &x, const std::string &to) { return x.reveal(to); }
/// Stores `value` in the private variable `variable` when fetched.
inline Tensor assign(const Tensor &variable, const Tensor &value) { return variable.binary(value, tfe_assign); }

/// A computation under construction (tfe_context_t). Move-only.
class Context {
  public:
    /// ABY3 with the default fixed-point configuration.
    Context() : Context(static_cast<const tfe_config_t *>(nullptr)) {}
    /// ABY3 with `config`; an inconsistent one throws TFE_ERR_CONFIG.
    explicit Context(const tfe_config_t &config) : Context(&config) {}

    Context(Context &&) noexcept = default;
    Context &operator=(Context &&) noexcept = default;
    Context(const Context &) = delete;
    Context &operator=(const Context &) = delete;

    /// A private variable owned by `owner`, initialized at the owner from
    /// `values`, which stay in this process: the graph (what `save` writes
    /// and other players receive) holds the shape only.
    Tensor private_variable(const std::string &owner, const std::vector<double> &values,
                            const std::vector<std::size_t> &shape, const Name &name = Name()) {
        return define([&](auto ctx, auto out) {
            // A non-null pointer even for no values: NULL would mean "from a feed".
            static const double none = 0.0;
            const double *data = values.empty() ? &none : values.data();
            return tfe_define_private_variable(ctx, detail::c_name(name.value), owner.c_str(), data, values.size(),
                                               shape.data(), shape.size(), out);
        });
    }

    /// A private variable owned by `owner`, initialized from the owner's
    /// feed in the first run that needs it.
    Tensor private_variable(const std::string &owner, const std::vector<std::size_t> &shape,
                            const Name &name = Name()) {
        return define([&](auto ctx, auto out) {
            return tfe_define_private_variable(ctx, detail::c_name(name.value), owner.c_str(), nullptr, 0,
                                               shape.data(), shape.size(), out);
        });
    }

    /// A private input that `owner` provides through `provider` at every
    /// run that needs it (unless a feed gives its values).
    Tensor private_input(const std::string &owner, const std::vector<std::size_t> &shape, Provider provider,
                         const Name &name = Name()) {
        if (!provider) {
            return private_input(owner, shape, name);
        }
        auto &state = checked_state();
        state.providers.push_back(std::move(provider));
        try {
            return define([&](auto ctx, auto out) {
                return tfe_define_private_input(ctx, detail::c_name(name.value), owner.c_str(), shape.data(),
                                                shape.size(), detail::provide, &state.providers.back(), out);
            });
        } catch (...) {
            state.providers.pop_back();
            throw;
        }
    }

    /// A private input whose values every run that needs it must feed.
    Tensor private_input(const std::string &owner, const std::vector<std::size_t> &shape,
                         const Name &name = Name()) {
        return define([&](auto ctx, auto out) {
            return tfe_define_private_input(ctx, detail::c_name(name.value), owner.c_str(), shape.data(),
                                            shape.size(), nullptr, nullptr, out);
        });
    }

    /// A public constant.
    Tensor constant(const std::vector<double> &values, const std::vector<std::size_t> &shape) {
        return define([&](auto ctx, auto out) {
            return tfe_define_constant(ctx, values.data(), values.size(), shape.data(), shape.size(), out);
        });
    }

    /// Writes the graph's canonical encoding to `path`.
    void save(const std::string &path) const { detail::check(tfe_context_save(get(), path.c_str())); }

    /// A context holding the graph saved at `path` (its inputs have no
    /// providers: feed them, or find them and define your own).
    static Context load(const std::string &path) {
        return Context(detail::created<tfe_context_t>(tfe_context_load, path.c_str()));
    }

    /// The fixed-point configuration.
    tfe_config_t config() const {
        tfe_config_t config{};
        detail::check(tfe_context_config(get(), &config));
        return config;
    }

    /// The players: server0 to server2, then the others in the order the
    /// definitions first named them.
    std::vector<std::string> players() const {
        std::size_t count = detail::count_of(tfe_context_player_count, get());
        std::vector<std::string> names;
        for (std::size_t i = 0; i < count; i++) {
            const char *name = nullptr;
            detail::check(tfe_context_player_name(get(), i, &name));
            names.emplace_back(name);
        }
        return names;
    }

    /// The number of tensors in the graph.
    std::size_t size() const { return detail::count_of(tfe_context_tensor_count, get()); }

    /// Tensor number `index` of the graph, in the order of definition.
    Tensor tensor(std::size_t index) const {
        return define([&](auto ctx, auto out) { return tfe_context_tensor(ctx, index, out); });
    }

    /// The input or variable called `name`.
    Tensor find(const std::string &name) const {
        return define([&](auto ctx, auto out) { return tfe_context_find(ctx, name.c_str(), out); });
    }

    /// The C handle (owned by this object; NULL when moved from).
    tfe_context_t *get() const noexcept { return state_ ? state_->context.get() : nullptr; }

  private:
    friend class Session;
    friend class Party;

    explicit Context(const tfe_config_t *config) : state_(std::make_shared<detail::ContextState>()) {
        state_->context.reset(detail::created<tfe_context_t>(tfe_context_new, config));
    }

    /// Takes ownership of `ctx`.
    explicit Context(tfe_context_t *ctx) : state_(std::make_shared<detail::ContextState>()) {
        state_->context.reset(ctx);
    }

    detail::ContextState &checked_state() {
        if (!state_) {
            throw Error(TFE_ERR_NULL_POINTER, "tfe::Context: used after it was moved from");
        }
        return *state_;
    }

    template <class Define> Tensor define(Define define) const {
        return Tensor(state_, detail::created<tfe_tensor_t>(define, get()));
    }

    std::shared_ptr<detail::ContextState> state_;
};

} // namespace tfe

// Running graphs (Feeds, Session, Party, Result); the nonlinear,
// comparison, layout, pooling and convolution operations; models, private
// prediction and array files (Model, Predictor, Array); log records.
#include "tfe_session.hpp"
#include "tfe_ops.hpp"
#include "tfe_nn.hpp"
#include "tfe_serve.hpp"
#include "tfe_train.hpp"
#include "tfe_log.hpp"

#endif // TFE_HPP
