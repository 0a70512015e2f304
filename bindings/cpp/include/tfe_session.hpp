// tfe_session.hpp -- running graphs in the C++ binding: Feeds, Session
// (every player in this process), Party (one player of a deployment) and
// Result (values and stats). tfe.hpp includes it; include tfe.hpp.
#ifndef TFE_SESSION_HPP
#define TFE_SESSION_HPP

#include "tfe.hpp"

namespace tfe {

/// Values of inputs and variables for runs (tfe_feeds_t). Move-only.
class Feeds {
  public:
    Feeds() {
        handle_.reset(detail::created<tfe_feeds_t>(tfe_feeds_new));
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

/// Fetches for Session::run and Party::run: tensors, by reference.
using Fetches = std::vector<std::reference_wrapper<const Tensor>>;

namespace detail {
/// The C run function of a session or a party handle.
template <typename Handle>
using RunFn = tfe_status_t (*)(Handle *, tfe_tensor_t *const *, std::size_t, const tfe_feeds_t *, tfe_result_t **);

template <typename Derived, typename Handle, RunFn<Handle> Run>
class Runs;
} // namespace detail

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
    std::size_t size() const { return detail::count_of(tfe_result_count, get()); }

    /// The values of fetch `index`, row-major.
    std::vector<double> value(std::size_t index) const {
        return detail::values_of(tfe_result_value, get(), index);
    }

    /// The shape of fetch `index`.
    std::vector<std::size_t> shape(std::size_t index) const { return detail::shape_of(tfe_result_shape, get(), index); }

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
    template <typename Derived, typename Handle, detail::RunFn<Handle> Run>
    friend class detail::Runs;
    friend class Predictor;
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

namespace detail {
/// The run overloads Session and Party share: one fetch or several, with or
/// without feeds, through the C run function `Run` of `Derived::get()`.
template <typename Derived, typename Handle, RunFn<Handle> Run>
class Runs {
  public:
    /// Runs the graph for `fetches` (reveals, public values, assignments).
    Result run(const Fetches &fetches) const { return run(fetches, nullptr); }
    Result run(const Tensor &fetch) const { return run(Fetches{std::cref(fetch)}, nullptr); }

    /// As run(fetches), with `feeds` giving inputs' and variables' values.
    Result run(const Fetches &fetches, const Feeds &feeds) const { return run(fetches, feeds.get()); }
    Result run(const Tensor &fetch, const Feeds &feeds) const { return run(Fetches{std::cref(fetch)}, feeds.get()); }

  private:
    Result run(const Fetches &fetches, const tfe_feeds_t *feeds) const {
        std::vector<tfe_tensor_t *> handles;
        handles.reserve(fetches.size());
        for (const Tensor &t : fetches) {
            handles.push_back(t.get());
        }
        return Result(created<tfe_result_t>(Run, static_cast<const Derived &>(*this).get(), handles.data(),
                                            handles.size(), feeds));
    }
};
} // namespace detail

/// Every player of a context's graph in this process (tfe_session_t), a
/// snapshot of the graph when it was made. Runs: see detail::Runs.
/// Move-only.
class Session : public detail::Runs<Session, tfe_session_t, tfe_session_run_with_feeds> {
  public:
    /// A local session over loopback TCP with the default options.
    explicit Session(const Context &ctx) : Session(ctx, default_session_options()) {}

    /// A local session with `options`; bad options throw TFE_ERR_CONFIG.
    Session(const Context &ctx, const tfe_session_options_t &options) : state_(ctx.state_) {
        handle_.reset(detail::created<tfe_session_t>(tfe_session_new_local_with_options, ctx.get(), &options));
    }

    Session(Session &&) noexcept = default;
    Session &operator=(Session &&) noexcept = default;
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    /// Forgets the variables' shares; the next run initializes them again.
    void reset_variables() const { detail::check(tfe_session_reset_variables(get())); }

    /// Interrupts a run in progress on another thread: it throws
    /// tfe::Error with TFE_ERR_ABORTED soon after (tfe_session_interrupt).
    /// Does nothing between runs.
    void interrupt() const { detail::check(tfe_session_interrupt(get())); }

    tfe_session_t *get() const noexcept { return handle_.get(); }

  private:
    // Declared first, destroyed last: the session stops before the
    // providers it calls are freed.
    std::shared_ptr<detail::ContextState> state_;
    detail::Handle<tfe_session_t, tfe_session_free> handle_;
};

/// Writes a certificate and a private key per player of the hostmap into
/// `dir` and adds the certificate paths to the hostmap (as `tfe certs`).
inline void generate_certificates(const std::string &hostmap_path, const std::string &dir) {
    detail::check(tfe_hostmap_generate_certificates(hostmap_path.c_str(), dir.c_str()));
}

/// This process as one player of a deployment (tfe_party_t). Every player
/// runs the same fetches (see detail::Runs); a result holds the values
/// revealed to this player and its stats. Move-only.
class Party : public detail::Runs<Party, tfe_party_t, tfe_party_run> {
  public:
    /// Asked while a party opens, on the opening thread (before each attempt
    /// to connect to a player and at least every 20 ms while waiting): true
    /// gives up. An exception it throws gives up too and comes out of open().
    using Cancelled = std::function<bool()>;

    /// Opens player `me` of the deployment the hostmap file describes, over
    /// TLS 1.3 with the private key at `tls_key_path`. Waits until every
    /// player of the context's graph is connected, or until `cancelled` (if
    /// given) returns true: then it throws tfe::Error with TFE_ERR_ABORTED
    /// naming the players it waited for (tfe_party_open_cancellable).
    static Party open(const Context &ctx, const std::string &hostmap_path, const std::string &me,
                      const std::string &tls_key_path, const Cancelled &cancelled = nullptr) {
        return open_with(ctx, cancelled, [&](tfe_cancel_fn check, void *user_data, tfe_party_t **party) {
            return tfe_party_open_cancellable(ctx.get(), hostmap_path.c_str(), me.c_str(), tls_key_path.c_str(),
                                              check, user_data, party);
        });
    }

    /// As open(), over plaintext TCP: for tests and isolated networks only
    /// (tfe_party_open_insecure_plaintext_cancellable).
    static Party open_insecure_plaintext(const Context &ctx, const std::string &hostmap_path, const std::string &me,
                                         const Cancelled &cancelled = nullptr) {
        return open_with(ctx, cancelled, [&](tfe_cancel_fn check, void *user_data, tfe_party_t **party) {
            return tfe_party_open_insecure_plaintext_cancellable(ctx.get(), hostmap_path.c_str(), me.c_str(), check,
                                                                 user_data, party);
        });
    }

    Party(Party &&) noexcept = default;
    Party &operator=(Party &&) noexcept = default;
    Party(const Party &) = delete;
    Party &operator=(const Party &) = delete;

    /// Interrupts a run in progress on another thread: this player and the
    /// others fail it with TFE_ERR_ABORTED naming this player
    /// (tfe_party_interrupt). Does nothing between runs.
    void interrupt() const { detail::check(tfe_party_interrupt(get())); }

    tfe_party_t *get() const noexcept { return handle_.get(); }

  private:
    Party(const Context &ctx, tfe_party_t *party) : state_(ctx.state_), handle_(party) {}

    /// Runs `open(check, state, &party)`, a C open, with `cancelled` (none:
    /// NULL) as its check; an exception of `cancelled` comes out here.
    template <class Open> static Party open_with(const Context &ctx, const Cancelled &cancelled, Open open) {
        struct State {
            const Cancelled *cancelled;
            detail::Thrown thrown;
        } state{&cancelled, {}};
        auto check = [](void *user_data) -> int {
            auto *s = static_cast<State *>(user_data);
            return s->thrown.guard([&] { return (*s->cancelled)() ? 1 : 0; }, 1);
        };
        tfe_party_t *party = nullptr;
        state.thrown.check(open(cancelled ? +check : nullptr, &state, &party));
        return Party(ctx, party);
    }

    // Declared first, destroyed last: the party closes before the providers
    // it calls are freed.
    std::shared_ptr<detail::ContextState> state_;
    detail::Handle<tfe_party_t, tfe_party_free> handle_;
};

} // namespace tfe

#endif // TFE_SESSION_HPP
