// tfe_serve.hpp -- part of the C++ binding (include tfe.hpp): Server, a
// service of a model kept up for many predictions over TCP, and Client, a
// client of one (tfe_server_t, tfe_client_t; docs/serving.md).
#ifndef TFE_SERVE_HPP
#define TFE_SERVE_HPP

#include "tfe.hpp"

namespace tfe {

/// The library's default service options (tfe_server_options_default()).
inline tfe_server_options_t default_server_options() { return tfe_server_options_default(); }

/// A running service of a model (tfe_server_t): the three servers and the
/// model owner's shared weights on threads of this process, answering
/// Clients on one TCP address until destroyed. Move-only; thread-safe.
class Server {
  public:
    /// Starts a service of `model` on `listen` (host:port; port 0 picks a
    /// free one, see port()). The service keeps a copy of the weights.
    Server(const Model &model, const std::string &listen,
           const tfe_server_options_t &options = default_server_options(),
           const tfe_session_options_t &session = default_session_options()) {
        handle_.reset(detail::created<tfe_server_t>(tfe_server_start, model.get(), listen.c_str(), &options, &session));
    }

    Server(Server &&) noexcept = default;
    Server &operator=(Server &&) noexcept = default;
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    /// The TCP port the service listens on.
    std::uint16_t port() const {
        std::uint16_t port = 0;
        detail::check(tfe_server_port(get(), &port));
        return port;
    }

    tfe_server_t *get() const noexcept { return handle_.get(); }

  private:
    detail::Handle<tfe_server_t, tfe_server_free> handle_;
};

/// A client of a service (tfe_client_t), with one long-lived connection to
/// each of its servers; no server sees its inputs or predictions. Requests
/// are answered in order. Move-only; requests from several threads are
/// serialized, but reconnect() must not run alongside the other calls.
class Client {
  public:
    /// Connects to the service at `address` (host:port); `timeout_ms`
    /// bounds the connection and each answer.
    explicit Client(const std::string &address, std::uint64_t timeout_ms = 30000) {
        handle_.reset(detail::created<tfe_client_t>(tfe_client_connect, address.c_str(), timeout_ms));
    }

    Client(Client &&) noexcept = default;
    Client &operator=(Client &&) noexcept = default;
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    /// The first output of the model for one batch of 1 to max_batch()
    /// samples (row-major, batch first).
    std::vector<double> predict(const std::vector<double> &x) const {
        return detail::predict_first(*this, tfe_client_predict, x);
    }

    /// Every output of the model for one batch, in the model's order.
    std::vector<std::vector<double>> predict_outputs(const std::vector<double> &x) const {
        return detail::predict_outputs(*this, tfe_client_predict_outputs, x);
    }

    /// Closes the connections and opens new ones to the same address: after
    /// a TFE_ERR_NETWORK or TFE_ERR_TIMEOUT, or a restart of the service.
    void reconnect() { detail::check(tfe_client_reconnect(get())); }

    /// The number of outputs each prediction gives.
    std::size_t output_count() const { return detail::count_of(tfe_client_output_count, get()); }

    /// [max_batch, output shape...] of output `index`.
    std::vector<std::size_t> output_shape(std::size_t index) const {
        return detail::shape_of(tfe_client_output_shape_at, get(), index);
    }

    /// The largest batch a request takes.
    std::size_t max_batch() const { return input_shape()[0]; }

    /// [max_batch, input shape...]: a batch fills the first rows.
    std::vector<std::size_t> input_shape() const { return detail::shape_of(tfe_client_input_shape, get()); }

    tfe_client_t *get() const noexcept { return handle_.get(); }

  private:
    detail::Handle<tfe_client_t, tfe_client_free> handle_;
};

} // namespace tfe

#endif // TFE_SERVE_HPP
