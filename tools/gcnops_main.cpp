// gcnops: the command line of the gcnops library.
//
//   gcnops study  the depth study (the default run)
//   gcnops train  train one deep GCN, with energy probes and a report
//   gcnops info   graph and dataset statistics
//
// Every subcommand has --help. Errors print one line "gcnops: error: ..."
// and exit with status 1 (2 for a malformed command line).
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli_commands.hpp"
#include "cli_common.hpp"
#include "gcnops/config.hpp"
#include "gcnops/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"gcnops: fused SpMM + normalisation kernels for deep GCNs"};
  app.set_version_flag("--version", "gcnops " GCNOPS_VERSION_STRING);
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("gcnops: error: ") + e.what() + " (see --help)\n";
  });
  gcnops::cli::add_study_command(app);
  gcnops::cli::add_train_command(app);
  gcnops::cli::add_info_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const gcnops::error& e) {
    gcnops::cli::print_error(e.what());
    return 1;
  } catch (const std::exception& e) {
    gcnops::cli::print_error(std::string("unexpected failure: ") + e.what());
    return 1;
  }
  return 0;
}
