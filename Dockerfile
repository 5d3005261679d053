# ticketcache container image: Debian 12 for both stages. The build stage compiles with CMake;
# the runtime stage carries only the shared libraries the binary links and runs as a non-root
# user. Kubernetes probes /healthz and /readyz itself, so there is no HEALTHCHECK.
#   docker build -t ticketcache:0.1.0 .
#   docker run --rm ticketcache:0.1.0 --help

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ca-certificates \
      libcurl4-openssl-dev libssl-dev libsqlite3-dev libmariadb-dev libmongoc-dev libbson-dev \
      libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev libboost-dev \
      libhowardhinnant-date-dev prometheus-cpp-dev libgtest-dev libgmock-dev libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTICKETCACHE_BENCH=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr \
 && cmake --build /build --target ticketcache \
 && strip /build/ticketcache

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libcurl4 libssl3 libsqlite3-0 libmariadb3 libmongoc-1.0-0 libbson-1.0-0 libfmt9 \
      libspdlog1.10 libtomlplusplus3 libdate-tz3 libprometheus-cpp-core1.0 libjemalloc2 \
      tzdata ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 ticketcache \
 && useradd --system --uid 10001 --gid ticketcache --home-dir /var/lib/ticketcache \
      --shell /usr/sbin/nologin ticketcache \
 && install -d -o ticketcache -g ticketcache -m 0750 /var/lib/ticketcache
COPY --from=build /build/ticketcache /usr/bin/ticketcache
COPY examples/ticketcache.toml /usr/share/doc/ticketcache/examples/ticketcache.toml
USER 10001:10001
WORKDIR /var/lib/ticketcache
# serve's default listen address is loopback; in a container set server.listen (the Kubernetes
# manifests set TICKETCACHE_SERVER_LISTEN=0.0.0.0:9464).
EXPOSE 9464
ENTRYPOINT ["ticketcache"]
CMD ["--help"]
