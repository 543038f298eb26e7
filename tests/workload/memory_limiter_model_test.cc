#include "tflo/workload/memory_limiter_model.h"

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/workload/event_engine.h"

namespace tflo::workload {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

core::MemoryLimiterConfig Limiter(int64_t limit_mib, int64_t spike_mib) {
  core::MemoryLimiterConfig config;
  config.id = "memory_limiter";
  config.check_interval = std::chrono::seconds(1);
  config.limit_mib = limit_mib;
  config.spike_limit_mib = spike_mib;
  return config;
}

TEST(MemoryLimiterConfigTest, SpikeDefaultsToAFifthOfTheLimit) {
  const core::MemoryLimiterConfig config = Limiter(100, 0);

  EXPECT_EQ(config.HardLimitBytes(0), 100 * kMiB);
  EXPECT_EQ(config.SpikeLimitBytes(0), 20 * kMiB);
}

TEST(MemoryLimiterConfigTest, PercentagesUseTheTotalMemory) {
  core::MemoryLimiterConfig config = Limiter(0, 0);
  config.limit_percentage = 50;

  EXPECT_EQ(config.HardLimitBytes(1000 * kMiB), 500 * kMiB);
  EXPECT_EQ(config.SpikeLimitBytes(1000 * kMiB), 100 * kMiB);  // 500 / 5
  config.spike_limit_percentage = 10;
  EXPECT_EQ(config.SpikeLimitBytes(1000 * kMiB), 100 * kMiB);  // 10 % of 1000
  config.limit_mib = 300;                                      // a fixed limit wins
  EXPECT_EQ(config.HardLimitBytes(1000 * kMiB), 300 * kMiB);
}

TEST(CollectorMemoryModelTest, HeapIsBasePlusBytesPerSpan) {
  const CollectorMemoryModel memory;  // 64 MiB + 2048 B per span

  EXPECT_EQ(memory.HeapBytes(0), 64 * kMiB);
  EXPECT_EQ(memory.HeapBytes(1000), 64 * kMiB + 2048000);
}

TEST(MemoryLimiterModelTest, RefusesFromTheSoftLimitUntilACheckSeesLessMemory) {
  // Hard 100 MiB, spike 20 MiB: soft limit 80 MiB. Checks at 1, 2, 3 s.
  EventEngine engine;
  int64_t heap = 200 * kMiB;  // above everything, but not yet checked
  MemoryLimiterModel limiter(engine, Limiter(100, 20), 0, [&] { return heap; });
  std::vector<bool> admitted;
  limiter.Start();
  engine.At(500 * kMillisecond, [&] { admitted.push_back(limiter.Admit(3)); });  // no check yet
  engine.At(900 * kMillisecond, [&] { heap = 80 * kMiB; });                      // exactly soft
  engine.At(1500 * kMillisecond, [&] { admitted.push_back(limiter.Admit(4)); });
  engine.At(1900 * kMillisecond, [&] { heap = 80 * kMiB - 1; });
  engine.At(2500 * kMillisecond, [&] { admitted.push_back(limiter.Admit(5)); });
  engine.At(3500 * kMillisecond, [&] { limiter.Shutdown(); });

  engine.Run();

  EXPECT_EQ(limiter.soft_limit_bytes(), 80 * kMiB);
  EXPECT_EQ(admitted, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(limiter.stats().accepted_spans, 8U);
  EXPECT_EQ(limiter.stats().refused_spans, 4U);
  EXPECT_EQ(limiter.stats().checks, 3U);
  EXPECT_EQ(limiter.stats().checks_above_soft, 1U);
  EXPECT_EQ(limiter.stats().checks_above_hard, 0U);
  EXPECT_EQ(limiter.stats().max_heap_bytes, 80 * kMiB);
}

TEST(MemoryLimiterModelTest, CountsChecksAboveTheHardLimit) {
  EventEngine engine;
  MemoryLimiterModel limiter(engine, Limiter(100, 20), 0, [] { return 100 * kMiB; });
  limiter.Start();
  engine.At(2500 * kMillisecond, [&] { limiter.Shutdown(); });

  engine.Run();

  EXPECT_TRUE(limiter.refusing());
  EXPECT_EQ(limiter.stats().checks, 2U);
  EXPECT_EQ(limiter.stats().checks_above_hard, 2U);
}

TEST(MemoryLimiterModelTest, ShutdownStopsTheTicker) {
  EventEngine engine;
  MemoryLimiterModel limiter(engine, Limiter(100, 20), 0, [] { return 0; });
  limiter.Start();
  limiter.Shutdown();

  engine.Run();  // would never return with a live ticker

  EXPECT_EQ(limiter.stats().checks, 0U);
  EXPECT_EQ(engine.events_run(), 1U);  // the stale tick, which did nothing
}

}  // namespace
}  // namespace tflo::workload
