// Model and data flags shared by `gcnops train` and `gcnops study`.
#include "cli_model.hpp"

#include "cli_common.hpp"

namespace gcnops::cli {

namespace {

std::vector<std::string> names_of_ops() {
  std::vector<std::string> out;
  for (op_kind k : all_op_kinds)
    out.emplace_back(to_string(k));
  return out;
}

}  // namespace

void model_flags::add_to(CLI::App& app, bool with_architecture) {
  if (with_architecture) {
    app.add_option("--layers", layers, "Number of GCN layers")
        ->capture_default_str();
    app.add_option("--operator", op, "Propagation operator")
        ->capture_default_str()
        ->check(CLI::IsMember(names_of_ops()));
    app.add_flag("--residual", residual,
                 "Add each layer's input to its output where widths match");
    app.add_flag("--initial-residual", initial_residual,
                 "GCNII form: mix the first hidden representation into "
                 "every hidden layer (see --skip-alpha, --theta)");
    app.add_option("--init", init, "Weight initialisation")
        ->capture_default_str()
        ->check(CLI::IsMember({"glorot", "orthogonal"}));
  }
  app.add_option("--hidden", hidden, "Width of the hidden layers")
      ->capture_default_str();
  app.add_option("--c", c,
                 "Constant of the rescaled operator (default: "
                 "sqrt(N / ||A^||_F^2))");
  app.add_option("--alpha", alpha, "Mixing weight of the shifted operator")
      ->capture_default_str();
  app.add_option("--scale", scale, "Target row norm s of pairnorm")
      ->capture_default_str();
  app.add_option("--eps", eps, "Epsilon of pairnorm")->capture_default_str();
  app.add_option("--norm", norm, "Base normalisation of A + gamma I")
      ->capture_default_str()
      ->check(CLI::IsMember({"sym", "rw", "none"}));
  app.add_option("--self-loop", self_loop, "Self-loop weight gamma")
      ->capture_default_str();
  app.add_option("--activation", act, "Activation of every layer but the last")
      ->capture_default_str()
      ->check(CLI::IsMember({"relu", "tanh", "identity"}));
  app.add_option("--skip-alpha", skip_alpha,
                 "Weight of the first hidden representation "
                 "(--initial-residual)")
      ->capture_default_str();
  app.add_option("--theta", theta,
                 "beta_l = ln(theta / l + 1) (--initial-residual)")
      ->capture_default_str();
  app.add_option("--dropout", dropout, "Dropout on every layer's input")
      ->capture_default_str();
  app.add_option("--lr", lr, "Adam learning rate")->capture_default_str();
  app.add_option("--weight-decay", weight_decay,
                 "L2 weight decay of the first layer's parameters")
      ->capture_default_str();
  app.add_flag("--decay-all-layers", decay_all_layers,
               "Apply the weight decay to every layer's parameters");
  app.add_option("--epochs", epochs, "Training epochs")->capture_default_str();
  app.add_option("--seed", seed, "Seed of weights and dropout")
      ->capture_default_str();
  app.add_option("--backend", backend, "cpu, cuda or auto (cuda if usable)")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  app.add_flag("--dirichlet", dirichlet,
               "Also probe the Dirichlet energy of every layer");
  app.add_flag("--check-finite", check_finite,
               "Stop at the first NaN or Inf, naming layer, tensor and step");
}

model_config model_flags::config() const {
  model_config m;
  m.layers = layers;
  m.hidden = hidden;
  m.op.kind = parse_op_kind(op);
  if (c != 0.0) m.op.c = c;
  m.op.alpha = alpha;
  m.op.scale = scale;
  m.op.eps = eps;
  m.adjacency = {.norm = parse_normalization(norm), .self_loop = self_loop};
  m.act = parse_activation(act);
  m.init = parse_init_scheme(init);
  if (residual && initial_residual) {
    throw invalid_argument(
        "--residual and --initial-residual: expected at most one skip");
  }
  m.skip = initial_residual ? skip_kind::initial
           : residual       ? skip_kind::residual
                            : skip_kind::none;
  m.skip_alpha = skip_alpha;
  m.theta = theta;
  m.dropout = dropout;
  m.seed = seed;
  m.dirichlet = dirichlet;
  m.check_finite = check_finite;
  m.backend = parse_backend_choice(backend);
  return m;
}

optimizer_config model_flags::optimizer() const {
  return {.lr = lr,
          .weight_decay = weight_decay,
          .decay_first_layer_only = !decay_all_layers};
}

void data_flags::add_to(CLI::App& app) {
  auto* data = app.add_option("--data", data_dir,
                              "Dataset folder (default: the carried cora)");
  auto* synth = app.add_option("--synthetic", synthetic,
                               "Generated dataset instead of --data")
                    ->check(CLI::IsMember({"csbm"}));
  data->excludes(synth);
  app.add_flag("--raw-features", raw_features,
               "Keep features as read (default: rows divided by their sum)");
  app.add_option("--csbm-nodes", csbm.nodes, "CSBM: nodes")
      ->capture_default_str();
  app.add_option("--csbm-classes", csbm.classes, "CSBM: classes")
      ->capture_default_str();
  app.add_option("--csbm-p-intra", csbm.p_intra,
                 "CSBM: edge probability within a class")
      ->capture_default_str();
  app.add_option("--csbm-p-inter", csbm.p_inter,
                 "CSBM: edge probability across classes")
      ->capture_default_str();
  app.add_option("--csbm-signal", csbm.signal,
                 "CSBM: strength of the class signal in the features")
      ->capture_default_str();
  app.add_option("--csbm-features", csbm.features, "CSBM: feature width")
      ->capture_default_str();
  app.add_option("--csbm-seed", csbm.seed, "CSBM: generator seed")
      ->capture_default_str();
}

dataset data_flags::load() const {
  if (synthetic == "csbm") return make_csbm(csbm);
  const std::filesystem::path dir =
      data_dir.empty() ? default_data_dir() : std::filesystem::path(data_dir);
  dataset_options options;
  options.normalize_features = !raw_features;
  return load_dataset(dir, options);
}

std::string data_flags::describe() const {
  if (synthetic == "csbm") return "csbm (synthetic)";
  return data_dir.empty() ? default_data_dir().string() : data_dir;
}

nlohmann::json to_json(const model_config& c, const optimizer_config& o) {
  nlohmann::json op = {{"kind", to_string(c.op.kind)},
                       {"alpha", c.op.alpha},
                       {"scale", c.op.scale},
                       {"eps", c.op.eps}};
  if (c.op.c) op["c"] = *c.op.c;
  return {{"layers", c.layers},
          {"hidden", c.hidden},
          {"operator", op},
          {"norm", to_string(c.adjacency.norm)},
          {"self_loop", c.adjacency.self_loop},
          {"activation", to_string(c.act)},
          {"init", to_string(c.init)},
          {"skip", to_string(c.skip)},
          {"skip_alpha", c.skip_alpha},
          {"theta", c.theta},
          {"dropout", c.dropout},
          {"seed", c.seed},
          {"lr", o.lr},
          {"weight_decay", o.weight_decay},
          {"decay_first_layer_only", o.decay_first_layer_only}};
}

}  // namespace gcnops::cli
