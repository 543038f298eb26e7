# syntax=docker/dockerfile:1
# The tflo image: the `tflo` command on Debian 12, nothing else. The stack
# (stack/docker-compose.yml) runs it as the real-time workload; the analyzer
# service will run from the same image.
#
#   docker build -t tflo:dev .
#   docker run --rm tflo:dev --help
#
# Two stages: the build stage has the Debian 12 -dev packages tflo builds
# against (the apt lines of scripts/install-deps.sh, without the test and
# benchmark ones) and builds a Release `tflo`; the runtime stage gets only the
# shared libraries that binary links (gRPC, protobuf, SQLite, yaml-cpp,
# spdlog/fmt, OpenSSL, zlib, jemalloc) and runs as an unprivileged user.
ARG DEBIAN_IMAGE=debian:12.11-slim

FROM ${DEBIAN_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      build-essential cmake pkg-config ca-certificates \
      libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev \
      libeigen3-dev nlohmann-json3-dev libsqlite3-dev libspdlog-dev libfmt-dev \
      libyaml-cpp-dev libcpp-httplib-dev libcli11-dev libssl-dev zlib1g-dev libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release \
      -DTFLO_BUILD_TESTS=OFF -DTFLO_BUILD_BENCHMARKS=OFF \
 && cmake --build /build --target tflo -j"$(nproc)" \
 && strip /build/cli/tflo

FROM ${DEBIAN_IMAGE} AS runtime
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      libgrpc++1.51 libgrpc29 libprotobuf32 libsqlite3-0 libyaml-cpp0.7 \
      libspdlog1.10 libfmt9 libssl3 zlib1g libjemalloc2 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/tflo --create-home tflo
COPY --from=build /build/cli/tflo /usr/local/bin/tflo
# The scenario files and the shipped configs, for runs that name a file.
COPY --from=build /src/workload/scenarios /usr/share/tflo/scenarios
COPY --from=build /src/stack/otel-collector/config.yaml /usr/share/tflo/collector/config.yaml
USER tflo
WORKDIR /var/lib/tflo
EXPOSE 8000
ENTRYPOINT ["tflo"]
CMD ["--help"]
