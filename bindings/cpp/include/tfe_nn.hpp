// tfe_nn.hpp -- neural networks in the C++ binding: Model (a sequential
// model built layer by layer, a benchmark network, or a model imported
// from an ONNX file), Predictor (private
// prediction: the model owner's weights and the client's input stay
// secret, only the client learns the output) and Array (values and shape
// read from or written to .npy and .csv files). tfe.hpp includes it;
// include tfe.hpp.
//
//   tfe::Model model({64});
//   model.dense(64, 32, w1, b1).relu().dense(32, 10, w2, b2);
//   tfe::Predictor predictor(model, 1, "model-owner", "client");
//   std::vector<double> logits = predictor.predict(image);
#ifndef TFE_NN_HPP
#define TFE_NN_HPP

#include <array>

#include "tfe.hpp"

namespace tfe {

/// The benchmark networks of SecureNN and TF Encrypted (see tfe_network_t).
enum class Network : std::uint32_t { A = TFE_NETWORK_A, B = TFE_NETWORK_B, C = TFE_NETWORK_C, D = TFE_NETWORK_D };

namespace detail {

inline std::size_t count(const std::vector<std::size_t> &shape) {
    std::size_t n = 1;
    for (std::size_t d : shape) {
        n *= d;
    }
    return n;
}

} // namespace detail

/// A model (tfe_model_t): sequential, each layer checked against the
/// shape it receives when it is added (a failed add throws and leaves the
/// model as it was), or imported from ONNX (load_onnx: no more layers, maybe
/// several outputs). Move-only. Not thread-safe while layers are added.
class Model {
  public:
    /// A model without layers for samples of `input_shape` (no batch axis).
    explicit Model(const std::vector<std::size_t> &input_shape) {
        handle_.reset(detail::created<tfe_model_t>(tfe_model_new, input_shape.data(), input_shape.size()));
    }

    /// Benchmark network `which` with pseudo-random weights from `seed`.
    static Model network(Network which, std::uint64_t seed) {
        return Model(detail::created<tfe_model_t>(tfe_model_network, static_cast<std::uint32_t>(which), seed));
    }

    /// The model of the ONNX file at `path`, its initializers the owner's
    /// weights; an unsupported node throws, naming the file and the node.
    static Model load_onnx(const std::string &path) {
        return Model(detail::created<tfe_model_t>(tfe_model_load_onnx, path.c_str()));
    }

    /// As load_onnx, from the bytes of a model file.
    static Model load_onnx_bytes(const std::vector<std::uint8_t> &bytes) {
        return Model(detail::created<tfe_model_t>(tfe_model_load_onnx_bytes, bytes.data(), bytes.size()));
    }

    Model(Model &&) noexcept = default;
    Model &operator=(Model &&) noexcept = default;
    Model(const Model &) = delete;
    Model &operator=(const Model &) = delete;

    /// x W + b with W of `inputs` x `units` (row-major) and `units` biases.
    Model &dense(std::size_t inputs, std::size_t units, const std::vector<double> &weights,
                 const std::vector<double> &bias) {
        return add(tfe_model_add_dense(get(), inputs, units, weights.data(), weights.size(), bias.data(),
                                       bias.size()));
    }
    /// NHWC convolution with a {KH, KW, C, O} kernel and O biases.
    Model &conv2d(const std::array<std::size_t, 4> &kernel, const std::vector<double> &weights,
                  const std::vector<double> &bias, std::pair<std::size_t, std::size_t> strides, Padding padding) {
        return add(tfe_model_add_conv2d(get(), kernel.data(), kernel.size(), weights.data(), weights.size(),
                                        bias.data(), bias.size(), strides.first, strides.second,
                                        static_cast<std::uint32_t>(padding)));
    }
    Model &max_pool2d(std::pair<std::size_t, std::size_t> window, std::pair<std::size_t, std::size_t> strides,
                      Padding padding) {
        return add(tfe_model_add_max_pool2d(get(), window.first, window.second, strides.first, strides.second,
                                            static_cast<std::uint32_t>(padding)));
    }
    Model &avg_pool2d(std::pair<std::size_t, std::size_t> window, std::pair<std::size_t, std::size_t> strides,
                      Padding padding) {
        return add(tfe_model_add_avg_pool2d(get(), window.first, window.second, strides.first, strides.second,
                                            static_cast<std::uint32_t>(padding)));
    }
    /// Inference-time batch normalization; the four vectors have one value
    /// per channel (vectors of different lengths throw).
    Model &batch_norm(const std::vector<double> &gamma, const std::vector<double> &beta,
                      const std::vector<double> &mean, const std::vector<double> &variance, double epsilon) {
        if (beta.size() != gamma.size() || mean.size() != gamma.size() || variance.size() != gamma.size()) {
            throw Error(TFE_ERR_INVALID_ARGUMENT,
                        "tfe::Model::batch_norm: gamma, beta, mean and variance have " + std::to_string(gamma.size()) +
                            ", " + std::to_string(beta.size()) + ", " + std::to_string(mean.size()) + " and " +
                            std::to_string(variance.size()) + " values, expected one per channel each");
        }
        return add(tfe_model_add_batch_norm(get(), gamma.data(), beta.data(), mean.data(), variance.data(),
                                            gamma.size(), epsilon));
    }
    Model &relu() { return add(tfe_model_add_relu(get())); }
    Model &sigmoid() { return add(tfe_model_add_sigmoid(get())); }
    Model &softmax() { return add(tfe_model_add_softmax(get())); }
    Model &flatten() { return add(tfe_model_add_flatten(get())); }
    Model &global_avg_pool2d() { return add(tfe_model_add_global_avg_pool2d(get())); }

    /// The shape of one sample (no batch axis).
    std::vector<std::size_t> input_shape() const { return detail::shape_of(tfe_model_input_shape, get()); }
    /// The output shape of one sample after the layers so far (the first output's).
    std::vector<std::size_t> output_shape() const { return detail::shape_of(tfe_model_output_shape, get()); }
    /// The number of outputs (1, or several for an imported model).
    std::size_t output_count() const { return detail::count_of(tfe_model_output_count, get()); }
    /// The shape of output `index` for one sample.
    std::vector<std::size_t> output_shape(std::size_t index) const {
        return detail::shape_of(tfe_model_output_shape_at, get(), index);
    }
    /// The layers as they run (batch normalizations after Dense or Conv2D are folded into them).
    std::size_t layer_count() const { return detail::count_of(tfe_model_layer_count, get()); }

    /// Plaintext inference of `batch` samples (row-major, batch first).
    std::vector<double> predict_plain(const std::vector<double> &x, std::size_t batch) const {
        std::vector<double> out(batch * detail::count(output_shape()));
        detail::check(tfe_model_predict_plain(get(), x.data(), x.size(), batch, out.data(), out.size()));
        return out;
    }

    /// The number of weight arrays of the model as it runs: two per Dense
    /// or Conv2D layer (weights, bias), four per batch normalization not folded.
    std::size_t weight_count() const { return detail::count_of(tfe_model_weight_count, get()); }

    /// A copy of weight array `index` (Dense weights: inputs x units, row-major).
    std::vector<double> weight(std::size_t index) const {
        return detail::values_of(tfe_model_weight, get(), index);
    }

    tfe_model_t *get() const noexcept { return handle_.get(); }

  private:
    friend class Trainer; // hands out the models it exports
    explicit Model(tfe_model_t *model) : handle_(model) {}

    Model &add(tfe_status_t status) {
        detail::check(status);
        return *this;
    }

    detail::Handle<tfe_model_t, tfe_model_free> handle_;
};

namespace detail {

/// The first output of `self` (a Predictor or a Client: any handle that
/// answers batches) for the samples of `x`, through its C function `predict`.
template <class Self, class Predict>
std::vector<double> predict_first(const Self &self, Predict predict, const std::vector<double> &x) {
    auto in = self.input_shape(), out_shape = self.output_shape(0);
    // A size that is no whole batch gets its error from the library.
    std::size_t samples = x.size() / (count(in) / in[0]);
    std::vector<double> out(samples * (count(out_shape) / out_shape[0]));
    check(predict(self.get(), x.data(), x.size(), out.data(), out.size()));
    return out;
}

/// Every output of `self` for the samples of `x`, one buffer each, through
/// its C function `predict` (a `tfe_*_predict_outputs`).
template <class Self, class Predict>
std::vector<std::vector<double>> predict_outputs(const Self &self, Predict predict, const std::vector<double> &x) {
    auto in = self.input_shape();
    std::size_t samples = x.size() / (count(in) / in[0]);
    std::vector<std::vector<double>> outs(self.output_count());
    std::vector<double *> ptrs;
    std::vector<std::size_t> lens;
    for (std::size_t i = 0; i < outs.size(); ++i) {
        auto shape = self.output_shape(i);
        outs[i].resize(samples * (count(shape) / shape[0]));
        ptrs.push_back(outs[i].data());
        lens.push_back(outs[i].size());
    }
    check(predict(self.get(), x.data(), x.size(), ptrs.data(), lens.data(), outs.size()));
    return outs;
}

} // namespace detail


/// A model served for private prediction by players on threads of this
/// process (tfe_predictor_t): the owner shares the weights once, the
/// client provides each batch (1 to max_batch samples) and alone learns its
/// outputs. Move-only; predictions from several threads are serialized.
class Predictor {
  public:
    /// Batches of 1 to `max_batch` samples, over loopback TCP with the default options.
    Predictor(const Model &model, std::size_t max_batch, const std::string &owner, const std::string &client)
        : Predictor(model, max_batch, owner, client, default_session_options()) {}

    /// As above with session `options` (transport, timeouts).
    Predictor(const Model &model, std::size_t max_batch, const std::string &owner, const std::string &client,
              const tfe_session_options_t &options) {
        handle_.reset(detail::created<tfe_predictor_t>(tfe_predictor_new_local, model.get(), max_batch, owner.c_str(),
                                                       client.c_str(), &options));
    }

    Predictor(Predictor &&) noexcept = default;
    Predictor &operator=(Predictor &&) noexcept = default;
    Predictor(const Predictor &) = delete;
    Predictor &operator=(const Predictor &) = delete;

    /// The outputs for one batch of 1 to max_batch() samples (row-major,
    /// batch first), as the client receives them.
    std::vector<double> predict(const std::vector<double> &x) const {
        return detail::predict_first(*this, tfe_predictor_predict, x);
    }

    /// Every output of the model for one batch, in the model's order.
    std::vector<std::vector<double>> predict_outputs(const std::vector<double> &x) const {
        return detail::predict_outputs(*this, tfe_predictor_predict_outputs, x);
    }

    /// The number of outputs each prediction gives.
    std::size_t output_count() const { return detail::count_of(tfe_predictor_output_count, get()); }

    /// [max_batch, output shape...] of output `index`.
    std::vector<std::size_t> output_shape(std::size_t index) const {
        return detail::shape_of(tfe_predictor_output_shape_at, get(), index);
    }

    /// The largest batch a prediction takes.
    std::size_t max_batch() const { return input_shape()[0]; }

    /// [max_batch, input shape...]: a batch fills the first rows.
    std::vector<std::size_t> input_shape() const { return detail::shape_of(tfe_predictor_input_shape, get()); }

    /// [max_batch, output shape...]: a batch's output has as many rows as its input.
    std::vector<std::size_t> output_shape() const { return detail::shape_of(tfe_predictor_output_shape, get()); }

    /// What the last successful prediction cost each player: a Result
    /// without values (read Result::stats and Result::stats_table).
    Result last_stats() const {
        return Result(detail::created<tfe_result_t>(tfe_predictor_last_stats, get()));
    }

    tfe_predictor_t *get() const noexcept { return handle_.get(); }

  private:
    detail::Handle<tfe_predictor_t, tfe_predictor_free> handle_;
};

/// Values (row-major) and their shape, to and from .npy and .csv files.
struct Array {
    std::vector<std::size_t> shape;
    std::vector<double> values;

    /// Reads a .npy file (its shape) or a .csv file ({rows, columns}).
    /// A file that cannot be read throws TFE_ERR_INVALID_ARGUMENT naming it.
    static Array load(const std::string &path) {
        detail::Handle<tfe_array_t, tfe_array_free> array(detail::created<tfe_array_t>(tfe_array_load, path.c_str()));
        return Array{detail::shape_of(tfe_array_shape, array.get()), detail::values_of(tfe_array_values, array.get())};
    }

    /// Writes .npy (float64) or .csv (rank 1 or 2), by the extension of `path`.
    void save(const std::string &path) const {
        detail::check(tfe_array_save(values.data(), values.size(), shape.data(), shape.size(), path.c_str()));
    }
};

} // namespace tfe

#endif // TFE_NN_HPP
