# The two entry points of the README. Everything real lives in CMake; this only sequences it.
JOBS ?= $(shell nproc)
RELEASE_DIR := build/release
SANITIZE_DIR := build/sanitize
KOKORO_PORT ?= 8880

.PHONY: run test check deps release sanitize unit fuzz clean

run: deps release
	@$(RELEASE_DIR)/kokoro download --if-missing
	exec $(RELEASE_DIR)/kokoro serve --port $(KOKORO_PORT)

# Unit tests run under ASan/UBSan; integration tests (CLI, purity, server, image) drive Release.
test: deps release sanitize
	ctest --test-dir $(SANITIZE_DIR) -L unit --output-on-failure -j $(JOBS)
	ctest --test-dir $(RELEASE_DIR) -L integration --output-on-failure
	scripts/fuzz.sh 15

# The quick loop for development: everything but the tests labelled slow, no fuzzing; the
# clang build of the fuzz targets is included so that what `make test` compiles also compiles here.
check: release sanitize
	ctest --test-dir $(SANITIZE_DIR) -L unit --output-on-failure -j $(JOBS)
	ctest --test-dir $(RELEASE_DIR) -L integration -LE slow --output-on-failure
	scripts/fuzz.sh --build-only

fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

deps:
	@scripts/bootstrap.sh

release:
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(RELEASE_DIR) -j $(JOBS)

sanitize:
	cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=Sanitize >/dev/null
	cmake --build $(SANITIZE_DIR) -j $(JOBS)

unit: sanitize
	ctest --test-dir $(SANITIZE_DIR) -L unit --output-on-failure -j $(JOBS)

clean:
	rm -rf build
