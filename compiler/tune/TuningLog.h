#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "schedule/Schedule.h"

namespace kiln {

// One measured candidate: a kernel (by signature) under a schedule.
struct Trial {
  std::string signature;
  std::string kernel;  // the name it had in the network tuned, for readers
  KernelSchedule schedule;
  double median_ms = 0;
  bool correct = true;  // outputs matched the default schedule's
  std::string when;     // UTC, ISO 8601
  // It beat the best schedule before it in a paired measurement (both
  // networks timed in turns), so the tuner moved on from it. A default is
  // kept when its signature has no best yet. Logs written before paired
  // measurement lack the field: there a trial was kept when it was the
  // fastest correct one so far.
  bool kept = true;
  // Why it failed, when it did not run to the end: a crash, a time-out,
  // outputs that differ, a compile error ("" otherwise, and in older logs).
  std::string error;
};

// The tuning log: JSON Lines, one trial per line, appended and flushed as
// trials finish, so that an interrupted tune loses nothing; logs merge with
// `cat`. A cut-off last line (the process killed mid-write) is skipped.
class TuningLog {
 public:
  explicit TuningLog(std::string path);  // "" keeps trials in memory only

  void append(Trial trial);
  const std::vector<Trial>& trials() const { return trials_; }
  bool tried(const std::string& signature, const KernelSchedule& schedule) const;
  // The last kept trial of this signature: each kept trial beat the one
  // kept before it (times measured minutes apart on a shared machine are
  // not compared).
  std::optional<Trial> best(const std::string& signature) const;

 private:
  void add(Trial trial);

  std::string path_;
  std::vector<Trial> trials_;
  // Indices into trials_ by signature: a kernel at a local optimum asks of
  // a thousand schedules two moves away whether they were tried.
  std::map<std::string, std::vector<size_t>> by_signature_;
};

std::string utc_now();

}  // namespace kiln
