#include "tune/TuningLog.h"

#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "language/Diagnostics.h"
#include "schedule/ScheduleFile.h"

namespace kiln {
namespace {

// Reads a trial; `kept` stays empty when the line predates the field.
Trial parse_trial(const std::string& line, const std::string& where, std::optional<bool>& kept) {
  nlohmann::json json = nlohmann::json::parse(line, nullptr, false);
  if (json.is_discarded() || !json.is_object()) throw UserError(where + ": error: not a JSON object");
  try {
    Trial trial;
    trial.signature = json.at("signature").get<std::string>();
    trial.kernel = json.at("kernel").get<std::string>();
    trial.median_ms = json.at("median_ms").get<double>();
    trial.correct = json.at("correct").get<bool>();
    trial.when = json.at("when").get<std::string>();
    if (json.contains("error")) trial.error = json.at("error").get<std::string>();
    kept = json.contains("kept") ? std::optional<bool>(json.at("kept").get<bool>()) : std::nullopt;
    // The schedule is kept as the schedule file's own `key = value` lines.
    Schedule one = parse_schedule("[k]\n" + json.at("schedule").get<std::string>(), where);
    trial.schedule = one.kernels.at("k");
    return trial;
  } catch (const nlohmann::json::exception& error) {
    throw UserError(where + ": error: " + error.what());
  }
}

}  // namespace

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

TuningLog::TuningLog(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  std::ifstream in(path_);
  if (!in) return;  // a new log
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  bool ends_in_newline = true;
  {
    std::ifstream tail(path_, std::ios::binary | std::ios::ate);
    if (tail.tellg() > 0) {
      tail.seekg(-1, std::ios::end);
      ends_in_newline = tail.get() == '\n';
    }
  }
  std::map<std::string, double> fastest;  // correct trials so far, for lines without `kept`
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    std::string where = path_ + ":" + std::to_string(i + 1);
    try {
      std::optional<bool> kept;
      Trial trial = parse_trial(lines[i], where, kept);
      auto so_far = fastest.find(trial.signature);
      trial.kept = kept ? *kept : trial.correct && (so_far == fastest.end() || trial.median_ms < so_far->second);
      if (trial.correct && (so_far == fastest.end() || trial.median_ms < so_far->second))
        fastest[trial.signature] = trial.median_ms;
      add(std::move(trial));
    } catch (const UserError&) {
      if (i + 1 == lines.size() && !ends_in_newline) {
        std::fprintf(stderr, "%s: warning: skipping a cut-off last line\n", where.c_str());
        continue;
      }
      throw;
    }
  }
}

void TuningLog::append(Trial trial) {
  if (!path_.empty()) {
    nlohmann::json json = {{"signature", trial.signature}, {"kernel", trial.kernel},
                           {"schedule", format_kernel_schedule(trial.schedule)},
                           {"median_ms", trial.median_ms}, {"correct", trial.correct}, {"kept", trial.kept},
                           {"when", trial.when}};
    if (!trial.error.empty()) json["error"] = trial.error;
    std::ofstream out(path_, std::ios::app);
    out << json.dump() << "\n" << std::flush;
    if (!out) throw UserError("error: cannot write the tuning log " + path_);
  }
  add(std::move(trial));
}

void TuningLog::add(Trial trial) {
  by_signature_[trial.signature].push_back(trials_.size());
  trials_.push_back(std::move(trial));
}

bool TuningLog::tried(const std::string& signature, const KernelSchedule& schedule) const {
  auto found = by_signature_.find(signature);
  if (found == by_signature_.end()) return false;
  for (size_t i : found->second)
    if (trials_[i].schedule == schedule) return true;
  return false;
}

std::optional<Trial> TuningLog::best(const std::string& signature) const {
  auto found = by_signature_.find(signature);
  if (found == by_signature_.end()) return std::nullopt;
  for (auto i = found->second.rbegin(); i != found->second.rend(); ++i)
    if (trials_[*i].correct && trials_[*i].kept) return trials_[*i];
  return std::nullopt;
}

}  // namespace kiln
