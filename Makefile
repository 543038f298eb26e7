# The commands of the README, and their parts.
#   make demo   installs what is missing, builds, runs `tflo demo`
#   make test   installs what is missing, builds, runs every test
#   make bench  builds tflo_bench in a Release tree and prints the median of 5 runs
#   make stack-local  the no-Docker stack: Debian's prometheus + the real-time workload
#                     (scripts/stack-local.sh; Ctrl-C stops both; see stack/README.md)
BUILD ?= build
JOBS ?= 2
DEMO_OUT ?= demo-out
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTFLO_WERROR=ON
BENCH_BUILD ?= build-release
BENCH_ARGS ?= --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

.PHONY: deps configure build demo test bench stack-local clean

deps:
	bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	./$(BUILD)/cli/tflo demo --out $(DEMO_OUT)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 600

# Release without -Werror: GCC 12 at -O3 reports false -Wrestrict positives inside
# libstdc++'s std::string code (GCC bug 105329).
bench: deps
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BENCH_BUILD) --target tflo_bench -j$(JOBS)
	./$(BENCH_BUILD)/tests/bench/tflo_bench $(BENCH_ARGS)

stack-local: build
	bash scripts/stack-local.sh --tflo $(BUILD)/cli/tflo

clean:
	rm -rf $(BUILD) $(BENCH_BUILD) $(DEMO_OUT)
