// The subcommands of the gcnops command line; each adds itself to the app.
#pragma once

#include <CLI/CLI.hpp>

namespace gcnops::cli {

void add_info_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_study_command(CLI::App& app);

}  // namespace gcnops::cli
