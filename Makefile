# Build, lint and test the connector.
#
#   make build   build every functions/*/ as a Lambda (provided.al2023, arm64)
#                into build/<function>.zip
#   make tools   check the system tools, install the Node tools in infra/local
#                and download the Go modules
#   make lint    gofmt, go vet and staticcheck
#   make test    tools, lint, then every Go test inside a network namespace
#                that has only loopback
#   make demo    a full sync of a simulated site on the local stack
#                (ARGS="-size medium" for a bigger site)
#
# AWS SAM calls the build-<LogicalId> targets (BuildMethod: makefile) with
# ARTIFACTS_DIR set.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

GO ?= go
FUNCTIONS := $(sort $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go)))
LAMBDA_GO_BUILD := GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w'
NODE_MODULES := infra/local/node_modules/.package-lock.json
GO_FILES = $(shell find . -name '*.go' -not -path './.git/*' -not -path './infra/local/node_modules/*' -not -path './build/*')

.PHONY: build tools check-tools lint test demo FORCE
.PHONY: build-CallbackFunction build-OrchestratorFunction build-WorkerFunction build-OnDemandFunction

build: $(FUNCTIONS:%=build/%.zip)
	@for fn in $(FUNCTIONS); do printf '%-32s %9d bytes\n' "build/$$fn.zip" "$$(stat -c %s "build/$$fn.zip")"; done

# go build decides what is stale, so the binary is always handed to it.
build/%/bootstrap: FORCE
	$(LAMBDA_GO_BUILD) -o $@ ./functions/$*

# A fixed modification time keeps the zip the same for the same binary.
build/%.zip: build/%/bootstrap
	@command -v zip >/dev/null || { echo "zip not found: apt-get install zip" >&2; exit 1; }
	touch -d '1980-01-01T00:00:00Z' $<
	rm -f $@
	cd build/$* && zip -q -X ../$*.zip bootstrap

FORCE:

define copy-to-artifacts
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set; sam build sets it, or pass ARTIFACTS_DIR=<directory>" >&2; exit 1; }
	mkdir -p "$(ARTIFACTS_DIR)"
	cp build/$(1)/bootstrap "$(ARTIFACTS_DIR)/bootstrap"
endef

build-CallbackFunction: build/callback/bootstrap
	$(call copy-to-artifacts,callback)

build-OrchestratorFunction: build/orchestrator/bootstrap
	$(call copy-to-artifacts,orchestrator)

build-WorkerFunction: build/worker/bootstrap
	$(call copy-to-artifacts,worker)

build-OnDemandFunction: build/ondemand/bootstrap
	$(call copy-to-artifacts,ondemand)

tools: check-tools $(NODE_MODULES)
	$(GO) mod download

# Reports every missing tool with the Debian package that provides it.
check-tools:
	@missing=0; \
	require() { \
		if ! command -v "$$1" >/dev/null 2>&1; then echo "$$1 not found: $$2" >&2; missing=1; fi; \
	}; \
	require go "install Go 1.26 from https://go.dev/dl/ and add its bin directory to PATH"; \
	require gcc "apt-get install gcc libc6-dev (go test -race needs cgo)"; \
	require java "apt-get install default-jre-headless (DynamoDB Local runs on it)"; \
	require node "apt-get install nodejs"; \
	require npm "apt-get install npm"; \
	require unshare "apt-get install util-linux"; \
	require ip "apt-get install iproute2"; \
	exit $$missing

# npm ci rewrites node_modules/.package-lock.json, so it runs again only when
# the lock file changes.
$(NODE_MODULES): infra/local/package.json infra/local/package-lock.json
	cd infra/local && npm ci --no-audit --no-fund

lint:
	@unformatted="$$(gofmt -l $(GO_FILES))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt -l lists files that need gofmt -w:" >&2; echo "$$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# The tests start servers, and DynamoDB Local listens on every interface, so
# they run in a new network namespace whose only interface is loopback: no
# test can reach or be reached from another host. Root gets the namespace
# directly, and other users get it inside a user namespace. GOPROXY=off makes
# a module that `make tools` did not download fail at once. CI is passed
# through, so the helpers in shared/localaws fail instead of skipping when a
# local stand-in cannot start.
test: tools lint
	@if [ "$$(id -u)" = 0 ]; then ns="unshare --net"; else ns="unshare --user --map-root-user --net"; fi; \
	echo "$$ns: go test -race ./..."; \
	$$ns env CI="$(CI)" GOPROXY=off sh -c 'ip link set lo up && $(GO) test -race -timeout 20m ./...'

# The demo runs a whole sync on a simulated site, in a loopback-only network
# namespace like the tests. Pass flags with ARGS, such as ARGS="-size medium".
demo: tools
	@if [ "$$(id -u)" = 0 ]; then ns="unshare --net"; else ns="unshare --user --map-root-user --net"; fi; \
	$(GO) build -o build/jiractl ./cmd/jiractl; \
	$$ns sh -c 'ip link set lo up && build/jiractl demo $(ARGS)'
