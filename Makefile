# The two commands of the README, and their parts.
#   make demo   installs what is missing, builds, runs `tflo demo`
#   make test   installs what is missing, builds, runs every test
BUILD ?= build
JOBS ?= 2
DEMO_OUT ?= demo-out
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTFLO_WERROR=ON

.PHONY: deps configure build demo test clean

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

clean:
	rm -rf $(BUILD) $(DEMO_OUT)
