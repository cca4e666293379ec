// kiln: the command line. Exit status 0 on success, 1 on a user error (with a
// diagnostic), 2 on bad usage.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "driver/Commands.h"
#include "kiln/Error.hpp"
#include "language/Diagnostics.h"
#include "schedule/ScheduleKeys.h"

// In a sanitizer build: Halide's IR holds reference cycles it never frees (its
// own ASan builds turn leak checks off), and LeakSanitizer's exit-time scan
// can crash on the threads Halide leaves behind. The runtime's leaks are
// checked by the programs that link it (tests/unit), not through kiln.
// Halide's compiler frees hundreds of MB per network: ASan's default 256 MB
// quarantine of freed memory made kiln 1.5x slower and 2x bigger; 16 MB
// still catches a use soon after a free.
extern "C" const char* __asan_default_options() { return "detect_leaks=0:quarantine_size_mb=16"; }

int main(int argc, char** argv) {
  CLI::App app{"Kiln: compiles CNN layer specs into fast ahead-of-time CPU kernels", "kiln"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "kiln 0.1.0");

  // --precision: what conv2d and dense kernels compute in, where no schedule section says.
  // --qparams: the quantization of the tensors int8 kernels read (kiln quantize).
  auto precision_option = [](CLI::App* command, kiln::Precision& precision, std::string& qparams) {
    command
        ->add_option_function<std::string>(
            "--precision", [&precision](const std::string& text) { precision = *kiln::parse_precision(text); },
            "f32 (default); bf16: conv2d and dense layers multiply bf16 inputs by bf16 weights, summing in f32; "
            "int8: u8 inputs (quantized as --qparams says) by s8 weights, summing in s32")
        ->check(CLI::IsMember({"f32", "bf16", "int8"}));
    command->add_option("--qparams", qparams, "the quantization of the tensors int8 kernels read (kiln quantize)");
  };

  kiln::CheckOptions checked;
  auto* check = app.add_subcommand("check", "parse and check; print each layer's shape, weights and FLOPs");
  check->add_option("spec", checked.spec, "the .kiln file")->required();
  check->add_option("--weights", checked.weights, "also check a safetensors weights file");
  check->add_option("--schedule", checked.schedule, "also check a schedule file against the network, without compiling");
  check->add_option("--target", checked.target, "the target the schedule is checked for (default: this CPU)");
  precision_option(check, checked.precision, checked.qparams);
  check->add_flag("--print-schedule", checked.print_schedule,
                  "print every kernel's schedule (the defaults, under --schedule's sections) as a schedule file, "
                  "with the rules that chose it, instead of the layers");

  kiln::CompileOptions compile;
  std::vector<std::string> emit;
  auto* compile_cmd = app.add_subcommand("compile", "write DIR/NAME.a and DIR/NAME.h");
  compile_cmd->add_option("spec", compile.spec_path, "the .kiln file")->required();
  compile_cmd->add_option("-o,--output", compile.out_dir, "output directory")->required();
  compile_cmd->add_option("--schedule", compile.schedule_path, "schedule file, or auto:adams2019|mullapudi2016|li2018");
  compile_cmd->add_option("--target", compile.target, "Halide target string (default: this CPU)");
  compile_cmd->add_option("--weights", compile.weights_path, "embed these weights in the library");
  precision_option(compile_cmd, compile.precision, compile.qparams_path);
  compile_cmd->add_option("--emit", emit, "also write: stmt, assembly, llvm, schedule")
      ->delimiter(',')
      ->check(CLI::IsMember({"stmt", "assembly", "llvm", "schedule"}));

  // The options of every command that compiles a network and executes it here.
  auto network_options = [&](CLI::App* command, kiln::NetworkOptions& options, const char* weights_help) {
    command->add_option("spec", options.spec, "the .kiln file")->required();
    command->add_option("--weights", options.weights, weights_help);
    command->add_option("--schedule", options.schedule, "schedule file, or auto:adams2019|mullapudi2016|li2018");
    command->add_option("--target", options.target, "Halide target string (default: this CPU)");
    precision_option(command, options.precision, options.qparams);
  };

  kiln::RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "compile for this machine and run once on .npy inputs");
  network_options(run_cmd, run, "safetensors weights file");
  run_cmd->add_option("--input", run.inputs, "[NAME=]FILE.npy, one per network input");
  run_cmd->add_option("--output", run.outputs, "[NAME=]FILE.npy (default: print the outputs)");

  kiln::BenchOptions bench;
  auto* bench_cmd = app.add_subcommand("bench", "time each kernel and the whole network on this machine");
  network_options(bench_cmd, bench, "safetensors weights file (default: random weights)");
  bench_cmd->add_flag("--json", bench.json, "print one JSON object");
  bench_cmd->add_option("--warmup", bench.warmup, "untimed runs first (default 3)")->check(CLI::NonNegativeNumber);
  bench_cmd->add_option("--repeats", bench.repeats, "at least this many timed runs (default 10)")
      ->check(CLI::PositiveNumber);
  bench_cmd->add_option("--min-time", bench.min_seconds, "and at least this many seconds (default 1)")
      ->check(CLI::NonNegativeNumber);

  kiln::QuantizeOptions quantize;
  auto* quantize_cmd = app.add_subcommand(
      "quantize", "run the network in f32 on calibration samples; write the quantization int8 kernels read (.qparams)");
  quantize_cmd->add_option("spec", quantize.spec, "the .kiln file")->required();
  quantize_cmd->add_option("--weights", quantize.weights, "safetensors weights file")->required();
  quantize_cmd->add_option("--calibrate", quantize.calibrate,
                           "[NAME=]X.npy per network input: samples stacked along its first axis")
      ->required();
  quantize_cmd->add_option("-o,--output", quantize.out, "the .qparams file to write")->required();
  quantize_cmd->add_option("--method", quantize.method, "minmax (default) or percentile")
      ->check(CLI::IsMember({"minmax", "percentile"}));
  quantize_cmd->add_option("--percentile", quantize.percentile,
                           "with --method percentile: the share of values each range covers (default 99.99)")
      ->check(CLI::Range(50.0, 100.0));
  quantize_cmd->add_option("--target", quantize.target, "Halide target string (default: this CPU)");

  kiln::ImportOptions import;
  auto* import_cmd = app.add_subcommand("import", "turn an ONNX model into NAME.kiln and NAME.safetensors");
  import_cmd->add_option("model", import.model, "the .onnx file")->required();
  import_cmd->add_option("-o,--output", import.out_dir, "output directory")->required();
  import_cmd->add_option("--name", import.name, "network name (default: the file's)");
  import_cmd->add_option("--input-shape", import.input_shapes,
                         "NAME=D0,D1,...: an input's shape, fixing its symbolic dimensions (repeatable)");
  import_cmd->add_option("--batch", import.batch, "the size of a symbolic first dimension (default 1)")
      ->check(CLI::PositiveNumber);

  kiln::TuneOptions tune;
  std::string shard = "0/1";
  auto* tune_cmd = app.add_subcommand("tune", "search schedules by measuring them; write the best schedule file");
  tune_cmd->add_option("spec", tune.spec, "the .kiln file")->required();
  tune_cmd->add_option("--budget", tune.budget_seconds,
                       "seconds to search; a positive budget measures at least one round (0: write the log's best)")
      ->required()
      ->check(CLI::NonNegativeNumber);
  tune_cmd->add_option("--rounds", tune.max_rounds, "stop after this many rounds, within the budget (default: no limit)")
      ->check(CLI::PositiveNumber);
  tune_cmd->add_option("-o,--output", tune.out, "the schedule file to write")->required();
  tune_cmd->add_option("--log", tune.log, "tuning log (JSON Lines): resumed from, appended to");
  tune_cmd->add_option("--schedule", tune.schedule, "start from this schedule file (default: the default schedules)");
  tune_cmd->add_option("--target", tune.target, "Halide target string (default: this CPU)");
  precision_option(tune_cmd, tune.precision, tune.qparams);
  tune_cmd->add_option("--shard", shard, "I/N: tune only every N-th kernel from the I-th (0-based)")
      ->check([](const std::string& text) {
        int i = -1, n = 0;
        char extra;
        return std::sscanf(text.c_str(), "%d/%d%c", &i, &n, &extra) == 2 && n > 0 && i >= 0 && i < n
                   ? std::string()
                   : "expected I/N with 0 <= I < N";
      });
  tune_cmd->add_option("--repeats", tune.repeats, "profiled runs per candidate (default 7)")->check(CLI::PositiveNumber);
  tune_cmd->add_option("--timeout", tune.timeout_seconds,
                       "seconds a round's candidates may take to run and be measured, else they fail (default 60)")
      ->check(CLI::PositiveNumber);
  tune_cmd->add_option("--seed", tune.seed, "random seed of the search (default 1)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  // Halide 14's Adams2019 gets some layers wrong (docs/schedules.md: Halide's autoschedulers):
  // kiln tune checks an autoscheduler's outputs, these commands do not.
  auto warn_unchecked = [](const std::string& schedule) {
    if (schedule == "auto:adams2019")
      std::fprintf(stderr,
                   "warning: Halide 14's Adams2019 schedules compute wrong outputs for some layers; "
                   "these outputs are not checked\n");
  };
  try {
    if (check->parsed()) return kiln::check_command(checked);
    if (compile_cmd->parsed() || run_cmd->parsed() || bench_cmd->parsed())
      warn_unchecked(compile_cmd->parsed() ? compile.schedule_path : run_cmd->parsed() ? run.schedule : bench.schedule);
    if (compile_cmd->parsed()) {
      compile.emit.insert(emit.begin(), emit.end());
      compile.progress = isatty(2);
      return kiln::compile_command(compile);
    }
    if (run_cmd->parsed()) return kiln::run_command(run);
    if (bench_cmd->parsed()) return kiln::bench_command(bench);
    if (import_cmd->parsed()) return kiln::import_command(import);
    if (quantize_cmd->parsed()) return kiln::quantize_command(quantize);
    if (tune_cmd->parsed()) {
      std::sscanf(shard.c_str(), "%d/%d", &tune.shard_index, &tune.shard_count);
      return kiln::tune_command(tune);
    }
    std::fprintf(stderr, "kiln: '%s' is not available in this version yet\n", app.get_subcommands()[0]->get_name().c_str());
    return 2;
  } catch (const kiln::UserError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  } catch (const kiln::RuntimeError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln: internal error: %s\n", e.what());
    return 1;
  }
}
