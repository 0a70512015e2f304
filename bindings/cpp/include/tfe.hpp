// tfe.hpp -- the C++17 binding of libtfe, header-only, over include/tfe.h.
//
// One move-only RAII class per C handle: Context, Tensor, Feeds, Session,
// Party, Result. A failed call throws tfe::Error, which carries the tfe_status_t
// and the library's message. Operators read like the math:
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
#ifndef TFE_HPP
#define TFE_HPP

#include <cstddef>
#include <cstdint>
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
/// doubles to fill row-major. Throwing fails the run (with
/// TFE_ERR_INVALID_ARGUMENT naming the input); the exception does not leave
/// the library thread.
using Provider = std::function<void(const std::string &name, const std::vector<std::size_t> &shape, double *out,
                                    std::size_t len)>;

namespace detail {

/// Throws tfe::Error for any status but TFE_OK.
inline void check(tfe_status_t status) {
    if (status != TFE_OK) {
        throw Error(status, tfe_last_error_message());
    }
}

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

/// The C callback of every Provider: no exception crosses into the library.
inline int provide(void *user_data, const char *name, const std::size_t *shape, std::size_t rank, double *out,
                   std::size_t len) noexcept {
    try {
        const auto &provider = *static_cast<const Provider *>(user_data);
        provider(name, std::vector<std::size_t>(shape, shape + rank), out, len);
        return TFE_OK;
    } catch (...) {
        return TFE_ERR_INVALID_ARGUMENT;
    }
}

inline std::vector<std::size_t> copy_shape(const std::size_t *shape, std::size_t rank) {
    return rank == 0 ? std::vector<std::size_t>{} : std::vector<std::size_t>(shape, shape + rank);
}

} // namespace detail

/// The version of the loaded library, "MAJOR.MINOR.PATCH".
inline std::string version() { return tfe_version(); }

/// The default fixed-point configuration (16 fractional, 20 integer bits).
inline tfe_config_t default_config() noexcept { return tfe_config_default(); }

/// The default session options (loopback TCP, 30 s timeouts).
inline tfe_session_options_t default_session_options() noexcept { return tfe_session_options_default(); }

class Context;

/// A node of a context's graph (tfe_tensor_t). Move-only.
class Tensor {
  public:
    Tensor(Tensor &&) noexcept = default;
    Tensor &operator=(Tensor &&) noexcept = default;
    Tensor(const Tensor &) = delete;
    Tensor &operator=(const Tensor &) = delete;

    /// The shape inferred when the tensor was defined.
    std::vector<std::size_t> shape() const {
        const std::size_t *shape = nullptr;
        std::size_t rank = 0;
        detail::check(tfe_tensor_shape(get(), &shape, &rank));
        return detail::copy_shape(shape, rank);
    }

    /// The name of an input or variable (what saved graphs and feeds use).
    std::string name() const {
        const char *name = nullptr;
        detail::check(tfe_tensor_name(get(), &name));
        return name;
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
        tfe_tensor_t *out = nullptr;
        detail::check(op(context(), get(), &out));
        return Tensor(state_, out);
    }

    /// Adds a node `op(context, this, other, &out)` to this tensor's context.
    template <class Op> Tensor binary(const Tensor &other, Op op) const {
        tfe_tensor_t *out = nullptr;
        detail::check(op(context(), get(), other.get(), &out));
        return Tensor(state_, out);
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

    /// A private variable owned by `owner`, initialized from `values`.
    Tensor private_variable(const std::string &owner, const std::vector<double> &values,
                            const std::vector<std::size_t> &shape) {
        return define([&](auto ctx, auto out) {
            // A non-null pointer even for no values: NULL would mean "from a feed".
            static const double none = 0.0;
            const double *data = values.empty() ? &none : values.data();
            return tfe_define_private_variable(ctx, owner.c_str(), data, values.size(), shape.data(), shape.size(),
                                               out);
        });
    }

    /// A private variable owned by `owner`, initialized from a feed in the
    /// first run that needs it.
    Tensor private_variable(const std::string &owner, const std::vector<std::size_t> &shape) {
        return define([&](auto ctx, auto out) {
            return tfe_define_private_variable(ctx, owner.c_str(), nullptr, 0, shape.data(), shape.size(), out);
        });
    }

    /// A private input that `owner` provides through `provider` at every
    /// run that needs it (unless a feed gives its values).
    Tensor private_input(const std::string &owner, const std::vector<std::size_t> &shape, Provider provider) {
        if (!provider) {
            return private_input(owner, shape);
        }
        auto &state = checked_state();
        state.providers.push_back(std::move(provider));
        try {
            return define([&](auto ctx, auto out) {
                return tfe_define_private_input(ctx, owner.c_str(), shape.data(), shape.size(), detail::provide,
                                                &state.providers.back(), out);
            });
        } catch (...) {
            state.providers.pop_back();
            throw;
        }
    }

    /// A private input whose values every run that needs it must feed.
    Tensor private_input(const std::string &owner, const std::vector<std::size_t> &shape) {
        return define([&](auto ctx, auto out) {
            return tfe_define_private_input(ctx, owner.c_str(), shape.data(), shape.size(), nullptr, nullptr, out);
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
        tfe_context_t *ctx = nullptr;
        detail::check(tfe_context_load(path.c_str(), &ctx));
        return Context(ctx);
    }

    /// The number of tensors in the graph.
    std::size_t size() const {
        std::size_t count = 0;
        detail::check(tfe_context_tensor_count(get(), &count));
        return count;
    }

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
        tfe_context_t *ctx = nullptr;
        detail::check(tfe_context_new(config, &ctx));
        state_->context.reset(ctx);
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
        tfe_tensor_t *out = nullptr;
        detail::check(define(get(), &out));
        return Tensor(state_, out);
    }

    std::shared_ptr<detail::ContextState> state_;
};

/// Values of inputs and variables for runs (tfe_feeds_t). Move-only.
class Feeds {
  public:
    Feeds() {
        tfe_feeds_t *feeds = nullptr;
        detail::check(tfe_feeds_new(&feeds));
        handle_.reset(feeds);
    }
    Feeds(Feeds &&) noexcept = default;
    Feeds &operator=(Feeds &&) noexcept = default;
    Feeds(const Feeds &) = delete;
    Feeds &operator=(const Feeds &) = delete;

    /// Sets the values (row-major) of an input or variable.
    Feeds &set(const Tensor &input, const std::vector<double> &values) {
        detail::check(tfe_feeds_set(get(), input.get(), values.data(), values.size()));
        return *this;
    }

    tfe_feeds_t *get() const noexcept { return handle_.get(); }

  private:
    detail::Handle<tfe_feeds_t, tfe_feeds_free> handle_;
};

/// What the ops of one kind cost one player.
struct OpStats {
    std::string name;
    std::uint64_t count, bytes_sent, wire_bytes_sent, messages_sent, rounds, wall_time_ns;
};

/// What a run cost one player, in total and per op kind.
struct PlayerStats {
    std::string name;
    std::uint64_t bytes_sent, wire_bytes_sent, messages_sent, rounds, wall_time_ns;
    std::vector<OpStats> ops;
};

/// The outcome of a run (tfe_result_t): one value per fetch, stats per
/// player. Move-only.
class Result {
  public:
    Result(Result &&) noexcept = default;
    Result &operator=(Result &&) noexcept = default;
    Result(const Result &) = delete;
    Result &operator=(const Result &) = delete;

    /// The number of values (fetches).
    std::size_t size() const {
        std::size_t count = 0;
        detail::check(tfe_result_count(get(), &count));
        return count;
    }

    /// The values of fetch `index`, row-major.
    std::vector<double> value(std::size_t index) const {
        const double *data = nullptr;
        std::size_t len = 0;
        detail::check(tfe_result_value(get(), index, &data, &len));
        return len == 0 ? std::vector<double>{} : std::vector<double>(data, data + len);
    }

    /// The shape of fetch `index`.
    std::vector<std::size_t> shape(std::size_t index) const {
        const std::size_t *shape = nullptr;
        std::size_t rank = 0;
        detail::check(tfe_result_shape(get(), index, &shape, &rank));
        return detail::copy_shape(shape, rank);
    }

    /// Every player's stats: the servers first.
    std::vector<PlayerStats> stats() const {
        std::size_t players = 0;
        detail::check(tfe_result_player_count(get(), &players));
        std::vector<PlayerStats> all;
        for (std::size_t i = 0; i < players; i++) {
            all.push_back(player_stats(i));
        }
        return all;
    }

    /// The stats of the player called `player` (an unknown name throws).
    PlayerStats stats(const std::string &player) const {
        std::size_t index = 0;
        detail::check(tfe_result_player_index(get(), player.c_str(), &index));
        return player_stats(index);
    }

    /// The run as a Chrome trace (JSON for chrome://tracing and Perfetto).
    std::string trace_json() const {
        const char *json = nullptr;
        detail::check(tfe_result_trace_json(get(), &json));
        return json;
    }

    /// The stats as a table for people (what `tfe demo` prints).
    std::string stats_table() const {
        const char *table = nullptr;
        detail::check(tfe_result_stats_table(get(), &table));
        return table;
    }

    tfe_result_t *get() const noexcept { return handle_.get(); }

  private:
    friend class Session;
    friend class Party;
    explicit Result(tfe_result_t *handle) : handle_(handle) {}

    PlayerStats player_stats(std::size_t index) const {
        tfe_player_stats_t s;
        detail::check(tfe_result_player_stats(get(), index, &s));
        PlayerStats stats{s.name, s.bytes_sent, s.wire_bytes_sent, s.messages_sent, s.rounds, s.wall_time_ns, {}};
        std::size_t ops = 0;
        detail::check(tfe_result_op_count(get(), index, &ops));
        for (std::size_t op = 0; op < ops; op++) {
            tfe_op_stats_t o;
            detail::check(tfe_result_op_stats(get(), index, op, &o));
            stats.ops.push_back(
                OpStats{o.name, o.count, o.bytes_sent, o.wire_bytes_sent, o.messages_sent, o.rounds, o.wall_time_ns});
        }
        return stats;
    }

    detail::Handle<tfe_result_t, tfe_result_free> handle_;
};

/// Every player of a context's graph in this process (tfe_session_t), a
/// snapshot of the graph when it was made. Move-only.
class Session {
  public:
    /// A local session over loopback TCP with the default options.
    explicit Session(const Context &ctx) : Session(ctx, default_session_options()) {}

    /// A local session with `options`; bad options throw TFE_ERR_CONFIG.
    Session(const Context &ctx, const tfe_session_options_t &options) : state_(ctx.state_) {
        tfe_session_t *sess = nullptr;
        detail::check(tfe_session_new_local_with_options(ctx.get(), &options, &sess));
        handle_.reset(sess);
    }

    Session(Session &&) noexcept = default;
    Session &operator=(Session &&) noexcept = default;
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    /// Runs the graph for `fetches` (reveals, public values, assignments).
    Result run(const std::vector<std::reference_wrapper<const Tensor>> &fetches) const {
        return run(fetches, nullptr);
    }
    Result run(const Tensor &fetch) const { return run({std::cref(fetch)}, nullptr); }

    /// As run(fetches), with `feeds` giving inputs' and variables' values.
    Result run(const std::vector<std::reference_wrapper<const Tensor>> &fetches, const Feeds &feeds) const {
        return run(fetches, feeds.get());
    }
    Result run(const Tensor &fetch, const Feeds &feeds) const { return run({std::cref(fetch)}, feeds.get()); }

    /// Forgets the variables' shares; the next run initializes them again.
    void reset_variables() const { detail::check(tfe_session_reset_variables(get())); }

    tfe_session_t *get() const noexcept { return handle_.get(); }

  private:
    Result run(const std::vector<std::reference_wrapper<const Tensor>> &fetches, const tfe_feeds_t *feeds) const {
        std::vector<tfe_tensor_t *> handles;
        handles.reserve(fetches.size());
        for (const Tensor &t : fetches) {
            handles.push_back(t.get());
        }
        tfe_result_t *out = nullptr;
        detail::check(tfe_session_run_with_feeds(get(), handles.data(), handles.size(), feeds, &out));
        return Result(out);
    }

    // Declared first, destroyed last: the session stops before the
    // providers it calls are freed.
    std::shared_ptr<detail::ContextState> state_;
    detail::Handle<tfe_session_t, tfe_session_free> handle_;
};

/// Fetches for Session::run and Party::run: tensors, by reference.
using Fetches = std::vector<std::reference_wrapper<const Tensor>>;

/// This process as one player of a deployment (tfe_party_t). Move-only.
class Party {
  public:
    /// Opens player `me` of the deployment the hostmap file describes, over
    /// TLS 1.3 with the private key at `tls_key_path`. Waits until every
    /// player of the context's graph is connected.
    static Party open(const Context &ctx, const std::string &hostmap_path, const std::string &me,
                      const std::string &tls_key_path) {
        tfe_party_t *party = nullptr;
        detail::check(tfe_party_open(ctx.get(), hostmap_path.c_str(), me.c_str(), tls_key_path.c_str(), &party));
        return Party(ctx, party);
    }

    /// As open(), over plaintext TCP: for tests and isolated networks only.
    static Party open_insecure_plaintext(const Context &ctx, const std::string &hostmap_path, const std::string &me) {
        tfe_party_t *party = nullptr;
        detail::check(tfe_party_open_insecure_plaintext(ctx.get(), hostmap_path.c_str(), me.c_str(), &party));
        return Party(ctx, party);
    }

    Party(Party &&) noexcept = default;
    Party &operator=(Party &&) noexcept = default;
    Party(const Party &) = delete;
    Party &operator=(const Party &) = delete;

    /// Runs the graph at this player; every player runs the same fetches.
    /// The result holds the values revealed to this player and its stats.
    Result run(const Fetches &fetches) const { return run(fetches, nullptr); }
    Result run(const Tensor &fetch) const { return run({std::cref(fetch)}, nullptr); }
    Result run(const Fetches &fetches, const Feeds &feeds) const { return run(fetches, feeds.get()); }
    Result run(const Tensor &fetch, const Feeds &feeds) const { return run({std::cref(fetch)}, feeds.get()); }

    tfe_party_t *get() const noexcept { return handle_.get(); }

  private:
    Party(const Context &ctx, tfe_party_t *party) : state_(ctx.state_), handle_(party) {}

    Result run(const Fetches &fetches, const tfe_feeds_t *feeds) const {
        std::vector<tfe_tensor_t *> handles;
        for (const Tensor &t : fetches) {
            handles.push_back(t.get());
        }
        tfe_result_t *out = nullptr;
        detail::check(tfe_party_run(get(), handles.data(), handles.size(), feeds, &out));
        return Result(out);
    }

    // Declared first, destroyed last: the party closes before the providers
    // it calls are freed.
    std::shared_ptr<detail::ContextState> state_;
    detail::Handle<tfe_party_t, tfe_party_free> handle_;
};

} // namespace tfe

// The nonlinear, comparison, layout, pooling and convolution operations.
#include "tfe_ops.hpp"

#endif // TFE_HPP
