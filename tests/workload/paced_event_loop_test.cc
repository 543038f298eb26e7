// The real-time driver of the event engine: events in order as the wall clock
// reaches them, closures posted from other threads run on the loop's thread,
// a stop (call or flag) ends the loop, a closed inbox refuses posts.
#include "tflo/workload/paced_event_loop.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/workload/event_engine.h"

namespace tflo::workload {
namespace {

TEST(PacedEventLoopTest, RunsTheEventsDueBeforeTheEndInOrder) {
  EventEngine engine;
  std::string order;
  engine.At(3 * kMillisecond, [&] { order += "d"; });
  engine.At(1 * kMillisecond, [&] { order += "a"; });
  engine.At(2 * kMillisecond, [&] { order += "c"; });
  engine.At(1 * kMillisecond, [&] { order += "b"; });
  engine.At(20 * kMillisecond, [&] { order += "late"; });  // at the end: left for the caller
  PacedEventLoop loop(engine, PacedEventLoop::Clock::now());

  const bool reached_end = loop.RunUntil(20 * kMillisecond);

  EXPECT_TRUE(reached_end);
  EXPECT_EQ(order, "abcd");
  EXPECT_EQ(engine.now(), 20 * kMillisecond - 1);
  ASSERT_TRUE(engine.next_time().has_value());
  EXPECT_EQ(*engine.next_time(), 20 * kMillisecond);
}

TEST(PacedEventLoopTest, EventsRunAtTheirVirtualTimeOnceTheWallClockReachesIt) {
  EventEngine engine;
  std::vector<SimTime> seen;
  std::vector<SimTime> wall_at_run;
  const auto epoch = PacedEventLoop::Clock::now();
  PacedEventLoop loop(engine, epoch);
  for (const SimTime t : {5 * kMillisecond, 15 * kMillisecond}) {
    engine.At(t, [&] {
      seen.push_back(engine.now());
      wall_at_run.push_back(loop.WallNow());
    });
  }

  ASSERT_TRUE(loop.RunUntil(30 * kMillisecond));

  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0], 5 * kMillisecond);
  EXPECT_EQ(seen[1], 15 * kMillisecond);
  // Never early: an event runs when the wall clock has reached its time.
  EXPECT_GE(wall_at_run[0], 5 * kMillisecond);
  EXPECT_GE(wall_at_run[1], 15 * kMillisecond);
}

TEST(PacedEventLoopTest, PostedClosuresRunOnTheLoopThreadAndScheduleFromNow) {
  EventEngine engine;
  PacedEventLoop loop(engine, PacedEventLoop::Clock::now());
  const std::thread::id loop_thread = std::this_thread::get_id();
  std::thread::id ran_on;
  SimTime posted_at = -1;
  SimTime event_at = -1;
  std::thread poster([&] {
    EXPECT_TRUE(loop.Post([&] {
      ran_on = std::this_thread::get_id();
      posted_at = engine.now();
      engine.After(kMillisecond, [&] {
        event_at = engine.now();
        loop.RequestStop();
      });
    }));
  });

  const bool reached_end = loop.RunUntil(3600 * kSecond);
  poster.join();

  EXPECT_FALSE(reached_end);
  EXPECT_EQ(ran_on, loop_thread);
  EXPECT_GE(posted_at, 0);
  EXPECT_EQ(event_at, posted_at + kMillisecond);
}

TEST(PacedEventLoopTest, RequestStopFromAnotherThreadEndsTheRun) {
  EventEngine engine;
  bool hour_event_ran = false;
  engine.At(3600 * kSecond, [&] { hour_event_ran = true; });
  PacedEventLoop loop(engine, PacedEventLoop::Clock::now());
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    loop.RequestStop();
  });

  const bool reached_end = loop.RunUntil(7200 * kSecond);
  stopper.join();

  EXPECT_FALSE(reached_end);
  EXPECT_TRUE(loop.stop_requested());
  EXPECT_FALSE(hour_event_ran);
  EXPECT_LT(engine.now(), 3600 * kSecond);
}

TEST(PacedEventLoopTest, AStopFlagSetElsewhereIsNoticed) {
  EventEngine engine;
  std::atomic<bool> stop{false};
  PacedEventLoop loop(engine, PacedEventLoop::Clock::now());
  loop.set_stop_flag(&stop, std::chrono::milliseconds(5));
  std::thread setter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop.store(true);  // what a signal handler does: no notification
  });

  const bool reached_end = loop.RunUntil(3600 * kSecond);
  setter.join();

  EXPECT_FALSE(reached_end);
  EXPECT_TRUE(loop.stop_requested());
}

TEST(PacedEventLoopTest, ClosingTheInboxRunsWhatIsQueuedAndRefusesLaterPosts) {
  EventEngine engine;
  PacedEventLoop loop(engine, PacedEventLoop::Clock::now());
  int ran = 0;
  ASSERT_TRUE(loop.Post([&] { ++ran; }));
  ASSERT_TRUE(loop.Post([&] { ++ran; }));

  loop.CloseInbox();
  const bool accepted = loop.Post([&] { ran += 100; });
  loop.CloseInbox();

  EXPECT_EQ(ran, 2);
  EXPECT_FALSE(accepted);
}

TEST(PacedEventLoopTest, AStopRequestedBeforeTheRunReturnsAtOnce) {
  EventEngine engine;
  bool ran = false;
  engine.At(0, [&] { ran = true; });
  PacedEventLoop loop(engine, PacedEventLoop::Clock::now());
  loop.RequestStop();

  EXPECT_FALSE(loop.RunUntil(kSecond));
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace tflo::workload
