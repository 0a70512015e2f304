// The conformance cases of tests/conformance/cases.json (format:
// tests/conformance/README.md) through the C++ binding: every operation,
// ONNX model, training and serving case, and the first training case as six
// deployed players, as the Rust, Python, Go and Java runners run them. One
// behaviour in every language.
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "json.hpp"
#include "test_support.hpp"

namespace {

using tfe_test::Json;

const std::string kSource = TFE_SOURCE_DIR;

const Json &cases() {
    static const Json file = [] {
        Json parsed = Json::load(kSource + "/tests/conformance/cases.json");
        if (parsed["format"].number() != 1) {
            throw std::runtime_error("cases.json: format " + std::to_string(parsed["format"].number()));
        }
        return parsed;
    }();
    return file;
}

/// The value of a header constant given by name in a case ("TFE_PADDING_SAME").
std::uint32_t constant(const Json &name) {
    static const std::map<std::string, std::uint32_t> values = {
        {"TFE_PADDING_VALID", TFE_PADDING_VALID},
        {"TFE_PADDING_SAME", TFE_PADDING_SAME},
        {"TFE_POOL_MAX", TFE_POOL_MAX},
        {"TFE_POOL_AVERAGE", TFE_POOL_AVERAGE},
        {"TFE_CUMSUM_INCLUSIVE", TFE_CUMSUM_INCLUSIVE},
        {"TFE_CUMSUM_EXCLUSIVE", TFE_CUMSUM_EXCLUSIVE},
        {"TFE_CUMSUM_REVERSE", TFE_CUMSUM_REVERSE},
        {"TFE_CUMSUM_EXCLUSIVE_REVERSE", TFE_CUMSUM_EXCLUSIVE_REVERSE},
        {"TFE_SORT_ASCENDING", TFE_SORT_ASCENDING},
        {"TFE_SORT_DESCENDING", TFE_SORT_DESCENDING},
        {"TFE_OPTIMIZER_SGD", TFE_OPTIMIZER_SGD},
        {"TFE_OPTIMIZER_ADAM", TFE_OPTIMIZER_ADAM},
        {"TFE_OPTIMIZER_AMSGRAD", TFE_OPTIMIZER_AMSGRAD},
        {"TFE_SCHEDULE_CONSTANT", TFE_SCHEDULE_CONSTANT},
        {"TFE_SCHEDULE_STEP", TFE_SCHEDULE_STEP},
        {"TFE_SCHEDULE_EXPONENTIAL", TFE_SCHEDULE_EXPONENTIAL},
        {"TFE_LOSS_BINARY_CROSSENTROPY", TFE_LOSS_BINARY_CROSSENTROPY},
        {"TFE_LOSS_BINARY_CROSSENTROPY_FROM_LOGITS", TFE_LOSS_BINARY_CROSSENTROPY_FROM_LOGITS},
        {"TFE_LOSS_CATEGORICAL_CROSSENTROPY", TFE_LOSS_CATEGORICAL_CROSSENTROPY},
        {"TFE_LOSS_CATEGORICAL_CROSSENTROPY_FROM_LOGITS", TFE_LOSS_CATEGORICAL_CROSSENTROPY_FROM_LOGITS},
        {"TFE_LOSS_MEAN_SQUARED_ERROR", TFE_LOSS_MEAN_SQUARED_ERROR},
        {"TFE_METRICS_NONE", TFE_METRICS_NONE},
        {"TFE_METRICS_ACCURACY", TFE_METRICS_ACCURACY},
    };
    auto found = values.find(name.string());
    if (found == values.end()) {
        throw std::runtime_error("the runner does not know the constant " + name.string());
    }
    return found->second;
}

/// A step's operands (in the prototype's order) and attributes.
struct Call {
    std::vector<const tfe::Tensor *> x;
    const Json &attrs;

    std::size_t size(const char *name) const { return attrs[name].size_value(); }
    std::vector<std::size_t> sizes(const char *name) const {
        return attrs[name].is_null() ? std::vector<std::size_t>{} : attrs[name].sizes();
    }
    std::pair<std::size_t, std::size_t> pair(const char *first, const char *second) const {
        return {size(first), size(second)};
    }
    tfe::Padding padding() const { return static_cast<tfe::Padding>(constant(attrs["padding"])); }
};

using Op = std::function<tfe::Tensor(const Call &)>;

/// The binding's function for each C function a case names.
const std::map<std::string, Op> &operations() {
    using tfe::Tensor;
    static const std::map<std::string, Op> ops = [] {
        std::map<std::string, Op> m;
        auto unary = [&](const char *name, Tensor (*f)(const Tensor &)) {
            m[name] = [f](const Call &c) { return f(*c.x[0]); };
        };
        auto binary = [&](const char *name, Tensor (*f)(const Tensor &, const Tensor &)) {
            m[name] = [f](const Call &c) { return f(*c.x[0], *c.x[1]); };
        };
        auto axis = [&](const char *name, Tensor (*f)(const Tensor &, std::size_t)) {
            m[name] = [f](const Call &c) { return f(*c.x[0], c.size("axis")); };
        };
        binary("tfe_add", [](const Tensor &x, const Tensor &y) { return x + y; });
        binary("tfe_sub", [](const Tensor &x, const Tensor &y) { return x - y; });
        binary("tfe_mul", [](const Tensor &x, const Tensor &y) { return x * y; });
        binary("tfe_matmul", tfe::matmul);
        binary("tfe_assign", tfe::assign);
        binary("tfe_less", [](const Tensor &x, const Tensor &y) { return x < y; });
        binary("tfe_less_equal", [](const Tensor &x, const Tensor &y) { return x <= y; });
        binary("tfe_greater", [](const Tensor &x, const Tensor &y) { return x > y; });
        binary("tfe_greater_equal", [](const Tensor &x, const Tensor &y) { return x >= y; });
        binary("tfe_equal", tfe::equal);
        binary("tfe_maximum", tfe::maximum);
        binary("tfe_minimum", tfe::minimum);
        unary("tfe_neg", [](const Tensor &x) { return -x; });
        unary("tfe_square", tfe::square);
        unary("tfe_abs", tfe::abs);
        unary("tfe_reduce_sum", [](const Tensor &x) { return tfe::reduce_sum(x); });
        unary("tfe_reduce_mean", [](const Tensor &x) { return tfe::reduce_mean(x); });
        unary("tfe_relu", tfe::relu);
        unary("tfe_sigmoid", tfe::sigmoid);
        unary("tfe_hard_sigmoid", tfe::hard_sigmoid);
        unary("tfe_exp", tfe::exp);
        unary("tfe_reciprocal", tfe::reciprocal);
        unary("tfe_inv_sqrt", tfe::inv_sqrt);
        unary("tfe_softmax", tfe::softmax);
        unary("tfe_tanh", tfe::tanh);
        unary("tfe_log", tfe::log);
        unary("tfe_sqrt", tfe::sqrt);
        unary("tfe_flatten", tfe::flatten);
        unary("tfe_global_avg_pool2d", tfe::global_avg_pool2d);
        axis("tfe_reduce_sum_axis", [](const Tensor &x, std::size_t a) { return tfe::reduce_sum(x, a); });
        axis("tfe_reduce_mean_axis", [](const Tensor &x, std::size_t a) { return tfe::reduce_mean(x, a); });
        axis("tfe_reduce_max", tfe::reduce_max);
        axis("tfe_reduce_min", tfe::reduce_min);
        axis("tfe_argmax", tfe::argmax);
        axis("tfe_argmin", tfe::argmin);
        axis("tfe_argmax_one_hot", tfe::argmax_one_hot);
        axis("tfe_expand_dims", tfe::expand_dims);
        axis("tfe_squeeze", tfe::squeeze);
        m["tfe_select"] = [](const Call &c) { return tfe::select(*c.x[0], *c.x[1], *c.x[2]); };
        m["tfe_concat"] = [](const Call &c) { return tfe::concat(*c.x[0], *c.x[1], c.size("axis")); };
        m["tfe_reveal"] = [](const Call &c) {
            return c.attrs["to"].is_null() ? c.x[0]->reveal() : c.x[0]->reveal(c.attrs["to"].string());
        };
        m["tfe_div_public"] = [](const Call &c) { return *c.x[0] / c.attrs["divisor"].number(); };
        m["tfe_transpose"] = [](const Call &c) {
            return c.attrs["perm"].is_null() ? tfe::transpose(*c.x[0]) : tfe::transpose(*c.x[0], c.sizes("perm"));
        };
        m["tfe_reshape"] = [](const Call &c) { return tfe::reshape(*c.x[0], c.sizes("shape")); };
        m["tfe_pad"] = [](const Call &c) {
            std::vector<std::size_t> flat = c.sizes("pads");
            std::vector<std::pair<std::size_t, std::size_t>> pairs;
            // (before, after) pairs: the binding's type has no odd length to pass.
            for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
                pairs.emplace_back(flat[i], flat[i + 1]);
            }
            return tfe::pad(*c.x[0], pairs);
        };
        m["tfe_slice"] = [](const Call &c) { return tfe::slice(*c.x[0], c.sizes("begin"), c.sizes("size")); };
        m["tfe_gather"] = [](const Call &c) { return tfe::gather(*c.x[0], c.sizes("indices"), c.size("axis")); };
        m["tfe_cumsum"] = [](const Call &c) {
            return tfe::cumsum(*c.x[0], c.size("axis"), static_cast<tfe::Cumsum>(constant(c.attrs["mode"])));
        };
        m["tfe_sort"] = [](const Call &c) {
            return tfe::sort(*c.x[0], c.size("axis"), static_cast<tfe::SortOrder>(constant(c.attrs["order"])));
        };
        m["tfe_conv2d"] = [](const Call &c) {
            return tfe::conv2d(*c.x[0], *c.x[1], c.pair("stride_h", "stride_w"), c.padding());
        };
        m["tfe_pool2d"] = [](const Call &c) {
            return tfe::pool2d(*c.x[0], static_cast<tfe::Pool>(constant(c.attrs["pool"])),
                               c.pair("window_h", "window_w"), c.pair("stride_h", "stride_w"), c.padding());
        };
        return m;
    }();
    return ops;
}

/// Defines one step of a case in `ctx`.
tfe::Tensor define(tfe::Context &ctx, const Json &step, const std::map<std::string, tfe::Tensor> &tensors) {
    static const Json no_attrs = Json::parse("{}");
    if (!step.has("define")) {
        auto op = operations().find(step["op"].string());
        if (op == operations().end()) {
            throw std::runtime_error("no C++ function for " + step["op"].string());
        }
        std::vector<const tfe::Tensor *> args;
        for (const Json &id : step["args"].array()) {
            args.push_back(&tensors.at(id.string()));
        }
        return op->second(Call{args, step.has("attrs") ? step["attrs"] : no_attrs});
    }
    const std::string &define = step["define"].string();
    std::vector<std::size_t> shape = step["shape"].sizes();
    std::vector<double> values = step["values"].numbers();
    tfe::Name name(step["id"].string());
    if (define == "private_input") {
        tfe::Provider provider = [values](const std::string &, const std::vector<std::size_t> &, double *out,
                                          std::size_t len) { std::copy(values.begin(), values.begin() + len, out); };
        return ctx.private_input(step["owner"].string(), shape, provider, name);
    }
    if (define == "private_variable") {
        return ctx.private_variable(step["owner"].string(), values, shape, name);
    }
    if (define == "constant") {
        return ctx.constant(values, shape);
    }
    throw std::runtime_error("unknown definition " + define);
}

/// Every element of `got` within the case's `atol` of `want["values"]`.
void expect_within(const std::vector<double> &got, const Json &want, const std::string &what) {
    std::vector<double> expected = want["values"].numbers();
    double atol = want["atol"].number() + 1e-12;
    ASSERT_EQ(got.size(), expected.size()) << what;
    for (std::size_t i = 0; i < got.size(); i++) {
        EXPECT_LE(std::fabs(got[i] - expected[i]), atol)
            << what << "[" << i << "] = " << got[i] << ", want " << expected[i] << " (" << want["bound"].string()
            << ")";
    }
}

/// Expects `call` to throw tfe::Error whose status is named `status` ("TFE_ERR_...").
template <class Call> void expect_status(const Json &status, const char *what, Call call) {
    try {
        call();
        ADD_FAILURE() << what << " did not fail";
    } catch (const tfe::Error &e) {
        EXPECT_EQ(status.string(), e.status_name()) << e.what();
    }
}

void run_case(const tfe_config_t &config, const Json &c) {
    const Json &expect = c["expect"];
    tfe::Context ctx(config);
    std::map<std::string, tfe::Tensor> tensors;
    for (const Json &step : c["steps"].array()) {
        const std::string &id = step["id"].string();
        try {
            tensors.emplace(id, define(ctx, step, tensors));
        } catch (const tfe::Error &e) {
            ASSERT_TRUE(expect.has("status") && !expect["step"].is_null()) << "step " << id << " failed: " << e.what();
            EXPECT_EQ(expect["step"].string(), id) << "the step that fails: " << e.what();
            EXPECT_EQ(expect["status"].string(), e.status_name()) << e.what();
            return;
        }
    }
    ASSERT_FALSE(expect.has("status") && !expect["step"].is_null()) << "step " << expect["step"].string()
                                                                     << " did not fail";
    tfe::Fetches fetches;
    for (const Json &id : c["fetch"].array()) {
        fetches.push_back(std::cref(tensors.at(id.string())));
    }
    tfe::Session sess(ctx, tfe_test::memory());
    if (expect.has("status")) {
        expect_status(expect["status"], "the run", [&] { sess.run(fetches); });
        return;
    }
    tfe::Result result = sess.run(fetches);
    const auto &ids = c["fetch"].array();
    for (std::size_t i = 0; i < ids.size(); i++) {
        const Json &want = expect["values"][ids[i].string()];
        EXPECT_EQ(result.shape(i), want["shape"].sizes()) << ids[i].string() << ": shape";
        expect_within(result.value(i), want, ids[i].string());
    }
}

TEST(Conformance, EveryCaseBehavesAsStated) {
    const Json &file = cases();
    tfe_config_t config = tfe::default_config();
    config.frac_bits = static_cast<std::uint32_t>(file["config"]["frac_bits"].number());
    config.int_bits = static_cast<std::uint32_t>(file["config"]["int_bits"].number());
    ASSERT_GE(file["cases"].array().size(), 25u);
    for (const Json &c : file["cases"].array()) {
        SCOPED_TRACE(c["name"].string());
        run_case(config, c);
    }
}

TEST(Conformance, EveryOperationOfTheHeaderHasAFunctionAndACase) {
    std::ifstream header(kSource + "/include/tfe.h");
    std::stringstream text;
    text << header.rdbuf();
    std::string source = text.str();
    std::regex prototype("tfe_status_t (tfe_\\w+)\\(struct tfe_context_t \\*ctx,");
    std::set<std::string> used;
    for (const Json &c : cases()["cases"].array()) {
        for (const Json &step : c["steps"].array()) {
            if (step.has("op")) {
                used.insert(step["op"].string());
            }
        }
    }
    std::vector<std::string> missing;
    std::size_t ops = 0;
    for (std::sregex_iterator m(source.begin(), source.end(), prototype), end; m != end; ++m) {
        std::string name = (*m)[1];
        if (name.rfind("tfe_define_", 0) == 0 || name == "tfe_context_save") {
            continue;
        }
        ops++;
        if (operations().count(name) == 0 || (used.count(name) == 0 && name != "tfe_assign")) {
            missing.push_back(name);
        }
    }
    EXPECT_GT(ops, 40u);
    EXPECT_TRUE(missing.empty()) << "operations without a C++ function or a case: " << ::testing::PrintToString(missing);
}

TEST(Conformance, EveryModelPredictsAsOnnxruntime) {
    const auto &models = cases()["models"].array();
    ASSERT_GE(models.size(), 4u);
    for (const Json &c : models) {
        SCOPED_TRACE(c["name"].string());
        tfe::Model model = tfe::Model::load_onnx(kSource + "/" + c["model"].string());
        const Json &input = c["input"];
        tfe::Predictor predictor(model, input["shape"].sizes()[0], "model-owner", "client", tfe_test::memory());
        auto outputs = predictor.predict_outputs(input["values"].numbers());
        const auto &wants = c["outputs"].array();
        ASSERT_EQ(outputs.size(), wants.size());
        for (std::size_t i = 0; i < outputs.size(); i++) {
            expect_within(outputs[i], wants[i], "output " + std::to_string(i));
        }
    }
}

/// The case's model, layer by layer.
tfe::Model build_model(const Json &c) {
    tfe::Model model(c["input_shape"].sizes());
    for (const Json &layer : c["layers"].array()) {
        const std::string &kind = layer["kind"].string();
        if (kind == "dense") {
            model.dense(layer["inputs"].size_value(), layer["units"].size_value(), layer["weights"].numbers(),
                        layer["bias"].numbers());
        } else if (kind == "sigmoid") {
            model.sigmoid();
        } else if (kind == "relu") {
            model.relu();
        } else if (kind == "softmax") {
            model.softmax();
        } else {
            throw std::runtime_error("the runner does not know layer " + kind);
        }
    }
    return model;
}

/// The defaults of the case's optimizer kind with the fields it sets.
tfe::Optimizer optimizer(const Json &o) {
    tfe::Optimizer opt = tfe::Optimizer::of(static_cast<tfe_optimizer_kind_t>(constant(o["kind"])));
    opt.c.schedule = constant(o["schedule"]);
    auto set = [&](const char *field, double &target) {
        if (o.has(field)) {
            target = o[field].number();
        }
    };
    set("learning_rate", opt.c.learning_rate);
    set("momentum", opt.c.momentum);
    set("beta1", opt.c.beta1);
    set("beta2", opt.c.beta2);
    set("epsilon", opt.c.epsilon);
    set("decay", opt.c.decay);
    if (o.has("decay_steps")) {
        opt.c.decay_steps = o["decay_steps"].size_value();
    }
    return opt;
}

/// The exported model's weight arrays within the case's `atol` of its f64 training's.
void expect_weights(const Json &c, const tfe::Model &exported) {
    const Json &expect = c["expect"];
    const auto &weights = expect["weights"].array();
    for (std::size_t i = 0; i < weights.size(); i++) {
        std::vector<double> want = weights[i].numbers();
        std::vector<double> got = exported.weight(i);
        ASSERT_EQ(got.size(), want.size()) << "weight " << i;
        for (std::size_t k = 0; k < want.size(); k++) {
            EXPECT_NEAR(got[k], want[k], expect["atol"].number())
                << "weight " << i << "[" << k << "] (" << expect["bound"].string() << ")";
        }
    }
}

TEST(Conformance, EveryTrainingCaseTrainsAsInFloat64) {
    const auto &train_cases = cases()["train_cases"].array();
    ASSERT_GE(train_cases.size(), 3u);
    for (const Json &c : train_cases) {
        SCOPED_TRACE(c["name"].string());
        const Json &expect = c["expect"];
        tfe::Trainer trainer(build_model(c), "model-owner", "data-owner", "label-owner", tfe_test::memory());
        auto loss = static_cast<tfe_loss_t>(constant(c["loss"]));
        auto metrics = static_cast<tfe_metrics_t>(constant(c["metrics"]));
        if (expect.has("status")) {
            EXPECT_EQ(expect["step"].string(), "compile");
            expect_status(expect["status"], "compile",
                          [&] { trainer.compile(optimizer(c["optimizer"]), loss, metrics); });
            continue;
        }
        trainer.compile(optimizer(c["optimizer"]), loss, metrics);
        std::vector<double> losses;
        trainer.fit(c["x"].numbers(), c["y"].numbers(), c["epochs"].size_value(), c["batch_size"].size_value(), {},
                    {}, [&](const tfe_train_progress_t &p) {
                        if (p.batch == p.batches) {
                            losses.push_back(p.loss);
                        }
                        return true;
                    });
        if (expect["loss_decreases"].boolean()) {
            ASSERT_FALSE(losses.empty());
            EXPECT_LT(losses.back(), losses.front()) << ::testing::PrintToString(losses);
        }
        expect_weights(c, trainer.export_model());
    }
}

// The first training case by six players of a hostmap, one thread each over
// plaintext TCP: carol owns the model, alice the features, bob the labels.
// Only carol learns the loss, the predictions and the weights.
TEST(Conformance, TheFirstTrainingCaseTrainsAsSixDeployedPlayers) {
    const Json &c = cases()["train_cases"].array().at(0);
    const std::vector<std::string> players = {"server0", "server1", "server2", "carol", "alice", "bob"};
    std::string hostmap = tfe_test::write_hostmap("tfe-conformance-train-party", players);
    std::vector<double> x = c["x"].numbers(), y = c["y"].numbers();
    std::size_t samples = y.size() / c["layers"].array().at(0)["units"].size_value();
    std::vector<std::optional<tfe::Model>> exported(players.size());
    std::vector<double> losses(players.size());
    std::vector<std::vector<double>> predicted(players.size());
    std::vector<std::string> errors(players.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < players.size(); i++) {
        threads.emplace_back([&, i] {
            try {
                const std::string &me = players[i];
                auto trainer =
                    tfe::Trainer::party_insecure_plaintext(build_model(c), hostmap, me, "carol", "alice", "bob");
                trainer.compile(optimizer(c["optimizer"]), static_cast<tfe_loss_t>(constant(c["loss"])),
                                static_cast<tfe_metrics_t>(constant(c["metrics"])));
                std::vector<double> mine_x = me == "alice" ? x : std::vector<double>{};
                std::vector<double> mine_y = me == "bob" ? y : std::vector<double>{};
                trainer.fit_party(samples, mine_x, mine_y, c["epochs"].size_value(), c["batch_size"].size_value());
                losses[i] = trainer.evaluate_party(samples, mine_x, mine_y).first;
                std::vector<double> x4 = me == "alice" ? std::vector<double>(x.begin(), x.begin() + 4 * x.size() / samples)
                                                       : std::vector<double>{};
                predicted[i] = trainer.predict_party(4, x4, me == "carol" ? 4 : 0);
                exported[i] = trainer.export_party();
                trainer.finish();
            } catch (const std::exception &e) {
                errors[i] = e.what();
            }
        });
    }
    for (auto &t : threads) {
        t.join();
    }
    for (std::size_t i = 0; i < players.size(); i++) {
        ASSERT_EQ(errors[i], "") << players[i];
        EXPECT_EQ(exported[i].has_value(), players[i] == "carol") << players[i];
        EXPECT_EQ(std::isnan(losses[i]), players[i] != "carol") << players[i] << ": " << losses[i];
        EXPECT_EQ(predicted[i].size(), players[i] == "carol" ? 4u : 0u) << players[i];
    }
    expect_weights(c, *exported[3]);
    // carol's predictions: the sigmoid of her trained weights' logits.
    auto w = exported[3]->weight(0), bias = exported[3]->weight(1);
    for (std::size_t s = 0; s < 4; s++) {
        double logit = x[2 * s] * w[0] + x[2 * s + 1] * w[1] + bias[0];
        EXPECT_NEAR(predicted[3][s], 1 / (1 + std::exp(-logit)), 0.01) << "prediction " << s;
    }
}

TEST(Conformance, EveryServingCaseAnswersAsStated) {
    const auto &serve_cases = cases()["serve_cases"].array();
    ASSERT_FALSE(serve_cases.empty());
    for (const Json &c : serve_cases) {
        SCOPED_TRACE(c["name"].string());
        tfe::Model model = tfe::Model::load_onnx(kSource + "/" + c["model"].string());
        tfe_server_options_t options = tfe::default_server_options();
        options.max_batch = c["max_batch"].size_value();
        tfe::Server server(model, "127.0.0.1:0", options, tfe_test::memory());
        tfe::Client client("127.0.0.1:" + std::to_string(server.port()));
        EXPECT_EQ(client.input_shape().at(0), options.max_batch) << "the input shape's batch";
        for (const Json &request : c["requests"].array()) {
            if (request.has("reconnect")) {
                client.reconnect();
                continue;
            }
            std::vector<double> x = request["input"]["values"].numbers();
            if (request.has("status")) {
                expect_status(request["status"], "the request", [&] { client.predict_outputs(x); });
                continue;
            }
            auto outputs = client.predict_outputs(x);
            const auto &wants = request["outputs"].array();
            ASSERT_EQ(outputs.size(), wants.size());
            for (std::size_t i = 0; i < outputs.size(); i++) {
                expect_within(outputs[i], wants[i], "output " + std::to_string(i));
            }
        }
    }
}

} // namespace
