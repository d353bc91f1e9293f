# vertx-channels: build, run and test. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
MVN := ./mvnw -B -q
PY := /usr/bin/python3
JAR := verticles/target/vertx-channels.jar
# Debian packages the build and the tests need (this project's machines are Debian 12).
APT_PACKAGES := erlang-base python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc \
                python3-pytest python3-pytest-asyncio python3-matplotlib python3-tqdm mypy

.PHONY: all deps build run test test-java test-python typecheck check-stubs stubs clean

all: build

## deps: install the Debian packages that are missing (needs root, as on CI)
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

## build: the fat jar verticles/target/vertx-channels.jar (tests skipped)
build: $(JAR)

$(JAR): pom.xml $(shell find proto verticles -name pom.xml -o -path '*/src/main/*' -type f 2>/dev/null)
	$(MVN) install -DskipTests

## JVM options of `make run` (JAVA_OPTS="..." to change). A bounded heap: the JVM's default maximum
## is a quarter of RAM, and G1 uses all that room for garbage before collecting it (a 1 GiB stream
## through a 4 MiB channel peaks at ~1.5 GiB RSS with the defaults, ~360 MiB with these; see README
## "Memory"). The heap must hold every channel's queued messages: raise -Xmx for more.
## 4 MiB regions: 1 MiB Deliveries frames stay ordinary allocations, not humongous ones.
JAVA_OPTS ?= -Xmx256m -XX:G1HeapRegionSize=4m

## run: start a single-node server on 127.0.0.1:9090 (ARGS="--port 9191" to change)
run: build
	java $(JAVA_OPTS) -jar $(JAR) $(ARGS)

## test: every test suite (Java, Python, conformance) and a quick run of the benchmark harness
test: deps test-java check-stubs typecheck test-python conformance bench-quick soak-short

test-java:
	./mvnw -B install

check-stubs: deps
	bash python-grpc-client/scripts/check_stubs.sh

## stubs: regenerate the Python gRPC stubs from proto/ (with Debian's protoc, see python-grpc-client/README.md)
stubs: deps
	bash python-grpc-client/scripts/gen_stubs.sh

## typecheck: mypy, strict on the Python package (config: python-grpc-client/pyproject.toml [tool.mypy])
typecheck: deps
	cd python-grpc-client && mypy

test-python: deps build
	cd python-grpc-client && $(PY) -m pytest -q -p no:cacheprovider tests

clean:
	$(MVN) clean

## conformance: the case catalogue (conformance-tests/cases) on every surface: Java API on the event
## bus, Java gRPC client, Python sync and asyncio, cross-language, ETF codecs. Prints one table
## ending with "conformance: N passed, M failed"; writes conformance-tests/target/conformance/latest.md
## (a test run never rewrites tracked files; conformance-publish copies it to conformance-tests/results/).
.PHONY: conformance conformance-publish
CONFORMANCE_OUT := conformance-tests/target/conformance
conformance: deps build
	@mkdir -p $(CONFORMANCE_OUT) && rm -f $(CONFORMANCE_OUT)/report.txt
	@$(MVN) -pl conformance-tests test -DskipTests=false -Dtest=ConformanceSuite \
	  -Dsurefire.failIfNoSpecifiedTests=false > $(CONFORMANCE_OUT)/maven.log 2>&1; rc=$$?; \
	if [ ! -f $(CONFORMANCE_OUT)/report.txt ]; then \
	  tail -n 60 $(CONFORMANCE_OUT)/maven.log; \
	  echo "conformance: no report (the run broke; see $(CONFORMANCE_OUT)/maven.log)"; exit 1; \
	fi; \
	cat $(CONFORMANCE_OUT)/report.txt; \
	if ! tail -n 1 $(CONFORMANCE_OUT)/report.txt | grep -q '^conformance: [0-9]* passed, 0 failed'; then exit 1; fi; \
	if [ $$rc -ne 0 ]; then echo "maven failed although no case did: see $(CONFORMANCE_OUT)/maven.log"; exit 1; fi

## conformance-publish: copy the last conformance report to the committed example (conformance-tests/results/)
conformance-publish:
	cp $(CONFORMANCE_OUT)/latest.md conformance-tests/results/latest.md

# ---------------------------------------------------------------------------------- benchmark
BENCH_JAR := bench/target/vertx-channels-bench.jar

.PHONY: bench bench-quick bench-publish

$(BENCH_JAR): $(JAR) bench/pom.xml $(shell find bench/src -type f 2>/dev/null)
	$(MVN) install -DskipTests -pl bench

## bench: the benchmark (issues 6 and 14), about 8 minutes on this machine: bench/target/bench/latest.json,
## latest.md, throughput.png (a run never rewrites tracked files; see bench-publish)
bench: deps $(BENCH_JAR)
	$(PY) bench/bench.py

## bench-publish: copy the last full `make bench` run (bench/target/bench) to the committed bench/results/
bench-publish:
	@test -f bench/target/bench/latest.json || { echo "no full run in bench/target/bench: run make bench first"; exit 1; }
	@grep -q '"profile": "full"' bench/target/bench/latest.json || { echo "bench/target/bench holds no full run"; exit 1; }
	cp bench/target/bench/latest.json bench/target/bench/latest.md bench/results/
	@if [ -f bench/target/bench/throughput.png ]; then cp bench/target/bench/throughput.png bench/results/; fi
	@echo "bench/results/ updated from bench/target/bench: review and commit it"

## bench-quick: the same harness with tiny sizes (seconds); ends "bench-quick: N passed, 0 failed", asserts no speed
bench-quick: deps $(BENCH_JAR)
	$(PY) bench/bench.py --quick

# --------------------------------------------------------------------------------------- soak
.PHONY: soak soak-short soak-publish

## soak: load and soak test (issue 8), about 3 minutes: 240 channels, Java + Python sync + asyncio
## producers and consumers in 6 processes for 120 s; checks exactly-once, FIFO, no leak (channels,
## streams, heap back to baseline); writes conformance-tests/target/soak/latest.md, latest.json
soak: deps build
	$(PY) conformance-tests/soak/soak.py

## soak-publish: copy the last `make soak` report to the committed example (conformance-tests/soak/results/)
soak-publish:
	cp conformance-tests/target/soak/latest.md conformance-tests/target/soak/latest.json conformance-tests/soak/results/

## soak-short: the same with 48 channels for 30 s (about a minute; in make test), report in
## conformance-tests/target/soak-short/
soak-short: deps build
	$(PY) conformance-tests/soak/soak.py --short
