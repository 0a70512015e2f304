// GoogleTest tests of tfe_train.hpp: Trainer trains a logistic regression
// whose loss decreases and whose exported weights match another training
// from the same test seed bit for bit; a progress function stops fit by
// returning false or by throwing (the exception comes out of fit), and
// interrupt() stops it at its next batch; bad
// arguments are tfe::Error with the status and a message naming them.
#include <cmath>
#include <type_traits>

#include "test_support.hpp"

namespace {

using tfe_test::memory;

static_assert(std::is_nothrow_move_constructible_v<tfe::Trainer> && !std::is_copy_constructible_v<tfe::Trainer>,
              "trainers are move-only");

struct Data {
    std::vector<double> x, y;
};

Data data() {
    Data d;
    for (int i = 0; i < 16; i++) {
        double a = (i * 37 % 17) / 8.0 - 1, b = (i * 11 % 13) / 6.0 - 1;
        d.x.push_back(a);
        d.x.push_back(b);
        d.y.push_back(a - b / 2 > 0.1 ? 1.0 : 0.0);
    }
    return d;
}

tfe::Trainer logistic(std::uint64_t seed) {
    tfe::Model model({2});
    model.dense(2, 1, {0.25, -0.5}, {0.0}).sigmoid();
    tfe::Trainer trainer(model, "model-owner", "data-owner", "label-owner", memory());
    trainer.set_insecure_test_seed(seed);
    trainer.compile(tfe::Optimizer::sgd(0.5), TFE_LOSS_BINARY_CROSSENTROPY, TFE_METRICS_ACCURACY);
    return trainer;
}

std::vector<double> weights(tfe::Trainer &trainer) {
    tfe::Model model = trainer.export_model();
    EXPECT_EQ(model.weight_count(), 2u);
    std::vector<double> w = model.weight(0);
    w.push_back(model.weight(1).at(0));
    return w;
}

TEST(Trainer, FitLowersTheLossAndASeedRepeatsIt) {
    Data d = data();
    tfe::Trainer trainer = logistic(1);
    std::vector<double> epoch_losses;
    trainer.fit(d.x, d.y, 2, 4, d.x, d.y, [&](const tfe_train_progress_t &p) {
        if (p.batch == p.batches) {
            EXPECT_FALSE(std::isnan(p.val_loss));
            epoch_losses.push_back(p.loss);
        }
        return true;
    });
    ASSERT_EQ(epoch_losses.size(), 2u);
    EXPECT_LT(epoch_losses[1], epoch_losses[0]);
    auto [loss, accuracy] = trainer.evaluate(d.x, d.y);
    EXPECT_LT(loss, epoch_losses[0]);
    EXPECT_GE(accuracy, 0.75);
    EXPECT_EQ(trainer.predict(d.x, 16).size(), 16u);
    std::vector<double> got = weights(trainer);

    tfe::Trainer again = logistic(1);
    again.fit(d.x, d.y, 2, 4, d.x, d.y);
    EXPECT_EQ(weights(again), got);
}

TEST(Trainer, AProgressFunctionStopsFitOrThrowsThroughIt) {
    Data d = data();
    tfe::Trainer trainer = logistic(2);
    int calls = 0;
    try {
        trainer.fit(d.x, d.y, 2, 4, {}, {}, [&](const tfe_train_progress_t &) { return ++calls < 3; });
        ADD_FAILURE() << "fit did not stop";
    } catch (const tfe::Error &e) {
        EXPECT_EQ(e.status(), TFE_ERR_ABORTED);
        EXPECT_NE(std::string(e.what()).find("progress callback returned 1"), std::string::npos) << e.what();
    }
    EXPECT_EQ(calls, 3);
    EXPECT_THROW(trainer.fit(d.x, d.y, 1, 4, {}, {},
                             [](const tfe_train_progress_t &) -> bool { throw std::logic_error("boom"); }),
                 std::logic_error);
    trainer.fit(d.x, d.y, 1, 4); // still usable
}

TEST(Trainer, AnInterruptStopsFitAtItsNextBatch) {
    Data d = data();
    tfe::Trainer trainer = logistic(3);
    trainer.interrupt(); // between calls: reaches none
    int calls = 0;
    try {
        trainer.fit(d.x, d.y, 2, 4, {}, {}, [&](const tfe_train_progress_t &) {
            if (++calls == 2) {
                trainer.interrupt();
            }
            return true;
        });
        ADD_FAILURE() << "fit was not interrupted";
    } catch (const tfe::Error &e) {
        EXPECT_EQ(e.status(), TFE_ERR_ABORTED);
        EXPECT_NE(std::string(e.what()).find("interrupted by its caller"), std::string::npos) << e.what();
    }
    EXPECT_EQ(calls, 2);
    trainer.fit(d.x, d.y, 1, 4); // still usable
}

TEST(Trainer, BadArgumentsAreErrors) {
    Data d = data();
    tfe::Model model({2});
    model.dense(2, 1, {0.25, -0.5}, {0.0});
    try {
        tfe::Trainer bad(model, "a", "b c", "d", memory());
        ADD_FAILURE() << "a bad player name was taken";
    } catch (const tfe::Error &e) {
        EXPECT_EQ(e.status(), TFE_ERR_INVALID_ARGUMENT);
        EXPECT_NE(std::string(e.what()).find("'data_owner'"), std::string::npos) << e.what();
    }
    tfe::Trainer trainer(model, "model-owner", "data-owner", "label-owner", memory());
    EXPECT_THROW(trainer.fit(d.x, d.y, 1, 4), tfe::Error);
    tfe::Optimizer adam = tfe::Optimizer::adam(0.01, true);
    adam.c.epsilon = 1e-7;
    EXPECT_THROW(trainer.compile(adam, TFE_LOSS_MEAN_SQUARED_ERROR, TFE_METRICS_NONE), tfe::Error);
    EXPECT_THROW(tfe::Optimizer::of(static_cast<tfe_optimizer_kind_t>(9)), tfe::Error);
    trainer.compile(tfe::Optimizer::adam(0.01), TFE_LOSS_MEAN_SQUARED_ERROR, TFE_METRICS_NONE);
    std::vector<double> short_x(d.x.begin(), d.x.end() - 1);
    EXPECT_THROW(trainer.fit(short_x, d.y, 1, 4), tfe::Error);
    EXPECT_TRUE(std::isnan(trainer.evaluate(d.x, d.y).second));
}

} // namespace
