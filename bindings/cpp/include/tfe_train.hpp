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
        tfe_trainer_t *trainer = nullptr;
        detail::check(tfe_trainer_new_local(model.get(), model_owner.c_str(), data_owner.c_str(),
                                            label_owner.c_str(), &options, &trainer));
        handle_.reset(trainer);
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
        struct State {
            const Progress *progress;
            std::exception_ptr thrown;
        } state{&progress, nullptr};
        auto call = [](void *user_data, const tfe_train_progress_t *p) -> int {
            auto *s = static_cast<State *>(user_data);
            try {
                return (*s->progress)(*p) ? 0 : 1;
            } catch (...) {
                s->thrown = std::current_exception(); // nothing may unwind into the library
                return 1;
            }
        };
        tfe_status_t status = tfe_trainer_fit(get(), x.data(), x.size(), y.data(), y.size(), epochs, batch_size,
                                              val_x.empty() ? nullptr : val_x.data(), val_x.size(),
                                              val_y.empty() ? nullptr : val_y.data(), val_y.size(),
                                              progress ? +call : nullptr, &state);
        if (state.thrown) {
            std::rethrow_exception(state.thrown);
        }
        detail::check(status);
    }

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
        tfe_model_t *model = nullptr;
        detail::check(tfe_trainer_export(get(), &model));
        return Model(model);
    }

    tfe_trainer_t *get() const noexcept { return handle_.get(); }

  private:
    detail::Handle<tfe_trainer_t, tfe_trainer_free> handle_;
};

} // namespace tfe

#endif // TFE_TRAIN_HPP
