// Package deploy holds no code: its tests check the deployment files in this
// directory (Docker, Compose, Kubernetes, systemd, Redis, Prometheus,
// Grafana) with the real tools where the machine has them (kustomize as a
// library, redis-server, systemd-analyze, promtool) and structurally in Go
// otherwise. No Docker engine or Kubernetes cluster is needed.
package deploy

import (
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"gatekeeper/internal/gate"
	"gatekeeper/internal/metrics"
	"gatekeeper/internal/store"
)

// requireAll is set in CI: a missing tool fails instead of skipping.
var requireAll = os.Getenv("GATEKEEPER_REQUIRE_ALL") == "1"

// tool returns the path of a command, or skips (fails under
// GATEKEEPER_REQUIRE_ALL=1) with how to install it.
func tool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if requireAll {
			t.Fatalf("%s not found (GATEKEEPER_REQUIRE_ALL=1): %s", name, install)
		}
		t.Skipf("%s not found: %s", name, install)
	}
	return p
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// yamlDocs decodes every document of a YAML file.
func yamlDocs(t *testing.T, path string) []any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readFile(t, path)))
	var docs []any
	for {
		var doc any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, len(docs)+1, err)
		}
		docs = append(docs, doc)
	}
}

func TestEveryYAMLFileParses(t *testing.T) {
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yml" || ext == ".yaml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 12 {
		t.Fatalf("found only %d YAML files: %v", len(files), files)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			docs := yamlDocs(t, f)
			if len(docs) == 0 {
				t.Fatalf("%s has no YAML document", f)
			}
			for i, d := range docs {
				if d == nil {
					t.Errorf("%s: document %d is empty", f, i+1)
				}
			}
		})
	}
}

// dockerfile is the instructions of a Dockerfile, continuation lines joined.
type instruction struct{ cmd, args string }

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	var out []instruction
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, path)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasPrefix(line, "#") { // comment inside a continued instruction
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	if cur.Len() > 0 {
		t.Fatalf("%s ends inside a continued line", path)
	}
	return out
}

var ldflagsRE = regexp.MustCompile(`-ldflags\s+"([^"]*)"`)

func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "Dockerfile")
	var froms []string
	lastFrom, user, exposed, buildLine := -1, "", false, ""
	env := map[string]bool{}
	for i, in := range ins {
		switch in.cmd {
		case "FROM":
			froms = append(froms, in.args)
			lastFrom, user = i, ""
		case "USER":
			user = in.args
		case "EXPOSE":
			exposed = exposed || strings.Fields(in.args)[0] == "8080"
		case "ENV":
			for _, f := range strings.Fields(in.args) {
				env[f] = true
			}
		case "RUN":
			if strings.Contains(in.args, "go build") {
				buildLine = in.args
			}
		case "HEALTHCHECK":
			if lastFrom >= 0 && strings.Contains(froms[len(froms)-1], "distroless") {
				t.Errorf("HEALTHCHECK in a distroless stage cannot run (no shell or curl)")
			}
		}
	}
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, got FROM %v", froms)
	}
	if !strings.HasPrefix(froms[0], "golang:") || !strings.Contains(froms[0], " AS build") {
		t.Errorf("first stage %q: want golang:... AS build", froms[0])
	}
	final := froms[len(froms)-1]
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("final stage %q: want distroless static or scratch", final)
	}
	if user == "" || user == "root" || strings.HasPrefix(user, "0") {
		t.Errorf("final stage USER = %q, want a non-root user", user)
	}
	if !exposed {
		t.Errorf("EXPOSE 8080 missing")
	}
	if !env["GATEKEEPER_ADDR=:8080"] {
		// The binary's default is loopback only; a container must listen on every interface.
		t.Errorf("the final stage does not set GATEKEEPER_ADDR=:8080")
	}
	if !env["CGO_ENABLED=0"] {
		t.Errorf("CGO_ENABLED=0 not set for the build")
	}
	for _, want := range []string{"-trimpath", "./cmd/gatekeeper", "-o /out/gatekeeper"} {
		if !strings.Contains(buildLine, want) {
			t.Errorf("go build line lacks %q: %s", want, buildLine)
		}
	}
	m := ldflagsRE.FindStringSubmatch(buildLine)
	if m == nil || !strings.HasPrefix(m[1], "-s -w") {
		t.Fatalf("go build wants -ldflags \"-s -w ...\": %s", buildLine)
	}
	// Every -X must name a package-level string variable that exists, or the
	// linker ignores it silently.
	for _, x := range regexp.MustCompile(`-X\s+(\S+)\.(\w+)=`).FindAllStringSubmatch(m[1], -1) {
		pkg, name := x[1], x[2]
		dir := filepath.Join("..", strings.TrimPrefix(pkg, "gatekeeper/"))
		if pkg == "main" {
			dir = filepath.Join("..", "cmd", "gatekeeper")
		}
		if !packageHasVar(t, dir, name) {
			t.Errorf("-X %s.%s: no such variable in %s", pkg, name, dir)
		}
	}
}

func packageHasVar(t *testing.T, dir, name string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, s := range gd.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					if n.Name == name {
						return true
					}
				}
			}
		}
	}
	return false
}

// TestDockerBuildIsStatic builds ./cmd/gatekeeper with the Dockerfile's
// exact flags and checks the result needs no dynamic loader (distroless
// static has none) and that `gatekeeper version` prints the VERSION the
// image was built with (not "dev": the flags name the variable the program
// reads).
func TestDockerBuildIsStatic(t *testing.T) {
	if _, err := os.Stat("../cmd/gatekeeper"); err != nil {
		if requireAll {
			t.Fatalf("../cmd/gatekeeper: %v", err)
		}
		t.Skipf("../cmd/gatekeeper not there yet: %v", err)
	}
	var buildLine string
	for _, in := range parseDockerfile(t, "Dockerfile") {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			buildLine = in.args
		}
	}
	const version = "v9.8.7-image"
	ldflags := strings.NewReplacer("${VERSION}", version, "${REVISION}", "0123abc").Replace(ldflagsRE.FindStringSubmatch(buildLine)[1])
	out := filepath.Join(t.TempDir(), "gatekeeper")
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, "./cmd/gatekeeper")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatalf("binary asks for a dynamic loader: not static")
		}
	}
	if s := f.Section(".symtab"); s != nil {
		t.Errorf("binary keeps its symbol table: -s missing")
	}
	got, err := exec.Command(out, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("gatekeeper version: %v\n%s", err, got)
	}
	if strings.TrimSpace(string(got)) != "gatekeeper "+version {
		t.Fatalf("gatekeeper version printed %q, want %q", strings.TrimSpace(string(got)), "gatekeeper "+version)
	}
}

// TestMetricNamesExist checks that every gatekeeper_* series the dashboard
// and the alerts query is one the metrics package exports.
func TestMetricNamesExist(t *testing.T) {
	exported := exportedSeries(t)
	metricRE := regexp.MustCompile(`\bgatekeeper_[a-z0-9_]+`)
	check := func(where, expr string) {
		for _, name := range metricRE.FindAllString(expr, -1) {
			if !exported[name] {
				t.Errorf("%s queries %s, which the metrics package does not export", where, name)
			}
		}
	}
	exprs := dashboardExprs(t)
	if len(exprs) < 15 {
		t.Fatalf("dashboard has only %d queries", len(exprs))
	}
	for where, e := range exprs {
		check("grafana "+where, e)
	}
	for name, e := range alertExprs(t) {
		check("alert "+name, e)
	}
}

// exportedSeries scrapes a fresh Metrics after one observation of each kind
// and returns every series name a query can use (histograms as
// _bucket/_sum/_count).
func exportedSeries(t *testing.T) map[string]bool {
	t.Helper()
	gin.SetMode(gin.TestMode)
	m := metrics.New(metrics.Options{MaxOutlets: 1})
	m.ObserveDecision("allow", gate.ModeLive)
	m.ObserveStore("check", time.Millisecond, store.ErrUnavailable)
	m.SetOutboxPending(func() float64 { return 1 })
	m.SetOutletShare("a", 0.1)
	m.SetOutletShare("b", 0.2)
	r := gin.New()
	r.Use(m.GinMiddleware())
	r.POST("/v1/outlets/:outlet/check", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/v1/outlets/a/check", nil))

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for name, f := range fams {
		out[name] = true
		if f.GetType().String() == "HISTOGRAM" {
			out[name+"_bucket"], out[name+"_sum"], out[name+"_count"] = true, true, true
		}
	}
	for _, want := range []string{
		"gatekeeper_decisions_total", "gatekeeper_http_request_duration_seconds_bucket",
		"gatekeeper_store_operation_duration_seconds_bucket", "gatekeeper_store_errors_total",
		"gatekeeper_outbox_pending", "gatekeeper_outlet_negative_share", "gatekeeper_build_info",
		"gatekeeper_outlet_share_aggregated_outlets",
	} {
		if !out[want] {
			names := make([]string, 0, len(out))
			for n := range out {
				names = append(names, n)
			}
			sort.Strings(names)
			t.Fatalf("scrape lacks %s: %v", want, names)
		}
	}
	return out
}

// TestBenchLayersPatchApplies: deploy/scripts/bench-layers.sh measures each
// layer of a check by patching a copy of the tree; the patch must still apply
// to the code as it is, or the measurement cannot be made again.
func TestBenchLayersPatchApplies(t *testing.T) {
	git := tool(t, "git", "apt-get install -y git")
	for _, args := range [][]string{
		{git, "-C", "..", "apply", "--check", "deploy/scripts/bench-layers.patch"},
		{tool(t, "bash", "apt-get install -y bash"), "-n", "scripts/bench-layers.sh"},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestBenchLayersPatchBuilds builds the service from a copy of this tree's
// Go code with bench-layers.patch applied: a patch that applies but no
// longer compiles would stop bench-layers.sh as surely as one that does not
// apply.
func TestBenchLayersPatchBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the service (-short)")
	}
	git := tool(t, "git", "apt-get install -y git")
	goBin := tool(t, "go", "the Go toolchain")
	dir := t.TempDir()
	out, err := exec.Command(git, "-C", "..", "ls-files", "-z", "--", "go.mod", "go.sum", "cmd", "handler", "internal", "policy").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join("..", name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	patch, err := filepath.Abs("scripts/bench-layers.patch")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{git, "apply", patch},
		{goBin, "build", "-o", os.DevNull, "./cmd/gatekeeper"},
		{goBin, "vet", "./handler", "./internal/gate", "./internal/store/redisstore"},
	} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s (in a copy of the tree): %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
