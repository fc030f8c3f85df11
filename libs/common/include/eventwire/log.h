// Structured JSON logs, one object per line on stderr:
//   {"ts":"2026-11-23T10:00:00.123Z","level":"info","msg":"assigned","partitions":"0,1"}
//
//   eventwire::LogInfo("partitions assigned", {{"count", "3"}});
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventwire {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

using LogFields = std::vector<std::pair<std::string, std::string>>;

// Messages below this level are dropped (default info; EVENTWIRE_LOG_LEVEL overrides).
void SetLogLevel(LogLevel level);
bool ParseLogLevel(std::string_view name, LogLevel* level);

void Log(LogLevel level, std::string_view msg, const LogFields& fields = {});
inline void LogDebug(std::string_view msg, const LogFields& f = {}) { Log(LogLevel::kDebug, msg, f); }
inline void LogInfo(std::string_view msg, const LogFields& f = {}) { Log(LogLevel::kInfo, msg, f); }
inline void LogWarn(std::string_view msg, const LogFields& f = {}) { Log(LogLevel::kWarn, msg, f); }
inline void LogError(std::string_view msg, const LogFields& f = {}) { Log(LogLevel::kError, msg, f); }

}  // namespace eventwire
