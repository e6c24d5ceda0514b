package app

import (
	"context"
	"fmt"
	"slices"
	"sort"
)

// Target names. Services are public targets of `ruche run`; the others are
// the shared parts they depend on. "all" is the composite `ruche up` runs.
const (
	TargetBus        = "bus"
	TargetClickHouse = "clickhouse"
	TargetMigrate    = "migrate"
	TargetSecrets    = "secrets"
	TargetSources    = "sources"
	TargetRouter     = "router"
	TargetOps        = "ops"
	TargetDemo       = "demo"
	TargetGateway    = "gateway"
	TargetIngest     = "ingest"
	TargetModeration = "moderation"
	TargetAnalytics  = "analytics"
	TargetPublishing = "publishing"
	TargetDrafting   = "drafting"
	TargetScheduling = "scheduling"
	TargetSandbox    = "sandbox"
	TargetAll        = "all"
)

// runner is a part with a long-running loop; Run returns when ctx is done.
type runner interface {
	Run(ctx context.Context) error
}

type module struct {
	deps []string
	// init builds the part; it may return a nil runner.
	init func(a *App) (runner, error)
	// service marks what `ruche run` accepts.
	service bool
}

// modules is the one place where targets are registered (Tempo's
// modules.Manager pattern): their dependencies and their init functions.
func modules() map[string]module {
	return map[string]module{
		TargetBus:        {init: (*App).initBus},
		TargetClickHouse: {init: (*App).initClickHouse},
		TargetMigrate:    {deps: []string{TargetClickHouse}, init: (*App).initMigrate},
		TargetSecrets:    {init: (*App).initSecrets},
		TargetSources:    {deps: []string{TargetBus, TargetSecrets}, init: (*App).initSources},
		TargetRouter:     {deps: []string{TargetBus}, init: (*App).initRouter},
		TargetOps:        {init: (*App).initOps},
		TargetDemo:       {deps: []string{TargetSources, TargetGateway}, init: (*App).initDemo},
		TargetGateway:    {deps: []string{TargetBus, TargetOps}, init: (*App).initGateway, service: true},
		TargetIngest:     {deps: []string{TargetBus, TargetRouter, TargetSources, TargetOps}, init: (*App).initIngest, service: true},
		TargetModeration: {deps: []string{TargetRouter, TargetSecrets, TargetOps}, init: (*App).initModeration, service: true},
		TargetAnalytics:  {deps: []string{TargetRouter, TargetClickHouse, TargetOps}, init: (*App).initAnalytics, service: true},
		TargetPublishing: {deps: []string{TargetRouter, TargetSecrets, TargetOps}, init: (*App).initPublishing, service: true},
		TargetDrafting:   {deps: []string{TargetRouter, TargetSecrets, TargetOps}, init: (*App).initDrafting, service: true},
		TargetScheduling: {deps: []string{TargetRouter, TargetOps}, init: (*App).initScheduling, service: true},
		// Not a service: the simulated network is for `ruche up` (demo, tests).
		TargetSandbox: {deps: []string{TargetSources}, init: (*App).initSandbox},
		TargetAll: {deps: []string{
			// The sandbox registers its connector with ingest and its
			// account with publishing: before them.
			TargetMigrate, TargetDemo, TargetSandbox, TargetGateway, TargetIngest, TargetModeration, TargetAnalytics, TargetPublishing, TargetDrafting,
			TargetScheduling,
		}},
	}
}

// Services lists the targets `ruche run` accepts, sorted.
func Services() []string {
	var out []string
	for name, m := range modules() {
		if m.service {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// order returns targets and their dependencies, dependencies first, each once.
func order(targets []string) ([]string, error) {
	mods := modules()
	var out []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string, []string) error
	visit = func(name string, path []string) error {
		m, ok := mods[name]
		if !ok {
			return fmt.Errorf("unknown target %q", name)
		}
		switch state[name] {
		case 1:
			return fmt.Errorf("dependency cycle: %v", append(path, name))
		case 2:
			return nil
		}
		state[name] = 1
		for _, d := range m.deps {
			if err := visit(d, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		out = append(out, name)
		return nil
	}
	for _, t := range targets {
		if err := visit(t, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkServices refuses names that are not services.
func checkServices(names []string) error {
	svcs := Services()
	for _, n := range names {
		if !slices.Contains(svcs, n) {
			return fmt.Errorf("unknown service %q: choose from %v", n, svcs)
		}
	}
	return nil
}
