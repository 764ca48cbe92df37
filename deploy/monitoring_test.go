package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const promtoolInstall = "apt-get install -y --no-install-recommends prometheus (ships promtool)"

type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID      int    `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	GridPos *struct {
		X, Y, W, H int
	} `json:"gridPos"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	FieldConfig struct {
		Defaults struct {
			Unit       string `json:"unit"`
			Thresholds *struct {
				Steps []struct {
					Value *float64 `json:"value"`
				} `json:"steps"`
			} `json:"thresholds"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Panels []panel `json:"panels"` // collapsed rows
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	var d dashboard
	if err := json.Unmarshal(readFile(t, "grafana/gatekeeper.json"), &d); err != nil {
		t.Fatalf("grafana/gatekeeper.json: %v", err)
	}
	return d
}

// dashboardExprs returns every PromQL query of the dashboard by "panel/ref".
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	d := loadDashboard(t)
	out := map[string]string{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				if tg.Expr != "" {
					out[fmt.Sprintf("%d %s/%s", p.ID, p.Title, tg.RefID)] = tg.Expr
				}
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if q, ok := v.Query.(map[string]any); ok {
			if s, ok := q["query"].(string); ok && strings.Contains(s, "gatekeeper_") {
				out["variable "+v.Name] = s
			}
		}
	}
	return out
}

func TestGrafanaDashboard(t *testing.T) {
	d := loadDashboard(t)
	if d.UID == "" || d.Title == "" {
		t.Errorf("dashboard needs a uid and a title")
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
	}
	if vars["datasource"] != "datasource" {
		t.Errorf("want a datasource variable, got %v", vars)
	}
	ids := map[int]bool{}
	limitLine := false
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if ids[p.ID] {
				t.Errorf("panel id %d used twice", p.ID)
			}
			ids[p.ID] = true
			if p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.H == 0 {
				t.Errorf("panel %q has no size", p.Title)
			}
			if p.Type != "row" {
				if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
					t.Errorf("panel %q does not use the datasource variable", p.Title)
				}
				if len(p.Targets) == 0 {
					t.Errorf("panel %q has no query", p.Title)
				}
			}
			if th := p.FieldConfig.Defaults.Thresholds; th != nil && strings.Contains(strings.Join(exprsOf(p), " "), "gatekeeper_outlet_negative_share") {
				for _, s := range th.Steps {
					if s.Value != nil && *s.Value == 0.15 {
						limitLine = true
					}
				}
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	if !limitLine {
		t.Errorf("no per-outlet share panel draws the 15%% limit (threshold 0.15)")
	}
	all := strings.Join(mapValues(dashboardExprs(t)), "\n")
	for _, want := range []string{
		`sum by (verdict) (rate(gatekeeper_decisions_total`,
		`histogram_quantile(0.5, `, `histogram_quantile(0.99, `,
		`gatekeeper_store_errors_total`, `gatekeeper_outbox_pending`, `gatekeeper_outlet_negative_share`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("dashboard lacks a query with %q", want)
		}
	}
}

func exprsOf(p panel) []string {
	var out []string
	for _, tg := range p.Targets {
		out = append(out, tg.Expr)
	}
	return out
}

func mapValues(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(m))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func alertExprs(t *testing.T) map[string]string {
	t.Helper()
	var rf ruleFile
	if err := yaml.Unmarshal(readFile(t, "prometheus/alerts.yml"), &rf); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			out[r.Alert] = r.Expr
		}
	}
	return out
}

func TestAlertsStructure(t *testing.T) {
	var rf ruleFile
	if err := yaml.Unmarshal(readFile(t, "prometheus/alerts.yml"), &rf); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" {
				t.Errorf("rule without alert name or expr: %+v", r)
			}
			if seen[r.Alert] {
				t.Errorf("alert %s defined twice", r.Alert)
			}
			seen[r.Alert] = true
			if r.Labels["severity"] == "" {
				t.Errorf("%s: no severity label", r.Alert)
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: summary and description required", r.Alert)
			}
		}
	}
	// The four the operators asked for.
	for _, want := range []string{"GatekeeperStoreErrors", "GatekeeperUnavailableAnswers", "GatekeeperOutboxBacklog", "GatekeeperOutletOverLimit"} {
		if !seen[want] {
			t.Errorf("alert %s missing", want)
		}
	}
}

// TestPromtool checks the rules, runs their unit tests, and checks the
// syntax of every dashboard query by loading them as recording rules.
func TestPromtool(t *testing.T) {
	promtool := tool(t, "promtool", promtoolInstall)
	run := func(args ...string) {
		t.Helper()
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("check", "rules", "prometheus/alerts.yml")
	run("test", "rules", "prometheus/alerts_test.yml")

	repl := strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$outlet", ".*")
	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []rule
	exprs := dashboardExprs(t)
	keys := make([]string, 0, len(exprs))
	for k := range exprs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		e := exprs[k]
		if strings.HasPrefix(k, "variable ") {
			continue // label_values() is Grafana's, not PromQL
		}
		rules = append(rules, rule{Record: fmt.Sprintf("dashboard:query_%d", i), Expr: repl.Replace(e)})
	}
	b, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}})
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "dashboard-queries.yml")
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	run("check", "rules", f)
}

// scrapeTargets are the static targets of job in prometheus/scrape.yml.
func scrapeTargets(t *testing.T, job string) []string {
	t.Helper()
	var cfg struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			MetricsPath   string `yaml:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(readFile(t, "prometheus/scrape.yml"), &cfg); err != nil {
		t.Fatalf("prometheus/scrape.yml: %v", err)
	}
	var out []string
	for _, sc := range cfg.ScrapeConfigs {
		if sc.JobName == job {
			for _, s := range sc.StaticConfigs {
				out = append(out, s.Targets...)
			}
		}
	}
	return out
}

// TestPromtoolScrapeConfig checks prometheus/scrape.yml (and the rule file
// it names) with promtool.
func TestPromtoolScrapeConfig(t *testing.T) {
	promtool := tool(t, "promtool", promtoolInstall)
	out, err := exec.Command(promtool, "check", "config", "prometheus/scrape.yml").CombinedOutput()
	if err != nil {
		t.Errorf("promtool check config prometheus/scrape.yml: %v\n%s", err, out)
	}
}
