// tfe_train.hpp -- private training in the C++ binding: Trainer (a model's
// layers trained on shares by a model owner, a data owner and a label
// owner, every player on threads of this process) and Optimizer.
// tfe.hpp includes it; include tfe.hpp.
//
//   tfe::Trainer trainer(model, "model-owner", "data-owner", "label-owner");
//   trainer.compile(tfe::Optimizer::sgd(0.1), TFE_LOSS_BINARY_CROSSENTROPY, TFE_METRICS_ACCURACY);
//   trainer.fit(x, y, 5, 32, {}, {}, [](const tfe_train_progress_t &p) { return p.loss > 0.01; });
//   tfe::Model trained = trainer.export_model();
#ifndef TFE_TRAIN_HPP
#define TFE_TRAIN_HPP

#include <exception>
#include <optional>

#include "tfe.hpp"

namespace tfe {

/// A tfe_optimizer_t with Keras's defaults for its kind.
struct Optimizer {
    tfe_optimizer_t c;

    static Optimizer of(tfe_optimizer_kind_t kind) {
        Optimizer o{};
        detail::check(tfe_optimizer_defaults(static_cast<std::uint32_t>(kind), &o.c));
        return o;
    }
    /// SGD at `learning_rate`, with `momentum`.
    static Optimizer sgd(double learning_rate, double momentum = 0.0) {
        Optimizer o = of(TFE_OPTIMIZER_SGD);
        o.c.learning_rate = learning_rate;
        o.c.momentum = momentum;
        return o;
    }
    /// Adam (AMSgrad with `amsgrad`) at `learning_rate`.
    static Optimizer adam(double learning_rate, bool amsgrad = false) {
        Optimizer o = of(amsgrad ? TFE_OPTIMIZER_AMSGRAD : TFE_OPTIMIZER_ADAM);
        o.c.learning_rate = learning_rate;
        return o;
    }
};

/// A model trained privately (tfe_trainer_t). Move-only; one call at a time.
class Trainer {
  public:
    /// What fit reports after each batch; returning false stops fit, which
    /// then throws tfe::Error (TFE_ERR_ABORTED). An exception it throws
    /// stops fit too and comes out of fit.
    using Progress = std::function<bool(const tfe_train_progress_t &)>;

    /// A trainer of `model`'s layers (it keeps a copy), over loopback TCP.
    Trainer(const Model &model, const std::string &model_owner, const std::string &data_owner,
            const std::string &label_owner)
        : Trainer(model, model_owner, data_owner, label_owner, default_session_options()) {}

    /// As above with session `options`.
    Trainer(const Model &model, const std::string &model_owner, const std::string &data_owner,
            const std::string &label_owner, const tfe_session_options_t &options) {
        handle_.reset(detail::created<tfe_trainer_t>(tfe_trainer_new_local, model.get(), model_owner.c_str(),
                                                     data_owner.c_str(), label_owner.c_str(), &options));
    }

    /// Player `me` of a deployed training (tfe_trainer_new_party): the
    /// players of the hostmap file `hostmap`, over TLS with `me`'s private
    /// key file `key_path`. Every player makes the same trainer with the same
    /// players, compiles it the same way, calls fit_party with the same
    /// sample count, then export_party (the model owner gets the model) and
    /// finish.
    static Trainer party(const Model &model, const std::string &hostmap, const std::string &me,
                         const std::string &key_path, const std::string &model_owner, const std::string &data_owner,
                         const std::string &label_owner) {
        return Trainer(detail::created<tfe_trainer_t>(tfe_trainer_new_party, model.get(), hostmap.c_str(), me.c_str(),
                                                      key_path.c_str(), model_owner.c_str(), data_owner.c_str(),
                                                      label_owner.c_str()));
    }

    /// party() over plaintext TCP: for tests and isolated networks only.
    static Trainer party_insecure_plaintext(const Model &model, const std::string &hostmap, const std::string &me,
                                            const std::string &model_owner, const std::string &data_owner,
                                            const std::string &label_owner) {
        return Trainer(detail::created<tfe_trainer_t>(tfe_trainer_new_party_insecure_plaintext, model.get(),
                                                      hostmap.c_str(), me.c_str(), model_owner.c_str(),
                                                      data_owner.c_str(), label_owner.c_str()));
    }

    Trainer(Trainer &&) noexcept = default;
    Trainer &operator=(Trainer &&) noexcept = default;
    Trainer(const Trainer &) = delete;
    Trainer &operator=(const Trainer &) = delete;

    /// For tests only, insecure: the players' randomness from `seed`. Before compile.
    void set_insecure_test_seed(std::uint64_t seed) { detail::check(tfe_trainer_set_insecure_test_seed(get(), seed)); }

    void compile(const Optimizer &optimizer, tfe_loss_t loss, tfe_metrics_t metrics) {
        detail::check(tfe_trainer_compile(get(), &optimizer.c, static_cast<std::uint32_t>(loss),
                                          static_cast<std::uint32_t>(metrics)));
    }

    /// Trains on `x` (whole samples, batch first) and labels `y`; `val_x` and
    /// `val_y` empty for no validation.
    void fit(const std::vector<double> &x, const std::vector<double> &y, std::size_t epochs, std::size_t batch_size,
             const std::vector<double> &val_x = {}, const std::vector<double> &val_y = {},
             const Progress &progress = nullptr) {
        with_progress(progress, [&](tfe_train_progress_fn call, void *state) {
            return tfe_trainer_fit(get(), x.data(), x.size(), y.data(), y.size(), epochs, batch_size,
                                   val_x.empty() ? nullptr : val_x.data(), val_x.size(),
                                   val_y.empty() ? nullptr : val_y.data(), val_y.size(), call, state);
        });
    }

    /// fit at one player of a deployment (tfe_trainer_fit_party): every
    /// player passes the same `samples`; the data owner its features `x`,
    /// the label owner its labels `y`, the others empty vectors.
    void fit_party(std::size_t samples, const std::vector<double> &x, const std::vector<double> &y,
                   std::size_t epochs, std::size_t batch_size, const Progress &progress = nullptr) {
        with_progress(progress, [&](tfe_train_progress_fn call, void *state) {
            return tfe_trainer_fit_party(get(), samples, x.empty() ? nullptr : x.data(), x.size(),
                                         y.empty() ? nullptr : y.data(), y.size(), epochs, batch_size, call, state);
        });
    }

    /// evaluate at one player of a deployment (as fit_party): {loss,
    /// accuracy} at the model owner, NaN elsewhere.
    std::pair<double, double> evaluate_party(std::size_t samples, const std::vector<double> &x,
                                             const std::vector<double> &y) {
        double loss = 0, accuracy = 0;
        detail::check(tfe_trainer_evaluate_party(get(), samples, x.empty() ? nullptr : x.data(), x.size(),
                                                 y.empty() ? nullptr : y.data(), y.size(), &loss, &accuracy));
        return {loss, accuracy};
    }

    /// predict at one player of a deployment: every player passes the same
    /// `samples`, the data owner its features `x` (the others an empty
    /// vector); the model owner passes `out_len` = samples x outputs and
    /// receives the outputs, every other player 0 and receives nothing.
    std::vector<double> predict_party(std::size_t samples, const std::vector<double> &x, std::size_t out_len) {
        std::vector<double> out(out_len);
        detail::check(tfe_trainer_predict_party(get(), samples, x.empty() ? nullptr : x.data(), x.size(),
                                                out.empty() ? nullptr : out.data(), out.size()));
        return out;
    }

    /// The trained model at the model owner of a deployment, nothing at the
    /// other players (every player calls it).
    std::optional<Model> export_party() {
        tfe_model_t *model = detail::created<tfe_model_t>(tfe_trainer_export, get());
        if (model == nullptr) {
            return std::nullopt;
        }
        return Model(model);
    }

    /// After this player's last call in a deployment: waits until every
    /// other player has completed the same calls (nothing for a local trainer).
    void finish() { detail::check(tfe_trainer_finish(get())); }

    /// {loss, accuracy} of `x` and `y` (accuracy NaN without TFE_METRICS_ACCURACY).
    std::pair<double, double> evaluate(const std::vector<double> &x, const std::vector<double> &y) {
        double loss = 0, accuracy = 0;
        detail::check(tfe_trainer_evaluate(get(), x.data(), x.size(), y.data(), y.size(), &loss, &accuracy));
        return {loss, accuracy};
    }

    /// The outputs for `x`: `out_len` values (samples x outputs).
    std::vector<double> predict(const std::vector<double> &x, std::size_t out_len) {
        std::vector<double> out(out_len);
        detail::check(tfe_trainer_predict(get(), x.data(), x.size(), out.data(), out.size()));
        return out;
    }

    /// The trained model, revealed to the model owner.
    Model export_model() {
        return Model(detail::created<tfe_model_t>(tfe_trainer_export, get()));
    }

    /// Interrupts a fit, evaluate, predict, export or finish in progress on
    /// another thread (or from fit's progress callback): it throws tfe::Error
    /// with TFE_ERR_ABORTED within its run in progress (tfe_trainer_interrupt).
    /// Does nothing between calls. A local trainer stays usable; a deployed
    /// one, after any failed call, is made anew at every player.
    void interrupt() const { detail::check(tfe_trainer_interrupt(get())); }

    tfe_trainer_t *get() const noexcept { return handle_.get(); }

  private:
    explicit Trainer(tfe_trainer_t *trainer) : handle_(trainer) {}

    /// Runs `fit(call, state)`, a C fit, with `progress` (none: NULL) as its
    /// callback; an exception of `progress` comes out here.
    template <class Fit> void with_progress(const Progress &progress, Fit fit) {
        struct State {
            const Progress *progress;
            detail::Thrown thrown;
        } state{&progress, {}};
        auto call = [](void *user_data, const tfe_train_progress_t *p) -> int {
            auto *s = static_cast<State *>(user_data);
            return s->thrown.guard([&] { return (*s->progress)(*p) ? 0 : 1; }, 1);
        };
        state.thrown.check(fit(progress ? +call : nullptr, &state));
    }

    detail::Handle<tfe_trainer_t, tfe_trainer_free> handle_;
};

} // namespace tfe

#endif // TFE_TRAIN_HPP
