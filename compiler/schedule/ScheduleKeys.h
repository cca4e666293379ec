#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "schedule/Schedule.h"

namespace kiln {

// The values the tuner tries for an integer key, from its current value and
// the target's native vector width (in floats).
using KeyMoves = std::vector<int> (*)(int current, int lanes);

// One key of the schedule file: its name, the KernelSchedule field it sets
// (whose type says which values it takes), what it means, and how the tuner
// moves it. The one table of them (schedule_keys) drives parsing, writing,
// equality, the error messages and the tuner's single-field moves; adding a
// key is a field in Schedule.h and a row in ScheduleKeys.cpp.
struct ScheduleKey {
  using Field = std::variant<bool KernelSchedule::*, int KernelSchedule::*, VectorAxis KernelSchedule::*,
                             TensorLayout KernelSchedule::*, Precision KernelSchedule::*,
                             std::string KernelSchedule::*>;
  const char* name;
  Field field;
  const char* help;
  bool with_autoscheduler = false;  // it still applies where an autoscheduler decides the loops
  bool toggled = false;             // boolean keys: the tuner tries the other value
  int least = 0;                    // integer keys: the smallest value allowed
  KeyMoves moves = nullptr;         // integer keys: the values the tuner tries
};

// Every key, in the order schedule files list them.
const std::vector<ScheduleKey>& schedule_keys();
// The key called `name`, or nullptr.
const ScheduleKey* find_schedule_key(const std::string& name);
// "a, b, ... or z": every key's name, for messages.
std::string schedule_key_list();
// "a, b and c": the keys that go with an autoschedule key, for messages.
std::string autoscheduler_key_list();

// "f32", "bf16": as the schedule file and --precision write them.
std::string precision_name(Precision precision);
std::optional<Precision> parse_precision(const std::string& text);

// `key`'s value in `schedule`, as the file writes it.
std::string key_value(const KernelSchedule& schedule, const ScheduleKey& key);
// Sets `key` of `schedule` from its text; returns why the text is no value
// of the key ("" when it was set).
std::string set_key(KernelSchedule& schedule, const ScheduleKey& key, const std::string& text);

}  // namespace kiln
