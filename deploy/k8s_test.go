package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// The Kubernetes manifests are rendered with kustomize's own library (the
// code inside `kubectl kustomize`), then every object is decoded strictly
// into the official API types (k8s.io/api), so a misspelt or misplaced field
// fails, and then checked for what Gatekeeper needs.

type kustomization struct {
	Resources       []string                `yaml:"resources"`
	Patches         []struct{ Path string } `yaml:"patches"`
	SecretGenerator []struct {
		Name     string   `yaml:"name"`
		Behavior string   `yaml:"behavior"`
		Envs     []string `yaml:"envs"`
		Literals []string `yaml:"literals"`
	} `yaml:"secretGenerator"`
}

var kustomizeDirs = []string{"k8s/base", "k8s/overlays/sentinel", "k8s/overlays/cluster"}

// TestKustomizationFilesExist checks what each kustomization.yaml refers to.
func TestKustomizationFilesExist(t *testing.T) {
	for _, dir := range kustomizeDirs {
		var k kustomization
		if err := yaml.Unmarshal(readFile(t, filepath.Join(dir, "kustomization.yaml")), &k); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if len(k.Resources) == 0 {
			t.Errorf("%s: no resources", dir)
		}
		for _, r := range k.Resources {
			p := filepath.Join(dir, r)
			st, err := os.Stat(p)
			if err != nil {
				t.Errorf("%s: resource %s: %v", dir, r, err)
				continue
			}
			if st.IsDir() {
				if _, err := os.Stat(filepath.Join(p, "kustomization.yaml")); err != nil {
					t.Errorf("%s: resource dir %s has no kustomization.yaml", dir, r)
				}
			}
		}
		for _, p := range k.Patches {
			if _, err := os.Stat(filepath.Join(dir, p.Path)); err != nil {
				t.Errorf("%s: patch %s: %v", dir, p.Path, err)
			}
		}
		for _, g := range k.SecretGenerator {
			for _, env := range g.Envs {
				// Secrets are never committed: an .example stands for the
				// file and the file itself is git-ignored.
				if _, err := os.Stat(filepath.Join(dir, env+".example")); err != nil {
					t.Errorf("%s: secretGenerator env %s has no %s.example", dir, env, env)
				}
				ignore, _ := os.ReadFile(filepath.Join(dir, ".gitignore"))
				if !strings.Contains("\n"+string(ignore), "\n"+env+"\n") {
					t.Errorf("%s: %s is not in %s/.gitignore", dir, env, dir)
				}
			}
		}
	}
}

// render runs kustomize on a copy of k8s/ in which every overlay's
// redis.env is its redis.env.example.
func render(t *testing.T, dir string) []map[string]any {
	t.Helper()
	tmp := t.TempDir()
	if err := os.CopyFS(filepath.Join(tmp, "k8s"), os.DirFS("k8s")); err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Glob(filepath.Join(tmp, "k8s/overlays/*/*.env.example"))
	for _, ex := range examples {
		if err := os.WriteFile(strings.TrimSuffix(ex, ".example"), readFile(t, ex), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(tmp, dir))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out, err := rm.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	var objs []map[string]any
	for {
		var o map[string]any
		if err := dec.Decode(&o); err != nil {
			break
		}
		objs = append(objs, o)
	}
	return objs
}

// strict decodes obj into dst, failing on any field the type does not have.
func strict(t *testing.T, obj map[string]any, dst any) {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		md, _ := obj["metadata"].(map[string]any)
		t.Fatalf("%v %v: not a valid %T: %v", obj["kind"], md["name"], dst, err)
	}
}

type rendered struct {
	deploy   *appsv1.Deployment
	svc      *corev1.Service
	pdb      *policyv1.PodDisruptionBudget
	hpa      *autoscalingv2.HorizontalPodAutoscaler
	cms      map[string]*corev1.ConfigMap
	secrets  map[string]*corev1.Secret
	sas      map[string]*corev1.ServiceAccount
	byKindNS map[string]bool
}

func decodeAll(t *testing.T, objs []map[string]any) rendered {
	t.Helper()
	r := rendered{cms: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
		sas: map[string]*corev1.ServiceAccount{}, byKindNS: map[string]bool{}}
	for _, o := range objs {
		api, _ := o["apiVersion"].(string)
		kind, _ := o["kind"].(string)
		md, _ := o["metadata"].(map[string]any)
		name, _ := md["name"].(string)
		if api == "" || kind == "" || name == "" {
			t.Fatalf("object without apiVersion, kind or metadata.name: %v", o)
		}
		key := fmt.Sprintf("%s/%s/%v", kind, name, md["namespace"])
		if r.byKindNS[key] {
			t.Errorf("%s defined twice", key)
		}
		r.byKindNS[key] = true
		switch api + " " + kind {
		case "apps/v1 Deployment":
			r.deploy = new(appsv1.Deployment)
			strict(t, o, r.deploy)
		case "v1 Service":
			r.svc = new(corev1.Service)
			strict(t, o, r.svc)
		case "policy/v1 PodDisruptionBudget":
			r.pdb = new(policyv1.PodDisruptionBudget)
			strict(t, o, r.pdb)
		case "autoscaling/v2 HorizontalPodAutoscaler":
			r.hpa = new(autoscalingv2.HorizontalPodAutoscaler)
			strict(t, o, r.hpa)
		case "v1 ConfigMap":
			cm := new(corev1.ConfigMap)
			strict(t, o, cm)
			r.cms[name] = cm
		case "v1 Secret":
			s := new(corev1.Secret)
			strict(t, o, s)
			r.secrets[name] = s
		case "v1 ServiceAccount":
			sa := new(corev1.ServiceAccount)
			strict(t, o, sa)
			r.sas[name] = sa
		default:
			t.Errorf("unexpected object %s %s: add it to this test", api, kind)
		}
	}
	if r.deploy == nil || r.svc == nil || r.pdb == nil || r.hpa == nil || len(r.cms) == 0 || len(r.secrets) == 0 {
		t.Fatalf("want a Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler, ConfigMap and Secret; got %v", r.byKindNS)
	}
	return r
}

// subset reports whether every label of sel is in labels.
func subset(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestKubernetesManifests(t *testing.T) {
	for _, dir := range kustomizeDirs {
		t.Run(dir, func(t *testing.T) {
			r := decodeAll(t, render(t, dir))
			d := r.deploy
			pod := d.Spec.Template
			if d.Spec.Selector == nil || !subset(d.Spec.Selector.MatchLabels, pod.Labels) {
				t.Errorf("Deployment selector %v does not match its pod labels %v", d.Spec.Selector, pod.Labels)
			}
			if !subset(r.svc.Spec.Selector, pod.Labels) {
				t.Errorf("Service selector %v does not match the pods %v", r.svc.Spec.Selector, pod.Labels)
			}
			if r.pdb.Spec.Selector == nil || !subset(r.pdb.Spec.Selector.MatchLabels, pod.Labels) {
				t.Errorf("PDB selector %v does not match the pods %v", r.pdb.Spec.Selector, pod.Labels)
			}
			if r.pdb.Spec.MinAvailable == nil && r.pdb.Spec.MaxUnavailable == nil {
				t.Errorf("PDB sets neither minAvailable nor maxUnavailable")
			}
			ref := r.hpa.Spec.ScaleTargetRef
			if ref.Kind != "Deployment" || ref.Name != d.Name || ref.APIVersion != "apps/v1" {
				t.Errorf("HPA targets %+v, want Deployment %s", ref, d.Name)
			}
			if r.hpa.Spec.MinReplicas == nil || *r.hpa.Spec.MinReplicas < 2 || r.hpa.Spec.MaxReplicas < *r.hpa.Spec.MinReplicas {
				t.Errorf("HPA replicas %v..%d: want at least 2", r.hpa.Spec.MinReplicas, r.hpa.Spec.MaxReplicas)
			}
			if r.pdb.Spec.MinAvailable != nil && r.hpa.Spec.MinReplicas != nil && r.pdb.Spec.MinAvailable.IntValue() >= int(*r.hpa.Spec.MinReplicas) {
				t.Errorf("PDB minAvailable %v blocks every eviction at the HPA's minimum %d", r.pdb.Spec.MinAvailable, *r.hpa.Spec.MinReplicas)
			}

			ps := pod.Spec
			if ps.SecurityContext == nil || ps.SecurityContext.RunAsNonRoot == nil || !*ps.SecurityContext.RunAsNonRoot {
				t.Errorf("pod securityContext.runAsNonRoot must be true")
			}
			if ps.SecurityContext != nil && (ps.SecurityContext.RunAsUser == nil || *ps.SecurityContext.RunAsUser == 0) {
				t.Errorf("pod must run as a numeric non-zero uid (distroless nonroot is 65532)")
			}
			if _, ok := r.sas[ps.ServiceAccountName]; !ok {
				t.Errorf("serviceAccountName %q is not defined", ps.ServiceAccountName)
			}
			if len(ps.Containers) != 1 {
				t.Fatalf("want one container, got %d", len(ps.Containers))
			}
			c := ps.Containers[0]
			ports := map[string]int32{}
			for _, p := range c.Ports {
				ports[p.Name] = p.ContainerPort
			}
			if ports["http"] != 8080 {
				t.Errorf("container port http = %d, want 8080", ports["http"])
			}
			if tp := r.svc.Spec.Ports; len(tp) == 0 || ports[tp[0].TargetPort.String()] == 0 {
				t.Errorf("Service targetPort %v is not a container port", tp)
			}
			// Metrics and the profiler: on the admin port, scraped from the
			// pods by annotation, never through the Service.
			if ports["admin"] != 9090 {
				t.Errorf("container port admin = %d, want 9090", ports["admin"])
			}
			if a := pod.Annotations; a["prometheus.io/port"] != "9090" || a["prometheus.io/path"] != "/metrics" {
				t.Errorf("prometheus.io annotations %v: want port 9090 path /metrics", a)
			}
			adminEnv := ""
			for _, e := range c.Env {
				if e.Name == "GATEKEEPER_ADMIN_ADDR" {
					adminEnv = e.Value
				}
			}
			if adminEnv != ":9090" {
				t.Errorf("GATEKEEPER_ADMIN_ADDR = %q, want \":9090\"", adminEnv)
			}
			for _, p := range r.svc.Spec.Ports {
				if p.TargetPort.String() == "admin" || p.TargetPort.IntValue() == 9090 {
					t.Errorf("the Service exposes the admin port: %+v", p)
				}
			}
			probe := func(name string, p *corev1.Probe, path string) {
				if p == nil || p.HTTPGet == nil {
					t.Errorf("%s probe: want an httpGet probe on %s", name, path)
					return
				}
				if p.HTTPGet.Path != path {
					t.Errorf("%s probe path %q, want %q", name, p.HTTPGet.Path, path)
				}
				if ports[p.HTTPGet.Port.String()] == 0 && p.HTTPGet.Port.IntValue() != 8080 {
					t.Errorf("%s probe port %v is not the container's", name, p.HTTPGet.Port)
				}
			}
			probe("liveness", c.LivenessProbe, "/healthz")
			probe("readiness", c.ReadinessProbe, "/readyz")
			for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, lim := c.Resources.Requests[res], c.Resources.Limits[res]
				if req.IsZero() || lim.IsZero() {
					t.Errorf("resources: %s request and limit both required", res)
				} else if req.Cmp(lim) > 0 {
					t.Errorf("resources: %s request %s above limit %s", res, req.String(), lim.String())
				}
			}
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
				t.Errorf("container securityContext: want readOnlyRootFilesystem, no privilege escalation, drop ALL; got %+v", sc)
			}
			env := map[string]corev1.EnvVar{}
			for _, e := range c.Env {
				env[e.Name] = e
			}
			if e := env["GATEKEEPER_ADDR"]; e.Value != ":8080" {
				// The binary alone listens on loopback; a pod must listen on every interface.
				t.Errorf("GATEKEEPER_ADDR = %q, want \":8080\"", e.Value)
			}
			if e := env["GOMAXPROCS"]; e.ValueFrom == nil || e.ValueFrom.ResourceFieldRef == nil || e.ValueFrom.ResourceFieldRef.Resource != "limits.cpu" {
				t.Errorf("GOMAXPROCS must come from limits.cpu, got %+v", e)
			}
			if e := env["GOMEMLIMIT"]; e.Value != "" {
				soft, err := resource.ParseQuantity(strings.TrimSuffix(e.Value, "B"))
				lim := c.Resources.Limits[corev1.ResourceMemory]
				if err != nil || soft.Cmp(lim) >= 0 {
					t.Errorf("GOMEMLIMIT %q must be below the memory limit %s (%v)", e.Value, lim.String(), err)
				}
			}
			redis := env["GATEKEEPER_REDIS_URL"]
			if redis.ValueFrom == nil || redis.ValueFrom.SecretKeyRef == nil {
				t.Fatalf("GATEKEEPER_REDIS_URL must come from a Secret, got %+v", redis)
			}
			sec, ok := r.secrets[redis.ValueFrom.SecretKeyRef.Name]
			if !ok {
				t.Fatalf("GATEKEEPER_REDIS_URL refers to Secret %q, not rendered (have %v)", redis.ValueFrom.SecretKeyRef.Name, keys(r.secrets))
			}
			url := string(sec.Data[redis.ValueFrom.SecretKeyRef.Key]) + sec.StringData[redis.ValueFrom.SecretKeyRef.Key]
			switch {
			case strings.HasSuffix(dir, "sentinel"):
				if !strings.HasPrefix(url, "redis+sentinel://") || !strings.Contains(url, ":26379") || !strings.HasSuffix(url, "/mymaster") {
					t.Errorf("sentinel overlay URL %q", url)
				}
			case strings.HasSuffix(dir, "cluster"):
				if !strings.HasPrefix(url, "redis://") || strings.Count(url, "addr=") != 2 || !strings.Contains(url, "redis-cluster-headless") {
					t.Errorf("cluster overlay URL %q", url)
				}
			default:
				if !strings.HasPrefix(url, "redis://") {
					t.Errorf("base URL %q", url)
				}
			}
			if strings.HasPrefix(dir, "k8s/overlays/") {
				for key := range r.byKindNS {
					if !strings.HasSuffix(key, "/gatekeeper") {
						t.Errorf("%s: overlay objects belong in namespace gatekeeper", key)
					}
				}
			}
			cfg := env["GATEKEEPER_CONFIG"].Value
			mounted := false
			for _, vm := range c.VolumeMounts {
				if strings.HasPrefix(cfg, vm.MountPath+"/") {
					for _, v := range ps.Volumes {
						if v.Name == vm.Name && v.ConfigMap != nil {
							cm, ok := r.cms[v.ConfigMap.Name]
							if !ok {
								t.Errorf("volume %s: ConfigMap %q not rendered", v.Name, v.ConfigMap.Name)
							} else if _, ok := cm.Data[filepath.Base(cfg)]; !ok {
								t.Errorf("ConfigMap %s has no key %s", cm.Name, filepath.Base(cfg))
							} else {
								var anyCfg map[string]any
								if err := yaml.Unmarshal([]byte(cm.Data[filepath.Base(cfg)]), &anyCfg); err != nil {
									t.Errorf("config.yaml in ConfigMap: %v", err)
								}
								mounted = true
							}
						}
					}
				}
			}
			if !mounted {
				t.Errorf("GATEKEEPER_CONFIG %q is not a file of a mounted ConfigMap", cfg)
			}
			// A read-only root needs somewhere writable for temp files.
			writable := map[string]bool{}
			for _, vm := range c.VolumeMounts {
				writable[vm.MountPath] = !vm.ReadOnly
			}
			if !writable["/tmp"] {
				t.Errorf("/tmp must be a writable volume with a read-only root filesystem")
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
